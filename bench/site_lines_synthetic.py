"""Build multi-page sites from the dev benchmark, to measure the site-lines stage where it applies.

The dev benchmark has at most two pages per site, too few to learn from. This script
keeps each site's real repeated furniture and gives it more articles: for every site
with two pages A and B, the lines of A that B has too and that are not part of either
article (per the ground truth) are the site's template, split into what comes before
A's article and what comes after. The site then gets eight pages: A and B as they are,
and six others, each a page of another site (its whole text, own furniture included)
wrapped in this site's template. A page's ground truth is that of the page it holds, so
the template is boilerplate to every page and the benchmark's metric applies unchanged.

    python bench/site_lines_synthetic.py ../shared/data/extraction-dev OUT [--input raw-page]
    cleaner eval OUT --input raw-page [--no-site-lines]

The ground truth only decides what the template is; the cleaner sees the texts alone.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlparse

DONORS = 6  # pages of other sites each two-page site gets, to have eight


def squash(text: str) -> str:
    return " ".join(text.split()).casefold()


def is_article_line(line: str, body: str) -> bool:
    """A line of the page that is part of its article: three words or more, found in the body."""
    return len(line.split()) >= 3 and squash(line) in body


def template(page: str, other: str, bodies: tuple[str, str]) -> tuple[list[str], list[str]]:
    """The lines of ``page`` that ``other`` shares and that neither article holds, before and after."""
    lines = [line for line in page.splitlines() if line.strip()]
    shared = {squash(line) for line in other.splitlines() if line.strip()}
    article = [i for i, line in enumerate(lines) if is_article_line(line, bodies[0])]
    first, last = (article[0], article[-1]) if article else (len(lines), len(lines))
    furniture = [
        (i, line)
        for i, line in enumerate(lines)
        if squash(line) in shared and not any(is_article_line(line, body) for body in bodies)
    ]
    return [line for i, line in furniture if i < first], [line for i, line in furniture if i > last]


def build(source: Path, out: Path, kind: str) -> dict[str, int]:
    """Write the synthetic benchmark (ground-truth.json and ``kind``/) to ``out``; some counts."""
    truth = json.loads((source / "ground-truth.json").read_text(encoding="utf-8"))
    texts = {key: (source / kind / f"{key}.txt").read_text(encoding="utf-8") for key in sorted(truth)}
    by_site: dict[str, list[str]] = defaultdict(list)
    for key in sorted(truth):
        by_site[(urlparse(truth[key]["url"]).hostname or "").removeprefix("www.")].append(key)
    pairs = [(site, keys) for site, keys in sorted(by_site.items()) if site and len(keys) == 2]
    (out / kind).mkdir(parents=True, exist_ok=True)
    cases: dict[str, dict[str, str]] = {}
    template_lines = 0
    for number, (site, (a, b)) in enumerate(pairs):
        bodies = (squash(truth[a]["articleBody"]), squash(truth[b]["articleBody"]))
        before, after = template(texts[a], texts[b], bodies)
        template_lines += len(before) + len(after)
        others = [key for key in sorted(truth) if key not in (a, b)]
        donors = [others[(number * DONORS + i) % len(others)] for i in range(DONORS)]
        pages = {a: texts[a], b: texts[b]}
        pages |= {donor: "\n".join([*before, texts[donor].strip("\n"), *after]) + "\n" for donor in donors}
        for key, text in pages.items():
            name = f"{site}--{key}"
            (out / kind / f"{name}.txt").write_text(text, encoding="utf-8")
            cases[name] = {"articleBody": truth[key]["articleBody"], "url": f"https://{site}/{name}"}
    (out / "ground-truth.json").write_text(json.dumps(cases, ensure_ascii=False, indent=1), encoding="utf-8")
    return {"sites": len(pairs), "pages": len(cases), "template_lines": template_lines}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="a benchmark folder like extraction-dev")
    parser.add_argument("out", type=Path)
    parser.add_argument("--input", choices=["raw-page", "raw-recall"], default="raw-page")
    args = parser.parse_args()
    print(build(args.source, args.out, args.input))


if __name__ == "__main__":
    main()
