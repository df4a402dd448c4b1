"""The terminal reviewer, driven key by key with textual's test pilot."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from review_fixture import build_clean_dir
from textual.widgets import Static

from cleaner.model import render
from cleaner.review.decisions import Decisions
from cleaner.review.queue import load_queue
from cleaner.review.tui import ReviewApp
from cleaner.write import spans_from_sidecar


def _shown(app: ReviewApp, name: str) -> str:
    return str(app.query_one(f"#{name}", Static).content)


def test_reviewer_records_keys_and_the_next_run_applies_them(tmp_path: Path) -> None:
    sidecars = build_clean_dir(tmp_path / "clean")
    decisions_path = tmp_path / "reviews" / "decisions.jsonl"
    items = load_queue(tmp_path / "clean", Decisions.load(decisions_path))
    assert [item.document for item in items] == ["bridge", "hostile", "news/election", "news/election"]
    seen: list[tuple[str, str, str]] = []

    async def session() -> None:
        app = ReviewApp(items, decisions_path)
        async with app.run_test(size=(100, 30)) as pilot:
            seen.append((_shown(app, "progress"), _shown(app, "passage"), _shown(app, "meta")))
            await pilot.press("k")  # bridge: keep
            seen.append((_shown(app, "progress"), _shown(app, "passage"), _shown(app, "meta")))
            await pilot.press("d")  # hostile: drop ...
            await pilot.press("u")  # ... undone
            seen.append((_shown(app, "progress"), _shown(app, "passage"), ""))
            await pilot.press("s", "k", "d")  # hostile skipped, newsletter kept, horoscope dropped
            seen.append((_shown(app, "progress"), _shown(app, "passage"), _shown(app, "meta")))
            await pilot.press("q")
        assert app.return_code == 0

    asyncio.run(session())
    assert seen[0][0] == "1 of 4" and seen[0][1] == items[0].text
    assert "Bridge reopens" in seen[0][2] and "0.660" in seen[0][2] and "related links" in seen[0][2]
    assert seen[1][:2] == ("2 of 4", items[1].text)
    assert seen[2][:2] == ("2 of 4", items[1].text)  # undo came back to the hostile passage
    assert seen[3][0] == "Done: 4 of 4" and seen[3][2].startswith("2 kept, 1 dropped, 1 skipped")

    lines = [json.loads(line) for line in decisions_path.read_text().splitlines()]
    assert [(line["document"], line["decision"]) for line in lines] == [
        ("bridge", "keep"),
        ("hostile", "drop"),
        ("hostile", "undo"),
        ("news/election", "keep"),
        ("news/election", "drop"),
    ]

    # What the next `cleaner run` does with the sidecar spans: kept passages return, dropped stay out.
    decisions = Decisions.load(decisions_path)
    clean = {
        s["id"]: render(s["text_before"], decisions.apply(s["id"], s["text_before"], spans_from_sidecar(s)))
        for s in sidecars
    }
    assert items[0].text in clean["bridge"]
    assert items[1].text not in clean["hostile"]  # undone, so still pending and withheld
    assert items[2].text in clean["news/election"]
    assert items[3].text not in clean["news/election"]
    assert [item.document for item in load_queue(tmp_path / "clean", decisions)] == ["hostile"]


def test_quitting_half_way_keeps_the_decisions_made(tmp_path: Path) -> None:
    build_clean_dir(tmp_path / "clean")
    decisions_path = tmp_path / "decisions.jsonl"
    items = load_queue(tmp_path / "clean", Decisions())

    async def session() -> None:
        app = ReviewApp(items, decisions_path)
        async with app.run_test() as pilot:
            await pilot.press("d", "q")

    asyncio.run(session())
    (line,) = decisions_path.read_text().splitlines()
    assert json.loads(line)["text"] == items[0].text
    assert len(load_queue(tmp_path / "clean", Decisions.load(decisions_path))) == 3
