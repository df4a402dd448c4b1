from __future__ import annotations

import codecs
import gzip
import json
from pathlib import Path

import pytest

from cleaner.ingest import InputError, RawRecord, decode, discover, read_records


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
        ("bin.txt", b"\x00\x01\x02garbage\x00", "binary"),
        ("bad.txt.gz", b"\x1f\x8b\x08\x00notreallygzip", "corrupt gzip"),
        ("bad.json", b"{nope", "invalid JSON"),
        ("list.json", b"[1, 2]", "JSON object"),
        ("notext.json", b'{"id": "x"}', '"text" or "html"'),
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
