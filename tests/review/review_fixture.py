"""A small clean directory, shaped like `cleaner run` output, for the review tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cleaner.model import render
from cleaner.write import spans_from_sidecar

SCRIPT_PAYLOAD = '<script>window.__pwned=1;document.title="PWNED"</script>'
IMG_PAYLOAD = "<img src=x onerror=\"document.title='PWNED';document.body.setAttribute('data-pwned','1')\">"

ELECTION = (
    "Polls close at eight in the evening across the county.\n\n"
    "Turnout was higher than in the last three elections, officials said.\n\n"
    "Advertisement\n\n"
    "Sign up for our newsletter to get the best deals on garden furniture.\n\n"
    "The count is expected to finish before midnight.\n\n"
    "Our horoscope for Sunday: Leo will meet an old friend.\n\n"
    "Results will be published on the council website.\n"
)
HOSTILE = (
    "A scraper met a page full of markup.\n\n"
    f"Share this: {SCRIPT_PAYLOAD} on social media\n\n"
    f"Win a free cruise today {IMG_PAYLOAD} click here now\n\n"
    "The council meets again on Tuesday.\n"
)
BRIDGE = (
    "The bridge reopened on Monday.\n\nRead more: ten bridges you must see\n\nTraffic is back to normal.\n"
)
MARKET = "The market fell two percent.\n\nAnalysts expect a rebound.\n"


def _entries(
    text: str, removed: list[tuple[str, str, str]], flagged: list[tuple[str, float, str]]
) -> dict[str, Any]:
    """Sidecar ``removed``/``flagged`` lists for passages found by their text."""

    def where(needle: str) -> tuple[int, int]:
        start = text.index(needle)
        return start, start + len(needle)

    rem = [
        {
            "start": where(needle)[0],
            "end": where(needle)[1],
            "text": needle,
            "rule": rule,
            "category": category,
            "score": None,
            "detail": f"matched {rule}",
            "status": "applied",
        }
        for needle, rule, category in removed
    ]
    flg = [
        {
            "start": where(needle)[0],
            "end": where(needle)[1],
            "text": needle,
            "score": score,
            "reason": reason,
            "model": "offtopic-lr-1",
            "status": "pending",
        }
        for needle, score, reason in flagged
    ]
    return {"removed": rem, "flagged": flg}


def _sidecar(doc_id: str, title: str, text: str, **spans: Any) -> dict[str, Any]:
    return {
        "id": doc_id,
        "source": f"raw/{doc_id}.html",
        "sha256": "0" * 64,
        "lang": "en",
        "metadata": {
            "title": title,
            "author": None,
            "date": "2024-05-01",
            "url": f"https://example.org/{doc_id}",
        },
        "text_before": text,
        **_entries(text, spans.get("removed", []), spans.get("flagged", [])),
        "versions": {"cleaner": "0.1.0", "rules": "test", "model": "offtopic-lr-1"},
        "guard": None,
        "warnings": [],
    }


def _index_row(sidecar: dict[str, Any]) -> dict[str, Any]:
    text = sidecar["text_before"]
    return {
        "id": sidecar["id"],
        "source": sidecar["source"],
        "sha256": sidecar["sha256"],
        "lang": "en",
        "chars_in": len(text),
        "chars_out": len(render(text, spans_from_sidecar(sidecar))),
        "removed": len(sidecar["removed"]),
        "flagged": len(sidecar["flagged"]),
        "status": "ok",
        "error": None,
    }


def build_clean_dir(root: Path) -> list[dict[str, Any]]:
    """Write the fixture clean directory under ``root``; return its sidecars."""
    election = _sidecar(
        "news/election",
        "County election: polls close at eight",
        ELECTION,
        removed=[("Advertisement", "ads.advertisement-line", "ads")],
        flagged=[
            ("Sign up for our newsletter to get the best deals on garden furniture.", 0.91, "promo words"),
            ("Our horoscope for Sunday: Leo will meet an old friend.", 0.77, "horoscope"),
        ],
    )
    hostile = _sidecar(
        "hostile",
        f"Markup {SCRIPT_PAYLOAD} in a title",
        HOSTILE,
        removed=[(f"Share this: {SCRIPT_PAYLOAD} on social media", "social.share-this", "social")],
        flagged=[(f"Win a free cruise today {IMG_PAYLOAD} click here now", 0.95, f"spam {IMG_PAYLOAD}")],
    )
    bridge = _sidecar(
        "bridge",
        "Bridge reopens",
        BRIDGE,
        flagged=[("Read more: ten bridges you must see", 0.66, "related links")],
    )
    market = _sidecar("market", "Markets", MARKET)
    for sidecar in (election, hostile):
        path = root / f"{sidecar['id']}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(sidecar), encoding="utf-8")
        path.with_suffix(".txt").write_text(render(sidecar["text_before"], spans_from_sidecar(sidecar)))
    with (root / "batch.jsonl").open("w", encoding="utf-8") as handle:
        for sidecar in (bridge, market):
            record = {**sidecar, "text": render(sidecar["text_before"], spans_from_sidecar(sidecar))}
            handle.write(json.dumps(record) + "\n")
    (root / "_stats.json").write_text(json.dumps({"id": "stats", "text_before": "not a document"}))
    sidecars = [election, hostile, bridge, market]
    rows = [_index_row(sidecar) for sidecar in sidecars]
    rows.append(
        {
            "id": "broken",
            "source": "raw/broken.html",
            "status": "error",
            "error": f"ParserError: unexpected {IMG_PAYLOAD}",
        }
    )
    (root / "index.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    return sidecars


def make_documents(root: Path, count: int, paragraphs: int = 4) -> None:
    """Write ``count`` plain sidecars ("Story 000"...) to ``root``, each with one cut and one flag."""
    root.mkdir(parents=True, exist_ok=True)
    rows = []
    for number in range(count):
        body = "\n\n".join(f"Paragraph {p} of story {number} says something new." for p in range(paragraphs))
        text = f"{body}\n\nAdvertisement\n\nRead more: other stories {number}\n"
        sidecar = _sidecar(
            f"doc-{number:05d}",
            f"Story {number:03d}",
            text,
            removed=[("Advertisement", "ads.advertisement-line", "ads")],
            flagged=[(f"Read more: other stories {number}", 0.8, "related links")],
        )
        (root / f"{sidecar['id']}.json").write_text(json.dumps(sidecar), encoding="utf-8")
        rows.append(_index_row(sidecar))
    (root / "index.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
