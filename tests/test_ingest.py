from __future__ import annotations

import codecs
import gzip
import io
import json
import re
from pathlib import Path

import pytest

from cleaner.ingest import InputError, OutputClash, RawRecord, decode, discover, read_records


def records(tmp_path: Path, name: str, data: bytes) -> list[RawRecord | InputError]:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    files, _ = discover([path])
    assert len(files) == 1
    return list(read_records(files[0]))


def test_discover_finds_known_kinds_recursively_and_skips_the_rest(tmp_path: Path) -> None:
    for name in ["a.txt", "site/b.html", "site/c.htm.gz", "d.jsonl", "e.json", "f.pdf", ".hidden.txt", "g"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    files, skipped = discover([tmp_path])
    assert [(f.rel, f.kind) for f in files] == [
        ("a", "text"),
        ("d", "jsonl"),
        ("e", "json"),
        ("site/b", "html"),
        ("site/c", "html"),
    ]
    assert sorted(p.name for p in skipped) == ["f.pdf", "g"]


def test_discover_skips_symlinks_that_leave_the_input_folder(tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "inside.txt").write_text("fine")
    (raw / "link.txt").symlink_to(outside)
    files, skipped = discover([raw])
    assert [f.rel for f in files] == ["inside"]
    assert [p.name for p in skipped] == ["link.txt"]


def test_discover_names_a_missing_input() -> None:
    with pytest.raises(FileNotFoundError, match="nope"):
        discover([Path("nope")])


def test_text_is_decoded_and_crlf_normalised(tmp_path: Path) -> None:
    (record,) = records(tmp_path, "a.txt", codecs.BOM_UTF8 + "Zürich\r\nline two\r".encode())
    assert isinstance(record, RawRecord)
    assert record.content == "Zürich\nline two\n"
    assert not record.is_html and record.id == "a"


def test_declared_html_charset_is_honoured() -> None:
    html = '<html><head><meta charset="windows-1252"></head><body>café – “quoted”</body></html>'
    text, encoding, note = decode(html.encode("cp1252"), is_html=True)
    assert "café – “quoted”" in text and encoding == "windows-1252" and note is None


def test_a_wrong_declared_charset_falls_back_to_detection() -> None:
    html = '<meta charset="utf-8"><p>Müller und Söhne öffnen früh</p>'
    text, _, note = decode(html.encode("cp1252"), is_html=True)
    assert "Müller und Söhne öffnen früh" in text
    assert note is not None and note.startswith("declared charset utf-8 does not fit the bytes; decoded as")


def test_gzipped_file_is_read(tmp_path: Path) -> None:
    (record,) = records(tmp_path, "a.txt.gz", gzip.compress(b"Hello gz"))
    assert isinstance(record, RawRecord) and record.content == "Hello gz"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"  \n", "empty file"),
        ("bom.txt", b"\xef\xbb\xbf \n", "empty file"),
        ("utf32.html", b"\xff\xfe\x00\x00", "empty file"),
        ("bin.txt", b"\x00\x01\x02garbage\x00", "binary"),
        ("bad.txt.gz", b"\x1f\x8b\x08\x00notreallygzip", "corrupt gzip"),
        ("bad.json", b"{nope", "invalid JSON"),
        ("list.json", b"[1, 2]", "JSON object"),
        ("notext.json", b'{"id": "x"}', '"text" or "html"'),
        ("deep.json", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        ("utf16.jsonl", '{"text": "A story."}\n{"text": "Another."}\n'.encode("utf-16"), "must be UTF-8"),
        ("utf32.jsonl", codecs.BOM_UTF32_BE + '{"text": "A story."}\n'.encode("utf-32-be"), "must be UTF-8"),
    ],
)
def test_bad_files_raise_a_clear_error(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        records(tmp_path, name, data)


def test_jsonl_reports_broken_lines_and_keeps_the_good_ones(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "one", "text": "First article.", "url": "https://example.com/a"}),
        "{broken",
        json.dumps({"html": "<p>Second</p>", "title": "T"}),
        json.dumps({"text": ""}),
    ]
    found = records(tmp_path, "feed.jsonl", "\n".join(lines).encode())
    first, broken, second, empty = found
    assert isinstance(first, RawRecord) and first.id == "one"
    assert first.metadata == {"url": "https://example.com/a"}
    assert isinstance(broken, InputError) and str(broken).startswith("line 2: invalid JSON")
    assert isinstance(second, RawRecord) and second.is_html and second.id == "feed#3"
    assert second.metadata == {"title": "T"} and second.line == 3
    assert isinstance(empty, InputError) and str(empty).startswith("line 4:")


def test_discover_leaves_out_an_output_folder_inside_the_input(tmp_path: Path) -> None:
    (tmp_path / "clean" / "site").mkdir(parents=True)
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "clean" / "site" / "a.txt").write_text("x")
    (tmp_path / "clean" / "index.jsonl").write_text("{}")
    (tmp_path / "clean" / "_stats.json").write_text("{}")
    owners = {"site/a.txt": str(tmp_path / "site" / "a.txt")}
    files, skipped = discover([tmp_path], tmp_path / "clean", frozenset({"index.jsonl"}), owners=owners)
    assert [f.rel for f in files] == ["a"] and skipped == []


def test_discover_refuses_inputs_in_the_output_folder(tmp_path: Path) -> None:
    """They would not be cleaned, and outputs could overwrite them."""
    (tmp_path / "clean" / "site").mkdir(parents=True)
    (tmp_path / "clean" / "site" / "story.txt").write_text("x")
    for given in (tmp_path / "clean", tmp_path / "clean" / "site" / "story.txt"):
        with pytest.raises(OutputClash, match=r"is in the output folder .*: clean it into a folder of"):
            discover([given], tmp_path / "clean")
    with pytest.raises(OutputClash, match=r"story\.txt is in the output folder .* but is no output of a run"):
        discover([tmp_path], tmp_path / "clean")


@pytest.mark.parametrize(
    ("names", "given"),
    [
        (["a.txt", "a.html"], ["."]),
        (["a.txt", "a.txt.gz"], ["."]),
        (["one/story.txt", "two/story.txt"], ["one", "two"]),
    ],
)
def test_discover_stops_on_two_inputs_with_one_output(
    tmp_path: Path, names: list[str], given: list[str]
) -> None:
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    with pytest.raises(OutputClash, match="would both write"):
        discover([tmp_path / folder for folder in given])


def test_discover_stops_on_an_input_that_would_overwrite_a_run_file(tmp_path: Path) -> None:
    (tmp_path / "index.jsonl").write_text("{}")
    (tmp_path / "a.jsonl").write_text("{}")
    assert len(discover([tmp_path])[0]) == 2
    with pytest.raises(OutputClash, match=r"index\.jsonl"):
        discover([tmp_path], reserved=frozenset({"index.jsonl"}))


def test_a_lone_surrogate_escape_in_a_record_becomes_a_replacement_character(tmp_path: Path) -> None:
    line = (
        '{"id": "a", "text": "Body \\udfff text.", "title": "T \\ud83d", "metadata": {"author": "\\udc00X"}}'
    )
    (record,) = records(tmp_path, "feed.jsonl", line.encode())
    assert isinstance(record, RawRecord)
    assert record.content == "Body \ufffd text."
    assert record.metadata == {"title": "T \ufffd", "author": "\ufffdX"}
    record.content.encode("utf-8")  # writable


def test_a_record_loses_its_nul_characters_and_carriage_returns(tmp_path: Path) -> None:
    line = json.dumps({"id": "a", "text": "One\u0000 line\r\nTwo\rThree"})
    (record,) = records(tmp_path, "feed.jsonl", line.encode())
    assert isinstance(record, RawRecord)
    assert record.content == "One line\nTwo\nThree"


def test_a_deeply_nested_jsonl_line_is_an_error_of_that_line(tmp_path: Path) -> None:
    data = b"[" * 100_000 + b"]" * 100_000 + b"\n" + json.dumps({"text": "Fine."}).encode()
    deep, fine = records(tmp_path, "feed.jsonl", data)
    assert isinstance(deep, InputError) and str(deep) == "line 1: invalid JSON: nested too deeply"
    assert isinstance(fine, RawRecord)


def test_a_warc_response_without_a_target_uri_is_an_error_of_the_file(tmp_path: Path) -> None:
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html><body><p>Hello.</p></body></html>"
    warc = (
        b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:1>\r\n"
        b"WARC-Date: 2024-01-01T00:00:00Z\r\nContent-Type: application/http; msgtype=response\r\n"
        + f"Content-Length: {len(http)}\r\n\r\n".encode()
        + http
        + b"\r\n\r\n"
    )
    with pytest.raises(InputError, match=re.escape("malformed WARC record (record 1 of the file:")):
        records(tmp_path, "crawl.warc", warc)
    # After a warcinfo record and a good response, the bad one is named by its place.
    good = warc_bytes(PAGES[:1])
    with pytest.raises(InputError, match=re.escape("malformed WARC record (record 3 of the file:")):
        records(tmp_path, "two.warc", good + warc)


def test_a_page_declaring_utf16_in_ascii_is_read_as_utf8() -> None:
    page = '<html><head><meta charset="utf-16"></head><body><p>Peñaluenga</p></body></html>'.encode()
    text, encoding, note = decode(page, is_html=True)
    assert "Peñaluenga" in text and encoding == "utf-8" and note is None


def warc_bytes(pages: list[str]) -> bytes:
    """An uncompressed WARC file: a warcinfo record, then an HTML response for each page."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=False)
    writer.write_record(writer.create_warcinfo_record("test.warc", {"software": "test"}))
    for n, page in enumerate(pages):
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        body = io.BytesIO(page.encode())
        writer.write_record(
            writer.create_warc_record(f"https://example.com/{n}", "response", payload=body, http_headers=http)
        )
    return buffer.getvalue()


PAGES = [f"<html><body><p>Story number {n} is here.</p></body></html>" for n in range(3)]


def test_a_warc_gzipped_whole_reads_as_one_gzipped_record_by_record(tmp_path: Path) -> None:
    found = records(tmp_path / "whole", "crawl.warc.gz", gzip.compress(warc_bytes(PAGES), mtime=0))
    plain = records(tmp_path / "plain", "crawl.warc", warc_bytes(PAGES))
    assert [r.metadata["url"] for r in found if isinstance(r, RawRecord)] == [
        f"https://example.com/{n}" for n in range(3)
    ]
    assert [r.content for r in found if isinstance(r, RawRecord)] == [
        r.content for r in plain if isinstance(r, RawRecord)
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"hello, this is not a web archive\n", "not a WARC file"),
        (b"\n \n", "empty file"),
        (gzip.compress(warc_bytes(PAGES), mtime=0)[:-40], "corrupt gzip file"),
    ],
)
def test_a_file_that_is_no_warc_is_an_error(tmp_path: Path, data: bytes, message: str) -> None:
    name = "crawl.warc.gz" if data.startswith(b"\x1f\x8b") else "crawl.warc"
    with pytest.raises(InputError, match=message):
        records(tmp_path, name, data)


def test_a_warc_record_the_file_ends_inside_is_an_error_of_that_record(tmp_path: Path) -> None:
    data = warc_bytes(PAGES)
    first, second, cut = records(tmp_path, "crawl.warc", data[: data.rindex(b"Story number 2") + 5])
    assert isinstance(first, RawRecord) and isinstance(second, RawRecord)
    assert isinstance(cut, InputError) and "truncated (the file ends inside it)" in str(cut)


def test_latin1_spanish_is_read_as_windows_1252_not_central_european() -> None:
    text = (
        "El alcalde de Peñaluenga anunció el martes que la señora Muñoz dirigirá la campaña. "
        "Según fuentes del ayuntamiento, la decisión llegó tras años de negociación con los vecinos."
    )
    decoded, encoding, note = decode(text.encode("latin-1"), is_html=False)
    assert decoded == text and encoding == "cp1252" and note is not None and "detected" in note
