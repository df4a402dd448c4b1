"""The statistics behind the learned table, kept between runs in ``<out>/_site_lines.sqlite``.

For every input file surveyed: its sha256 and its documents (site and content digest);
for every distinct document content of a site: the hashes of its eligible lines; for
every site and line hash: in how many of the site's distinct documents it appears; and
the normal form of each line seen in at least two of them. SQLite keeps this on disk, so
learning runs in bounded memory however big the corpus, and the counts are exact: the
same documents give the same table whatever their order, the number of workers, or how
many runs they came in.

For provenance (cleaner/offtopic/provenance.py) it also keeps every record surveyed, site
or not (file, number in the file, id), with its passages' fingerprints; :meth:`SiteLineStore.find_sources`
finds, on disk, the passages each record took from another, for the cleaning pass to read
per record.

A file surveyed again (its bytes changed) has its old documents taken out of the counts
before its new ones go in; documents of files not among a run's inputs stay counted, so
a later run on new files of a site builds on what earlier runs saw. Exact copies of a
document (same text) count once per site. Documents without a site (no url and no
sub-folder) are not counted.
"""

from __future__ import annotations

import hashlib
import sqlite3
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from pathlib import Path

from cleaner.offtopic.provenance import MAX_HOLDERS, NEAR_SHARE, Print, Source, Sources, group_sources
from cleaner.sitelines.allow import Allowlist
from cleaner.sitelines.table import Allowed, LearnedLine, SiteEntry, SiteLineParams, SiteLines

STORE_NAME = "_site_lines.sqlite"
# Documents counted between two commits: one commit per file would write the same pages
# over and over; a run killed in between surveys the files of the lost batch again.
COMMIT_EVERY = 2000
# Small: the run's worker processes are forked from the one holding the store, and a page cache
# filled by the survey would weigh on each; the counts go in sorted batches, the fingerprints in
# input order, so a larger one saves no time (20,000 documents of 10 sites: 66.5 s with 8 MiB,
# 66.0 s with 64 MiB; 30,000 documents, 2 workers: 411 MB of memory in all, 463 MB with 64 MiB).
CACHE_KIB = 8 * 1024

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, sha256 TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    file TEXT NOT NULL, n INTEGER NOT NULL, site TEXT NOT NULL, digest TEXT NOT NULL,
    PRIMARY KEY (file, n)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS contents (
    site TEXT NOT NULL, digest TEXT NOT NULL, refs INTEGER NOT NULL, hashes BLOB NOT NULL,
    PRIMARY KEY (site, digest)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS counts (
    site TEXT NOT NULL, hash INTEGER NOT NULL, documents INTEGER NOT NULL,
    PRIMARY KEY (site, hash)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS texts (
    site TEXT NOT NULL, hash INTEGER NOT NULL, text TEXT NOT NULL,
    PRIMARY KEY (site, hash)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS records (
    id INTEGER PRIMARY KEY, file TEXT NOT NULL, n INTEGER NOT NULL, label TEXT NOT NULL,
    size INTEGER NOT NULL, UNIQUE (file, n));
CREATE TABLE IF NOT EXISTS prints (
    record INTEGER NOT NULL, fp INTEGER NOT NULL, words INTEGER NOT NULL, cut INTEGER,
    PRIMARY KEY (record, fp)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sources (
    file TEXT NOT NULL, n INTEGER NOT NULL, fp INTEGER NOT NULL, donor TEXT NOT NULL, cut INTEGER NOT NULL,
    PRIMARY KEY (file, n, fp)) WITHOUT ROWID;
CREATE TEMP TABLE IF NOT EXISTS pending (site TEXT NOT NULL, hash INTEGER NOT NULL, text TEXT NOT NULL);
"""

# Provenance (cleaner/offtopic/provenance.py): the fingerprints held by 2 to MAX_HOLDERS records,
# and the pairs of records that share at least NEAR_SHARE of the smaller one's fingerprints.
_SHARED = f"""
DROP TABLE IF EXISTS temp.shared;
DROP TABLE IF EXISTS temp.near;
CREATE TEMP TABLE shared (
    fp INTEGER NOT NULL, record INTEGER NOT NULL, words INTEGER NOT NULL, cut INTEGER,
    PRIMARY KEY (fp, record)) WITHOUT ROWID;
INSERT INTO shared SELECT fp, record, words, cut FROM prints WHERE fp IN (
    SELECT fp FROM prints GROUP BY fp HAVING COUNT(*) BETWEEN 2 AND {MAX_HOLDERS});
CREATE TEMP TABLE near (a INTEGER NOT NULL, b INTEGER NOT NULL, PRIMARY KEY (a, b)) WITHOUT ROWID;
INSERT INTO near SELECT x.record, y.record FROM shared x JOIN shared y ON x.fp = y.fp AND x.record != y.record
    JOIN records rx ON rx.id = x.record JOIN records ry ON ry.id = y.record
    GROUP BY x.record, y.record HAVING COUNT(*) >= {NEAR_SHARE} * MAX(1, MIN(rx.size, ry.size));
"""


class StoreError(RuntimeError):
    """A statistics file that can't be used (damaged, or not ours); the message says what to do."""


@dataclass(frozen=True)
class Surveyed:
    """What learning needs of one document: its site, content digest and distinct eligible lines
    (none without a site), its id and its passages' fingerprints (cleaner/offtopic/provenance.py)."""

    site: str
    digest: str
    lines: tuple[tuple[int, str], ...]  # (hash, normal form), in order of first appearance
    label: str = ""
    prints: tuple[Print, ...] = ()


class SiteLineStore:
    """Exact per-site line counts in an SQLite file (or ``:memory:``), updated file by file.

    ``survey`` names how documents were turned into lines (the code and extractor
    versions); a store made by another survey is emptied, since its lines may differ.
    """

    def __init__(self, path: Path | str, survey: str) -> None:
        self.db = sqlite3.connect(str(path), isolation_level=None)
        try:
            if str(path) != ":memory:":
                # One process writes (the run holds the output folder's lock); WAL without shared
                # memory keeps commits cheap and the store consistent after a kill.
                self.db.execute("PRAGMA locking_mode=EXCLUSIVE")
                self.db.execute("PRAGMA journal_mode=WAL")
                self.db.execute("PRAGMA synchronous=NORMAL")
                self.db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
            self.db.executescript(_SCHEMA)
            found = self.db.execute("SELECT value FROM meta WHERE key='survey'").fetchone()
        except sqlite3.DatabaseError as error:
            self.db.close()
            raise StoreError(
                f"{path}: can't use these site-lines statistics ({error}); "
                "run with --relearn to learn them again from the inputs"
            ) from None
        if found is None or found[0] != survey:
            self.forget()
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('survey', ?)", (survey,))
        self._open: str | None = None
        self._next = 0
        self._pending = 0

    def close(self) -> None:
        """Write what was counted (unless a file's survey is half-done: that is dropped) and close."""
        if self._open is None:
            self.flush()
        else:
            self.rollback()
        self.db.close()

    def forget(self) -> None:
        """Drop every statistic (a store made by another survey)."""
        self.db.execute("BEGIN")
        for table in ("files", "docs", "contents", "counts", "texts", "records", "prints", "sources"):
            self.db.execute(f"DELETE FROM {table}")
        self.db.execute("COMMIT")

    def sha256(self, path: str) -> str | None:
        """The sha256 of ``path`` when it was surveyed, or None."""
        row = self.db.execute("SELECT sha256 FROM files WHERE path=?", (path,)).fetchone()
        return str(row[0]) if row else None

    def begin(self, path: str) -> None:
        """Start replacing the documents of ``path``; they count once :meth:`commit` is called."""
        if self._open == path:
            return
        if self._open is not None:
            raise RuntimeError(f"{self._open} is still being surveyed")
        if not self.db.in_transaction:
            self.db.execute("BEGIN")
        self._open, self._next = path, 0
        known = self.db.execute("SELECT site, digest FROM docs WHERE file=?", (path,)).fetchall()
        if known:
            self._apply_pending()
        for site, digest in known:
            self._release(site, digest)
        self.db.execute("DELETE FROM docs WHERE file=?", (path,))
        self.db.execute("DELETE FROM prints WHERE record IN (SELECT id FROM records WHERE file=?)", (path,))
        self.db.execute("DELETE FROM records WHERE file=?", (path,))
        self.db.execute("DELETE FROM files WHERE path=?", (path,))

    def add(self, path: str, documents: Iterable[Surveyed | None]) -> None:
        """Count documents of the open file, in input order (None: a record that could not be read)."""
        self.begin(path)
        for document in documents:
            number, self._next = self._next, self._next + 1
            if document is None:
                continue
            if document.prints:
                entry = (path, number, document.label, len(document.prints))
                record = self.db.execute("INSERT INTO records VALUES (NULL, ?, ?, ?, ?)", entry).lastrowid
                prints = ((record, *found) for found in document.prints)
                self.db.executemany("INSERT INTO prints VALUES (?, ?, ?, ?)", prints)
            if not document.site:
                continue
            row = (path, number, document.site, document.digest)
            self.db.execute("INSERT INTO docs VALUES (?, ?, ?, ?)", row)
            known = self.db.execute(
                "UPDATE contents SET refs = refs + 1 WHERE site=? AND digest=? RETURNING refs",
                (document.site, document.digest),
            ).fetchone()
            if known is None:
                self._count(document)

    def commit(self, path: str, sha256: str) -> None:
        """Record ``path`` as surveyed with these bytes; it reaches the disk with its batch of files."""
        self.begin(path)
        self.db.execute("INSERT INTO files VALUES (?, ?)", (path, sha256))
        self._open = None
        self._pending += self._next + 1
        if self._pending >= COMMIT_EVERY:
            self.flush()

    def paths(self) -> list[str]:
        """The files surveyed so far, sorted."""
        return [str(path) for (path,) in self.db.execute("SELECT path FROM files ORDER BY path")]

    def drop(self, path: str) -> None:
        """Forget ``path`` (a file gone from the inputs): its documents leave the counts."""
        self.begin(path)
        self._open = None
        self._pending += 1

    def flush(self) -> None:
        """Write the files committed so far to disk."""
        if self._open is not None:
            raise RuntimeError(f"{self._open} is still being surveyed")
        if self.db.in_transaction:
            self._apply_pending()
            self.db.execute("COMMIT")
        self._pending = 0

    def rollback(self) -> None:
        """Drop what was counted since the last flush (the run stopped half-way)."""
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")
        self.db.execute("DELETE FROM pending")
        self._open, self._pending = None, 0

    def _count(self, document: Surveyed) -> None:
        """Note a new distinct document's lines; the counts take them in :meth:`_apply_pending`."""
        site = document.site
        hashes = array("q", (value for value, _ in document.lines))
        self.db.execute("INSERT INTO contents VALUES (?, ?, 1, ?)", (site, document.digest, hashes.tobytes()))
        self.db.executemany(
            "INSERT INTO pending VALUES (?, ?, ?)", ((site, value, text) for value, text in document.lines)
        )

    def _apply_pending(self) -> None:
        """Add the noted lines to the counts in one sorted sweep, rather than line by line."""
        self.db.execute(
            "INSERT INTO counts SELECT site, hash, COUNT(*) FROM pending WHERE true GROUP BY site, hash "
            "ON CONFLICT DO UPDATE SET documents = documents + excluded.documents"
        )
        # Keep the normal form of a line once it repeats: only repeated lines can be learned.
        self.db.execute(
            "INSERT OR IGNORE INTO texts SELECT p.site, p.hash, MIN(p.text) FROM pending p "
            "JOIN counts c ON c.site = p.site AND c.hash = p.hash WHERE c.documents >= 2 "
            "GROUP BY p.site, p.hash"
        )
        self.db.execute("DELETE FROM pending")

    def _release(self, site: str, digest: str) -> None:
        refs = self.db.execute(
            "UPDATE contents SET refs = refs - 1 WHERE site=? AND digest=? RETURNING refs, hashes",
            (site, digest),
        ).fetchone()
        if refs is None or refs[0] > 0:
            return
        self.db.execute("DELETE FROM contents WHERE site=? AND digest=?", (site, digest))
        hashes = array("q")
        hashes.frombytes(refs[1])
        pairs = [(site, value) for value in hashes]
        self.db.executemany("UPDATE counts SET documents = documents - 1 WHERE site=? AND hash=?", pairs)
        self.db.executemany("DELETE FROM counts WHERE site=? AND hash=? AND documents <= 0", pairs)
        self.db.executemany(
            "DELETE FROM texts WHERE site=? AND hash=? AND NOT EXISTS "
            "(SELECT 1 FROM counts WHERE counts.site=texts.site AND counts.hash=texts.hash)",
            pairs,
        )

    def sites_of(self, path: str) -> list[str]:
        """The sites of the documents of ``path``, sorted."""
        rows = self.db.execute("SELECT DISTINCT site FROM docs WHERE file=? ORDER BY site", (path,))
        return [str(site) for (site,) in rows]

    def learn(self, params: SiteLineParams, allowlist: Allowlist) -> SiteLines:
        """The table of lines that are boilerplate for their site under ``params``, minus allowed ones."""
        self.flush()
        sizes = self.db.execute("SELECT site, COUNT(*) FROM contents GROUP BY site ORDER BY site")
        entries = []
        sites = total = 0
        for site, documents in sizes:
            sites, total = sites + 1, total + documents
            if documents < params.min_site_docs:
                continue
            rows = self.db.execute(
                "SELECT c.hash, c.documents, t.text FROM counts c JOIN texts t USING (site, hash) "
                "WHERE c.site=? AND c.documents >= ? ORDER BY c.documents DESC, t.text, c.hash",
                (site, params.needed(documents)),
            ).fetchall()
            lines, allowed = [], []
            for value, count, text in rows:
                line = LearnedLine(value, count, text)
                pattern = allowlist.match(site, text)
                if pattern is None:
                    lines.append(line)
                else:
                    allowed.append(Allowed(line, pattern))
            if lines or allowed:
                entries.append(SiteEntry(site, documents, tuple(lines), tuple(allowed)))
        totals = {
            "files": self.db.execute("SELECT COUNT(*) FROM files").fetchone()[0],
            "documents": total,
            "sites": sites,
            "sites_learned": sum(1 for entry in entries if entry.lines),
            "lines_learned": sum(len(entry.lines) for entry in entries),
        }
        return SiteLines(params, entries, allowlist.version, totals)

    def find_sources(self) -> dict[str, str]:
        """Find, for every record surveyed, the passages another record holds more
        (cleaner/offtopic/provenance.py), and keep them for :meth:`sources`; returns a digest of
        each file's findings (files with none are left out), so that a finding changed re-cleans
        the file."""
        self.flush()
        self.db.executescript(_SHARED)
        self.db.execute("BEGIN")
        try:
            self.db.execute("DELETE FROM sources")
            rows = self.db.execute(
                "SELECT s.fp, s.record, s.words, s.cut, r.file, r.n FROM shared s "
                "JOIN records r ON r.id = s.record ORDER BY s.fp, r.file, r.n"
            )
            for value, group in groupby(rows, key=itemgetter(0)):
                self._group_sources(value, [row[1:] for row in group])
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")
        self.db.executescript("DROP TABLE shared; DROP TABLE near;")
        digests: dict[str, str] = {}
        found = self.db.execute("SELECT file, n, fp, donor, cut FROM sources ORDER BY file, n, fp")
        for file, group in groupby(found, key=itemgetter(0)):
            digest = hashlib.sha256()
            for _, number, value, donor, cut in group:
                digest.update(f"{number}\0{value}\0{donor}\0{cut}\n".encode())
            digests[file] = digest.hexdigest()[:16]
        return digests

    def _group_sources(self, value: int, holders: list[tuple[int, int, int | None, str, int]]) -> None:
        """Record the sources the rules find among the holders of fingerprint ``value``, each as
        (record, words, cut, file, number in the file)."""
        ids = [record for record, *_ in holders]
        marks = ",".join("?" * len(ids))
        near: dict[int, set[int]] = {}
        for first, second in self.db.execute(f"SELECT a, b FROM near WHERE a IN ({marks})", ids):
            near.setdefault(first, set()).add(second)
        labels = dict(self.db.execute(f"SELECT id, label FROM records WHERE id IN ({marks})", ids).fetchall())
        place = {record: (file, number) for record, _, _, file, number in holders}
        found = group_sources([(record, words, cut) for record, words, cut, _, _ in holders], near)
        self.db.executemany(
            "INSERT INTO sources VALUES (?, ?, ?, ?, ?)",
            ((*place[record], value, labels[donor], cut) for record, donor, cut in found),
        )

    def sources(self, path: str, first: int, count: int) -> list[Sources]:
        """For records ``first`` to ``first + count - 1`` of ``path``: the fingerprints of their
        passages that another record holds more, with where they came from (:meth:`find_sources`)."""
        found: list[Sources] = [{} for _ in range(count)]
        rows = self.db.execute(
            "SELECT n, fp, donor, cut FROM sources WHERE file=? AND n >= ? AND n < ?",
            (path, first, first + count),
        )
        for number, value, donor, cut in rows:
            found[number - first][value] = Source(donor, bool(cut))
        return found
