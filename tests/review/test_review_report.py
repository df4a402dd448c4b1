"""The HTML report: escaping, self-containment, and a real headless Chromium rendering it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from headless import CHROMIUM, Browser
from review_fixture import IMG_PAYLOAD, SCRIPT_PAYLOAD, build_clean_dir, make_documents

from cleaner.review.decisions import Decisions, record
from cleaner.review.queue import load_queue
from cleaner.review.report import json_for_script, write_report

DATA_BLOCK = re.compile(r'<script type="application/json" id="report-data">(.*?)</script>', re.S)


def test_json_for_script_cannot_end_the_script_element() -> None:
    value = {"text": "</script><script>alert(1)</script><!-- & -->", "other": "a<b>c"}
    encoded = json_for_script(value)
    assert "<" not in encoded and ">" not in encoded and "&" not in encoded
    assert json.loads(encoded) == value


def test_report_is_self_contained_and_escapes_everything(clean_dir: Path) -> None:
    page = write_report(clean_dir).read_text(encoding="utf-8")
    (data,) = DATA_BLOCK.findall(page)
    report = json.loads(data)
    assert [doc["id"] for doc in report["docs"]] == ["bridge", "market", "hostile", "news/election"]
    assert report["categories"] == ["ads", "social"]
    hostile = report["docs"][2]
    assert hostile["title"] == f"Markup {SCRIPT_PAYLOAD} in a title"
    assert [span[2:4] for span in hostile["spans"]] == [
        ["removed", "social.share-this"],
        ["flagged", "offtopic-lr-1"],
    ]
    # Only the report's own two scripts; the payloads exist only in escaped form.
    assert page.count("<script") == 2
    assert SCRIPT_PAYLOAD not in page and IMG_PAYLOAD not in page and "<img" not in page
    assert "ParserError: unexpected &lt;img src=x onerror=" in page  # the index error, in the summary
    outside_data = DATA_BLOCK.sub("", page)
    assert not re.search(r"<[^>]*\s(src|href)\s*=|https?://|@import|url\(", outside_data)
    assert "default-src 'none'" in page


def test_report_shows_verdicts_not_yet_applied(clean_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "decisions.jsonl"
    item = load_queue(clean_dir, Decisions())[0]
    record(path, item.document, item.span, item.text, "keep")
    page = write_report(clean_dir, Decisions.load(path)).read_text(encoding="utf-8")
    bridge = json.loads(DATA_BLOCK.findall(page)[0])["docs"][0]
    assert bridge["spans"][0][6] == "kept"
    assert '<td>pending</td><td class="num">3</td>' in page and '<td>kept</td><td class="num">1</td>' in page


# Report state seen from inside the page: anything a payload could have changed, and what is shown.
STATE = """(() => {
  const shown = (e) => e.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})
    && e.getBoundingClientRect().width > 0;
  const spans = (selector) =>
    [...document.querySelectorAll(selector)].filter(shown).map((e) => e.textContent);
  return {
    title: document.title,
    pwned: typeof window.__pwned,
    dataPwned: document.body.hasAttribute("data-pwned"),
    images: document.images.length,
    scripts: document.scripts.length,
    headings: [...document.querySelectorAll("article h3")].filter(shown).map((e) => e.textContent),
    flags: spans(".span.flag"),
    cuts: spans(".span.cut"),
    flagColour: getComputedStyle(document.querySelector(".span.flag") || document.body).backgroundColor,
    pageLabel: document.querySelector(".page-label").textContent,
    hash: location.hash,
  };
})()"""
SETTLE = "new Promise((done) => setTimeout(done, 300))"
HOSTILE_TITLE = f"Markup {SCRIPT_PAYLOAD} in a title"


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)")
def test_report_in_headless_chromium(tmp_path: Path) -> None:
    sidecars = build_clean_dir(tmp_path / "clean")
    url = write_report(tmp_path / "clean").as_uri()
    make_documents(tmp_path / "many", 60)
    many_url = write_report(tmp_path / "many").as_uri()
    with Browser(width=1280, height=1400) as browser:
        browser.open(url)
        screenshot = browser.screenshot(tmp_path / "report.png")
        print(f"report screenshot: {screenshot}")
        state = browser.evaluate(STATE)
        # No script from the data ran: nothing it would set is set, and no element came from the data.
        assert (state["title"], state["pwned"], state["dataPwned"]) == ("cleaner report", "undefined", False)
        assert (state["images"], state["scripts"]) == (0, 2)
        # Every flagged passage is visible and highlighted, the payloads shown as text.
        assert sorted(state["flags"]) == sorted(e["text"] for s in sidecars for e in s["flagged"])
        assert f"Win a free cruise today {IMG_PAYLOAD} click here now" in state["flags"]
        assert state["flagColour"] == "rgb(255, 224, 102)"
        assert sorted(state["cuts"]) == ["Advertisement", f"Share this: {SCRIPT_PAYLOAD} on social media"]
        assert state["headings"] == [
            "Bridge reopens",
            "Markets",
            HOSTILE_TITLE,
            "County election: polls close at eight",
        ]

        # Clicking a flagged passage shows its model and score; hovering shows the same as a tooltip.
        detail = browser.evaluate(
            """(() => { const flag = [...document.querySelectorAll(".span.flag")].find(
                  (e) => e.textContent.startsWith("Win a free cruise"));
               flag.click();
               const box = document.getElementById("detail");
               return [box.hidden, box.textContent, flag.title]; })()"""
        )
        assert detail[0] is False and detail[1] == detail[2]
        assert "flagged by offtopic-lr-1" in detail[1] and "score: 0.950" in detail[1]
        assert f"spam {IMG_PAYLOAD}" in detail[1]

        # The filters, as a user sets them, and the URL hash that keeps the view.
        browser.evaluate('document.getElementById("flagged-only").click()')
        state = browser.evaluate(STATE)
        assert state["headings"] == ["Bridge reopens", HOSTILE_TITLE, "County election: polls close at eight"]
        assert state["hash"] == "#flagged=1"
        browser.evaluate(
            """(() => { const s = document.getElementById("category"); s.value = "social";
               s.dispatchEvent(new Event("change")); })()"""
        )
        assert browser.evaluate(STATE)["headings"] == [HOSTILE_TITLE]
        browser.open(url)
        browser.evaluate(
            """(() => { const q = document.getElementById("search"); q.value = "BRIDGE";
               q.dispatchEvent(new Event("input")); })()"""
        )
        browser.evaluate(SETTLE)  # the search waits for typing to pause
        state = browser.evaluate(STATE)
        assert (state["headings"], state["hash"]) == (["Bridge reopens"], "#q=bridge")
        browser.open(url + "#category=ads")
        assert browser.evaluate(STATE)["headings"] == ["County election: polls close at eight"]
        browser.evaluate('location.hash = "#flagged=1&q=cruise"')
        browser.evaluate(SETTLE)
        assert browser.evaluate(STATE)["headings"] == [HOSTILE_TITLE]

        # Pages of 25 documents: only the current page is in the DOM.
        browser.open(many_url)
        state = browser.evaluate(STATE)
        assert state["pageLabel"] == "documents 1-25 of 60 (page 1 of 3)" and len(state["headings"]) == 25
        browser.evaluate('document.querySelector(".next").click()')
        state = browser.evaluate(STATE)
        assert (
            state["pageLabel"] == "documents 26-50 of 60 (page 2 of 3)"
            and state["headings"][0] == "Story 025"
        )
        assert browser.evaluate('document.querySelectorAll("article").length') == 25
