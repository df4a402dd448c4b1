"""HTML extractions kept on disk from the survey pass for the cleaning pass of the same run.

With the site-lines stage on, every HTML page is needed twice: its lines are counted
before anything is learned, and it is cleaned after. Extraction is most of the cost of
an HTML page, so the survey pass writes what it extracted to ``<out>/.extracted/``, one
small file per page, and the cleaning pass reads it back instead of extracting again.
Nothing is held in memory; the folder is removed when a run completes (a run stopped
half-way leaves it for the next run to use).

An entry is named by the sha256 of the extractor's version, the page's url and its
decoded HTML: everything extraction depends on, so an entry is never wrong for a page
that finds it, whatever run, file or record it came from. Entries are written to a
temporary name and renamed; an entry that can't be read is extracted again.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from cleaner.ingest import RawRecord
from cleaner.pipeline import SURVEY_VERSION, Extracted
from cleaner.write import write_atomic

CACHE_NAME = ".extracted"


class ExtractionCache:
    """Extractions of HTML records in a folder, keyed by what extraction depends on."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, record: RawRecord) -> Path:
        """Where the extraction of ``record`` is kept."""
        key = hashlib.sha256(f"{SURVEY_VERSION}\0{record.metadata.get('url') or ''}\0".encode())
        key.update(record.content.encode("utf-8", "surrogatepass"))
        name = key.hexdigest()
        return self.root / name[:2] / name

    def get(self, record: RawRecord) -> Extracted | None:
        """The kept extraction of ``record``, or None when there is none (or it can't be read)."""
        try:
            value = json.loads(self.path(record).read_bytes())
            text, metadata = value["text"], value["metadata"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if not isinstance(text, str) or not isinstance(metadata, dict):
            return None
        return Extracted(text, metadata)

    def put(self, record: RawRecord, extracted: Extracted) -> None:
        """Keep the extraction of ``record`` (written whole or not at all)."""
        # ASCII JSON: a lone surrogate in a page survives the round trip. Not flushed to disk:
        # an entry a crash damaged is extracted again.
        data = json.dumps({"text": extracted.text, "metadata": extracted.metadata})
        write_atomic(self.path(record), data, durable=False)

    def clear(self) -> None:
        """Remove every kept extraction."""
        shutil.rmtree(self.root, ignore_errors=True)
