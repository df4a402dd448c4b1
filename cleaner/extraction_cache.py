"""HTML records as the survey pass read and extracted them, kept on disk for the cleaning pass.

With the site-lines stage on, every HTML page is needed twice: its lines are counted
before anything is learned, and it is cleaned after. Extraction is most of the cost of
an HTML page, and decoding a large record (a JSONL line of HTML) the next largest, so the
survey pass writes what it read and extracted to ``<out>/.extracted/``, one small file per
page, and the cleaning pass reads that back instead of parsing and extracting again.
Nothing is held in memory; the folder is removed when a run completes (a run stopped
half-way leaves it for the next run to use).

An entry is named by the sha256 of the extractor's version and the record's origin (its
file, its place in the file and the sha256 of its bytes: ``JsonLine.origin``,
``WarcPayload.origin``, :func:`~cleaner.ingest.file_origin`): everything reading and
extraction depend on, so an entry is never wrong for a record that finds it. Entries are
written to a temporary name and renamed; an entry that can't be read is read and
extracted again.
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
    """HTML records and their extractions in a folder, keyed by where the record was read."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, origin: str) -> Path:
        """Where the record read at ``origin`` is kept."""
        name = hashlib.sha256(f"{SURVEY_VERSION}\0{origin}".encode("utf-8", "surrogatepass")).hexdigest()
        return self.root / name[:2] / name

    def get(self, origin: str) -> tuple[RawRecord, Extracted] | None:
        """The record read at ``origin`` (without its HTML) and its extraction, or None when
        there is none (or it can't be read)."""
        try:
            value = json.loads(self.path(origin).read_bytes())
            kept, text, metadata = value["record"], value["text"], value["metadata"]
            record = RawRecord(
                id=kept["id"],
                source=kept["source"],
                content="",  # not needed again: the extraction stands for it
                is_html=True,
                sha256=kept["sha256"],
                metadata=kept["metadata"],
                line=kept["line"],
                warnings=kept["warnings"],
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if not isinstance(text, str) or not isinstance(metadata, dict):
            return None
        return record, Extracted(text, metadata)

    def put(self, origin: str, record: RawRecord, extracted: Extracted) -> None:
        """Keep the HTML ``record`` read at ``origin`` and its extraction (written whole or not at all)."""
        kept = {
            "id": record.id,
            "source": record.source,
            "sha256": record.sha256,
            "metadata": record.metadata,
            "line": record.line,
            "warnings": record.warnings,
        }
        # ASCII JSON: a lone surrogate in a page survives the round trip. Not flushed to disk:
        # an entry a crash damaged is read and extracted again.
        data = json.dumps({"record": kept, "text": extracted.text, "metadata": extracted.metadata})
        write_atomic(self.path(origin), data, durable=False)

    def clear(self) -> None:
        """Remove every kept record."""
        shutil.rmtree(self.root, ignore_errors=True)
