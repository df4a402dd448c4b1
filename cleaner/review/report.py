"""A self-contained HTML report of a clean directory: what was cut, what was flagged, and why.

One file, no network and no external assets: the CSS and JS are inlined, the
documents are embedded as JSON in a ``<script type="application/json">`` block
and rendered a page at a time through ``textContent``, so text from a scrape
can never become markup. A Content-Security-Policy allows only the report's
own script and style (by hash) as a second line of defence.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Any

from cleaner.model import Span
from cleaner.review.decisions import Decisions
from cleaner.review.sidecars import Sidecar, flagged_span, iter_sidecars, read_index, removed_span

REPORT_NAME = "report.html"
_PLACEHOLDER = re.compile(r"\{(csp|css|directory|summary|js|data)\}")

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cleaner report</title>
<style>{css}</style>
</head>
<body>
<header>
<h1>cleaner report: {directory}</h1>
{summary}
</header>
<main>
<div class="controls">
<input type="search" id="search" placeholder="Search id, title, text" aria-label="Search">
<label>Category <select id="category"><option value="">all</option></select></label>
<label><input type="checkbox" id="flagged-only"> flagged only</label>
<span class="pager"><button class="prev">&larr; prev</button><span class="page-label"></span>\
<button class="next">next &rarr;</button></span>
<div class="legend" id="legend"></div>
</div>
<noscript><p>The document list needs JavaScript; the summary above does not.</p></noscript>
<div id="docs"></div>
<div class="pager"><button class="prev">&larr; prev</button><span class="page-label"></span>\
<button class="next">next &rarr;</button></div>
<div id="detail" hidden></div>
</main>
<script type="application/json" id="report-data">{data}</script>
<script>{js}</script>
</body>
</html>
"""


def json_for_script(value: object) -> str:
    """JSON that is safe inside a ``<script>`` element: ``<``, ``>`` and ``&`` become ``\\u`` escapes.

    With no ``<`` left, no ``</script>`` or ``<!--`` in the data can end or
    confuse the element; ``JSON.parse`` reads the escapes back as the same characters.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _asset(name: str) -> str:
    return resources.files("cleaner.review").joinpath(name).read_text(encoding="utf-8")


def _csp_hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _status(span: Span) -> str:
    if span.action == "flagged":
        return span.status
    if span.applied:
        return "applied"
    return "kept" if span.status == "kept" else "guarded"


def _document(sidecar: Sidecar, decisions: Decisions | None) -> dict[str, Any]:
    text: str = sidecar["text_before"]
    spans = [removed_span(entry) for entry in sidecar.get("removed", [])]
    spans += [flagged_span(entry) for entry in sidecar.get("flagged", [])]
    if decisions is not None:
        spans = decisions.apply(sidecar["id"], text, spans)
    metadata = sidecar.get("metadata") or {}
    return {
        "id": sidecar["id"],
        "title": str(metadata.get("title") or ""),
        "url": str(metadata.get("url") or ""),
        "lang": str(sidecar.get("lang") or ""),
        "guard": str(sidecar.get("guard") or ""),
        "warnings": [str(warning) for warning in sidecar.get("warnings") or []],
        "text": text,
        "spans": [
            [s.start, s.end, s.action, s.reason, s.category, s.score, _status(s), s.detail]
            for s in sorted(spans, key=lambda s: (s.start, s.end))
        ],
    }


def _table(caption: str, header: list[str], rows: list[list[object]]) -> str:
    def cell(value: object) -> str:
        kind = ' class="num"' if isinstance(value, (int, float)) else ""
        return f"<td{kind}>{html.escape(str(value))}</td>"

    head = "".join(f"<th>{html.escape(name)}</th>" for name in header)
    body = "".join("<tr>" + "".join(cell(value) for value in row) + "</tr>" for row in rows)
    return f"<div><h2>{html.escape(caption)}</h2><table><tr>{head}</tr>{body}</table></div>"


def _summary(docs: list[dict[str, Any]], index: list[dict[str, Any]]) -> str:
    errors = [row for row in index if row.get("error") or row.get("status") == "error"]
    chars_in = sum(int(row.get("chars_in") or 0) for row in index)
    chars_out = sum(int(row.get("chars_out") or 0) for row in index)
    overview: list[list[object]] = [
        ["documents", max(len(index), len(docs))],
        ["with a sidecar", len(docs)],
        ["errors", len(errors)],
    ]
    if index:
        overview += [["characters in", chars_in], ["characters out", chars_out]]
    removed: Counter[tuple[str, str]] = Counter()
    removed_chars: Counter[str] = Counter()
    flagged: Counter[str] = Counter()
    for doc in docs:
        for start, end, action, _, category, _, status, _ in doc["spans"]:
            if action == "removed":
                removed[(category, status)] += 1
                removed_chars[category] += (end - start) if status == "applied" else 0
            else:
                flagged[status] += 1
    categories = sorted({category for category, _ in removed})
    by_category: list[list[object]] = [
        [
            category,
            removed[(category, "applied")],
            removed_chars[category],
            removed[(category, "guarded")],
            removed[(category, "kept")],
        ]
        for category in categories
    ]
    flags: list[list[object]] = [[status, flagged[status]] for status in ("pending", "kept", "dropped")]
    parts = [
        _table("Overview", ["", "count"], overview),
        _table("Removed by category", ["category", "cut", "chars cut", "guarded", "overruled"], by_category),
        _table("Flagged", ["status", "count"], flags),
    ]
    if errors:
        rows: list[list[object]] = [
            [str(row.get("id", "")), str(row.get("source", "")), str(row.get("error") or "")]
            for row in errors
        ]
        parts.append(_table("Errors", ["document", "source", "error"], rows))
    return '<section class="summary">' + "".join(parts) + "</section>"


def write_report(clean_dir: Path, decisions: Decisions | None = None) -> Path:
    """Write ``clean_dir/report.html`` from the sidecars and ``index.jsonl``; return its path.

    With ``decisions``, reviewers' verdicts not yet applied by a run show in
    the spans' statuses.
    """
    docs = [_document(sidecar, decisions) for sidecar in iter_sidecars(clean_dir)]
    categories = sorted({span[4] for doc in docs for span in doc["spans"] if span[2] == "removed"})
    css, js = _asset("report.css"), _asset("report.js")
    csp = (
        f"default-src 'none'; script-src {_csp_hash(js)}; style-src {_csp_hash(css)}; "
        "img-src 'none'; base-uri 'none'; form-action 'none'"
    )
    parts = {
        "csp": csp,
        "css": css,
        "directory": html.escape(clean_dir.name or str(clean_dir)),
        "summary": _summary(docs, read_index(clean_dir)),
        "js": js,
        "data": json_for_script({"categories": categories, "docs": docs}),
    }
    # One pass, so a placeholder-like string inside the data is never expanded.
    page = _PLACEHOLDER.sub(lambda match: parts[match.group(1)], _PAGE)
    path = clean_dir / REPORT_NAME
    path.write_text(page, encoding="utf-8")
    return path
