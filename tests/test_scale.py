"""Streaming in batches, WARC input, per-document limits, the JSONL output shape, the Dask engine."""

from __future__ import annotations

import gzip
import io
import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cleaner import runner
from cleaner.cli import main
from cleaner.ingest import (
    InputError,
    JsonLine,
    RawRecord,
    RecordStream,
    WarcPayload,
    _lines,
    discover,
    file_digest,
)
from cleaner.limits import DocumentTimeout, Limits, time_limit
from cleaner.model import Document
from cleaner.runner import FileEnd, Job, Outcome, Unit, _in_order

ARTICLE = (
    "Harbour workers end three-day strike\n\n"
    "Dock workers in the port returned to work on Thursday after the union accepted a new pay offer.\n\n"
    "- ADVERTISEMENT - CONTINUE READING BELOW -\n\n"
    "The agreement raises wages by four percent this year and three percent next year, the union said.\n\n"
    "By Marta Lindqvist"
)
PAGE = (
    "<html><head><title>Council backs budget {n}</title></head><body><nav>Home | News</nav><article>"
    "<h1>Council backs budget {n}</h1><p>The city council approved a budget of {n} million on Tuesday "
    "evening after a four-hour debate about roads and schools.</p><p>ADVERTISEMENT</p><p>Opposition "
    "members said the plan left too little for public transport and housing.</p></article></body></html>"
)


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["run", *args])
    return result.exit_code, result.output


def outputs(out: Path) -> dict[Path, bytes]:
    """Every output file's bytes, except the run's timing and its journal."""
    skip = {"_stats.json", "_manifest.jsonl"}
    return {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name not in skip}


def big_feed(folder: Path, count: int) -> Path:
    """A JSONL file of ``count`` articles with varied ids, one broken line in the middle."""
    lines = [json.dumps({"id": f"a{n}", "text": ARTICLE.replace("three", str(n))}) for n in range(count)]
    lines.insert(count // 2, "{broken")
    path = folder / "feeds" / "big.jsonl.gz"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0))
    return path


def write_warc(path: Path, pages: list[tuple[str, str, bytes]]) -> None:
    """A WARC file (gzipped for a .gz name): a warcinfo record, then (url, type, body) responses."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=path.name.endswith(".gz"))
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
        for url, content_type, body in pages:
            http = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
            writer.write_record(
                writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http)
            )


# ---------------------------------------------------------------- streaming


def test_a_big_gzipped_jsonl_streams_in_batches_with_the_same_bytes_for_one_or_two_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "BATCH_DOCS", 7)  # 60 records: 9 batches shared by the two workers
    raw = tmp_path / "raw"
    big_feed(raw, 60)
    (raw / "one.txt").write_text(ARTICLE)
    results = []
    for workers in ("1", "2"):
        out = tmp_path / f"clean-{workers}"
        code, output = cli(str(raw), "--out", str(out), "--workers", workers)
        assert (
            code == 1 and "61 documents cleaned" in output and "big.jsonl.gz: line 31: invalid JSON" in output
        )
        results.append(outputs(out))
    assert results[0] == results[1]
    out = tmp_path / "clean-1"
    records = [json.loads(line) for line in (out / "feeds" / "big.jsonl").read_text().splitlines()]
    assert [r["id"] for r in records] == [f"a{n}" for n in range(60)]
    index = [json.loads(line) for line in (out / "index.jsonl").read_text().splitlines()]
    assert [e["id"] for e in index] == [f"a{n}" for n in range(30)] + ["feeds/big#31"] + [
        f"a{n}" for n in range(30, 60)
    ] + ["one"]
    # The manifest names the file holding a JSONL's index lines rather than holding them.
    manifest = [json.loads(line) for line in (out / "_manifest.jsonl").read_text().splitlines()]
    big = next(entry for entry in manifest if entry["path"].endswith("big.jsonl.gz"))
    assert big["index"] == ".index/feeds/big.jsonl" and big["outputs"][-1] == big["index"]
    # Its bad line stays bad on the same bytes: the file is not cleaned again until it changes.
    assert big["sha256"] == file_digest(raw / "feeds" / "big.jsonl.gz") and big["complete"] is True
    code, output = cli(str(raw), "--out", str(out), "--workers", "1")
    assert code == 0 and "0 documents cleaned (2 files unchanged" in output
    assert outputs(out) == results[0]


def test_work_is_read_lazily_and_kept_in_order_with_bounded_work_in_flight() -> None:
    events: list[str] = []

    class Counting:
        """An engine that runs work later, in any order, and counts what is in flight."""

        slots = 3

        def __init__(self) -> None:
            self.in_flight = self.most = self.submitted = 0

        def submit(self, job: Job, units: list[Unit]) -> Callable[[], list[Outcome]]:
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
            number = self.submitted
            self.submitted += 1

            def result() -> list[Outcome]:
                self.in_flight -= 1
                events.append(f"done {number}")
                return [Outcome(index=[{"n": number}])]

            return result

    def work() -> Iterator[list[Unit] | FileEnd]:
        for number in range(20):
            events.append(f"read {number}")
            yield []

    engine = Counting()
    got = [outcomes[0].index[0]["n"] for _, outcomes in _in_order(engine, None, work())]  # type: ignore[arg-type]
    assert got == sorted(got) and len(got) == 20
    assert engine.most == engine.slots + 1
    assert events.index("done 0") < events.index("read 10")  # results flow before the input is all read


def test_jsonl_lines_and_file_digest_are_read_as_a_stream(tmp_path: Path) -> None:
    path = big_feed(tmp_path, 5)
    (item,) = discover([path])[0]
    stream = RecordStream(item, max_doc_bytes=len(ARTICLE) + 60)
    records = list(stream)
    assert [r.id if isinstance(r, RawRecord) else "error" for r in records] == [
        "a0",
        "a1",
        "error",
        "a2",
        "a3",
        "a4",
    ]
    assert stream.digest() == file_digest(path)
    tight = [str(r) for r in RecordStream(item, max_doc_bytes=60) if not isinstance(r, RawRecord)]
    assert tight[:2] == [
        "line 1: exceeded the 60 bytes size limit",
        "line 2: exceeded the 60 bytes size limit",
    ]


def test_lines_at_the_size_limit_pass_and_longer_ones_are_skipped_whole() -> None:
    data = b"0123456789\n0123456789A\r\n" + b"x" * 30 + b"\nlast\r\nend"
    assert list(_lines(io.BytesIO(data), 10)) == [
        (1, b"0123456789"),
        (2, None),
        (3, None),
        (4, b"last"),
        (5, b"end"),
    ]


# ---------------------------------------------------------------- WARC


def test_records_that_cannot_be_decoded_become_errors_naming_them() -> None:
    garbage = b"\x00\x01\x02\xff\xfe" * 3
    broken = WarcPayload("crawl.warc", "<urn:uuid:1>", None, garbage, None).parse()
    assert isinstance(broken, InputError) and broken.doc_id == "<urn:uuid:1>"
    assert str(broken) == "record <urn:uuid:1>: binary content: no text encoding fits"
    line = JsonLine("feed.jsonl", "feed", 3, b"\xff\xfe\x00\x00garbage").parse()
    assert isinstance(line, InputError) and str(line).startswith("line 3: invalid JSON")


@pytest.mark.parametrize("name", ["crawl.warc.gz", "crawl.warc"])
def test_a_warc_file_is_cleaned_into_jsonl_with_ids_and_urls_from_its_headers(
    tmp_path: Path, name: str
) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    write_warc(
        raw / name,
        [
            ("https://news.example.com/budget", "text/html; charset=utf-8", PAGE.format(n=40).encode()),
            ("https://news.example.com/logo.png", "image/png", b"\x89PNG\r\n"),
            (
                "https://news.example.com/cafe",
                "text/html; charset=windows-1252",
                PAGE.format(n="caf\xe9").encode("cp1252"),
            ),
        ],
    )
    out = tmp_path / "clean"
    code, output = cli(str(raw), "--out", str(out), "--workers", "1")
    assert code == 0, output
    assert "2 documents cleaned" in output and "1 WARC records not 2xx HTML" in output
    records = [json.loads(line) for line in (out / "crawl.jsonl").read_text().splitlines()]
    assert [r["metadata"]["url"] for r in records] == [
        "https://news.example.com/budget",
        "https://news.example.com/cafe",
    ]
    assert all(r["id"].startswith("<urn:uuid:") for r in records)
    assert (
        "approved a budget of 40 million" in records[0]["text"] and "ADVERTISEMENT" not in records[0]["text"]
    )
    assert records[1]["metadata"]["title"] == "Council backs budget café"
    index = [json.loads(line) for line in (out / "index.jsonl").read_text().splitlines()]
    assert [e["id"] for e in index] == [r["id"] for r in records]


def test_jsonl_output_has_the_shape_datatrove_and_dolma_read(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    record = {"id": "d1", "text": ARTICLE, "metadata": {"url": "https://example.com/a", "title": "Strike"}}
    (raw / "docs.jsonl").write_text(json.dumps(record) + "\n")
    cli(str(raw), "--out", str(tmp_path / "clean"))
    (line,) = (tmp_path / "clean" / "docs.jsonl").read_text().splitlines()
    cleaned = json.loads(line)
    assert list(cleaned)[:2] == ["id", "text"] and cleaned["id"] == "d1"
    assert "ADVERTISEMENT" not in cleaned["text"] and cleaned["text"].startswith("Harbour workers")
    assert cleaned["metadata"]["url"] == "https://example.com/a" and cleaned["metadata"]["title"] == "Strike"


# ---------------------------------------------------------------- limits


def test_documents_over_the_size_limit_become_error_records_naming_it(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    small = json.dumps({"id": "small", "text": "A short note about the harbour strike and the pay offer."})
    large = json.dumps({"id": "large", "text": ARTICLE * 3})
    (raw / "feed.jsonl").write_text(f"{small}\n{large}\n")
    (raw / "long.txt").write_text(ARTICLE * 3)
    write_warc(
        raw / "crawl.warc.gz", [("https://example.com/big", "text/html", PAGE.format(n=1).encode() * 3)]
    )
    out = tmp_path / "clean"
    code, output = cli(str(raw), "--out", str(out), "--max-doc-bytes", "300")
    assert code == 1
    assert "1 documents cleaned" in output and "3 errors" in output
    assert "feed.jsonl: line 2: exceeded the 300 bytes size limit" in output
    assert "long.txt: exceeded the 300 bytes size limit" in output
    assert "crawl.warc.gz: record <urn:uuid:" in output
    index = [json.loads(line) for line in (out / "index.jsonl").read_text().splitlines()]
    assert [(e["id"].split(":")[0], e["status"]) for e in index] == [
        ("<urn", "error"),
        ("small", "ok"),
        ("feed#2", "error"),
        ("long", "error"),
    ]


def test_documents_over_the_time_limit_become_error_records_naming_it(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "feed.jsonl").write_text(json.dumps({"id": "slow", "text": ARTICLE}) + "\n")
    code, output = cli(str(raw), "--out", str(tmp_path / "clean"), "--doc-timeout", "0.000001")
    assert code == 1 and "feed.jsonl: line 1: exceeded the 1e-06 s time limit" in output
    (entry,) = [json.loads(line) for line in (tmp_path / "clean" / "index.jsonl").read_text().splitlines()]
    assert entry["id"] == "slow" and entry["status"] == "error" and entry["error"].endswith("time limit")
    # A time limit may not be met again: the next run tries the document again.
    code, output = cli(str(raw), "--out", str(tmp_path / "clean"))
    assert code == 0 and output.startswith("1 documents cleaned (0 files unchanged")


@pytest.mark.parametrize("seconds", ["nan", "inf", "1e9"])
def test_a_time_limit_the_timers_cant_take_is_a_usage_error(tmp_path: Path, seconds: str) -> None:
    """NaN and infinity passed a range check (they made every document an internal error)."""
    (tmp_path / "a.txt").write_text(ARTICLE)
    code, output = cli(str(tmp_path / "a.txt"), "--out", str(tmp_path / "clean"), "--doc-timeout", seconds)
    assert code == 2 and "--doc-timeout" in output and not (tmp_path / "clean").exists()
    with pytest.raises(ValueError, match="0 to 86400 seconds"):
        Limits(doc_timeout=float(seconds))


def test_a_document_the_survey_stopped_at_the_time_limit_is_not_tried_again_in_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One limit a document a run: the site-lines survey's time-out is the cleaning pass's too."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "slow.txt").write_text(ARTICLE.replace("Harbour", "Slow harbour"))
    (raw / "feed.jsonl").write_text(
        "".join(json.dumps({"id": i, "text": ARTICLE.replace("port", f"port {i}")}) + "\n" for i in "ab")
    )
    surveyed, cleaned, slow = [], [], {"slow", "b"}
    real_survey, real_clean = runner.survey, runner.Cleaner.clean

    def slow_survey(record: RawRecord, *args: Any) -> Any:
        surveyed.append(record.id)
        while record.id in slow:
            pass  # until the time limit
        return real_survey(record, *args)

    def counted_clean(self: runner.Cleaner, record: RawRecord, *args: Any) -> Document:
        cleaned.append(record.id)
        return real_clean(self, record, *args)

    monkeypatch.setattr(runner, "survey", slow_survey)
    monkeypatch.setattr(runner.Cleaner, "clean", counted_clean)
    # No rule cache: every pattern compiles as the rules load, none in the first document's
    # half second (patterns read from the cache compile when a document first needs them).
    monkeypatch.setenv("CLEANER_CACHE_DIR", "")
    args = (str(raw), "--out", str(tmp_path / "clean"), "--workers", "1", "--doc-timeout", "0.5")
    code, output = cli(*args)
    assert code == 1 and sorted(surveyed) == ["a", "b", "slow"] and cleaned == ["a"], output
    assert "line 1: exceeded" not in output  # "a" itself is cleaned within the limit
    assert "feed.jsonl: line 2: exceeded the 0.5 s time limit" in output
    assert f"{raw / 'slow.txt'}: exceeded the 0.5 s time limit" in output
    # The next run tries them again (the survey counted their files already: it reads none again).
    surveyed.clear()
    slow.clear()
    code, output = cli(*args)
    assert code == 0 and surveyed == [] and sorted(cleaned) == ["a", "a", "b", "slow"], output


def spin(seconds: float, limit: float) -> str:
    started = time.monotonic()
    try:
        with time_limit(limit):
            while time.monotonic() - started < seconds:
                pass
    except DocumentTimeout:
        return "timeout"
    return "done"


def test_the_time_limit_interrupts_on_the_main_thread_and_on_other_threads() -> None:
    assert (spin(5, 0.1), spin(0.01, 1)) == ("timeout", "done")
    found: list[tuple[str, str]] = []
    thread = threading.Thread(target=lambda: found.append((spin(5, 0.1), spin(0.01, 1))))
    thread.start()
    thread.join()
    assert found == [("timeout", "done")]


def test_the_time_limit_fires_again_when_its_first_exception_is_dropped() -> None:
    """As Python drops one raised in a garbage-collector callback; after the block, none fires."""
    handler = signal.getsignal(signal.SIGALRM)
    seen = []
    started = time.monotonic()
    with pytest.raises(DocumentTimeout), time_limit(0.1):
        try:
            while time.monotonic() - started < 5:
                pass
        except DocumentTimeout:
            seen.append(time.monotonic() - started)  # dropped
        while time.monotonic() - started < 5:
            pass
    seen.append(time.monotonic() - started)
    assert 0.1 <= seen[0] < seen[1] < 2
    assert signal.getsignal(signal.SIGALRM) == handler
    assert spin(1, 5) == "done"  # no alarm left over
    # A limit shorter than setting the alarm up: it fires there, and again at once in the block.
    assert [spin(1, 1e-6) for _ in range(20)] == ["timeout"] * 20
    assert signal.getsignal(signal.SIGALRM) == handler


def test_no_alarm_outlives_its_block_whatever_the_limit_and_the_block() -> None:
    pairs = [(limit, body) for limit in (1e-6, 1e-5, 1e-4, 1e-3) for body in (0, 1e-5, 1e-4, 2e-3)]
    for limit, body in pairs * 20:
        spin(body, limit)
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0), (limit, body)
    assert spin(0.6, 5) == "done"  # past the time to fire again: nothing does


# ---------------------------------------------------------------- Dask


def test_the_dask_engine_writes_the_same_bytes_as_the_local_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
    monkeypatch.setattr(runner, "BATCH_DOCS", 5)
    raw = tmp_path / "raw"
    big_feed(raw, 12)
    for n in range(3):
        (raw / "site" / f"page{n}.html").parent.mkdir(parents=True, exist_ok=True)
        (raw / "site" / f"page{n}.html").write_text(PAGE.format(n=n))
    write_warc(raw / "crawl.warc.gz", [("https://example.com/w", "text/html", PAGE.format(n=7).encode())])
    local = tmp_path / "local"
    cli(str(raw), "--out", str(local), "--workers", "1")
    code, output = cli(str(raw), "--out", str(tmp_path / "x"), "--engine", "dask")
    assert code == 2 and "--engine dask needs --scheduler" in output
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        code, output = cli(
            str(raw),
            "--out",
            str(tmp_path / "dask"),
            "--engine",
            "dask",
            "--scheduler",
            cluster.scheduler_address,
        )
    assert code == 1 and "16 documents cleaned" in output, output
    assert outputs(tmp_path / "dask") == outputs(local)
    # The site-lines survey ran on the Dask workers too: the feed's twelve records share a line.
    learned = json.loads((tmp_path / "dask" / "_site_lines.json").read_text())["sites"]
    assert list(learned) == ["feeds"] and learned["feeds"]["documents"] == 12


def test_a_worker_that_dies_stops_the_run_with_a_message_and_keeps_finished_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cleaner.pipeline import Cleaner

    real_clean = Cleaner.clean
    finished = tmp_path / "clean" / "a.txt"

    def clean_or_die(self: Cleaner, record: RawRecord, *args: Any) -> Document:
        if record.id == "crash":  # stands for a crash inside a C library, which kills the process
            deadline = time.monotonic() + 60
            while not finished.exists() and time.monotonic() < deadline:
                time.sleep(0.05)  # a.txt, in the other worker, gets done first
            time.sleep(0.5)  # and its result back to the parent
            os._exit(3)
        return real_clean(self, record, *args)

    monkeypatch.setattr(Cleaner, "clean", clean_or_die)
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text(ARTICLE)
    (raw / "b.jsonl").write_text(json.dumps({"id": "crash", "text": ARTICLE}) + "\n")
    code, output = cli(str(raw), "--out", str(tmp_path / "clean"), "--workers", "2")
    assert code == 1 and "a worker process died and the work in flight with it" in output
    assert (tmp_path / "clean" / "a.txt").exists() and not (tmp_path / "clean" / "b.jsonl").exists()
    assert not list((tmp_path / "clean").rglob("*.tmp"))
