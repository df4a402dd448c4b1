"""``cleaner bench`` on a tiny corpus of its own: every figure is there, and missing data is said."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from click.testing import CliRunner

from cleaner.bench import load_pages, memory_run
from cleaner.cli import main

PAGE = (
    "<html><head><title>Bridge {n} opens</title></head><body><article><h1>Bridge {n} opens</h1>"
    "<p>The new bridge over the river opened to traffic on Monday after two years of work, the city said."
    "</p><p>ADVERTISEMENT</p><p>Drivers crossed it from early morning and the mayor said that the work"
    " had cost less than was planned.</p></article></body></html>"
)


def dev_pages(folder: Path, count: int) -> Path:
    root = folder / "extraction-dev"
    (root / "html").mkdir(parents=True)
    (root / "raw-recall").mkdir()
    truth = {}
    for n in range(count):
        key = f"page{n:02d}"
        (root / "html" / f"{key}.html.gz").write_bytes(gzip.compress(PAGE.format(n=n).encode(), mtime=0))
        (root / "raw-recall" / f"{key}.txt").write_text(f"Bridge {n} opens\n\nThe new bridge opened.\n")
        truth[key] = {"articleBody": "The new bridge opened.", "url": f"https://example.com/{key}"}
    (root / "ground-truth.json").write_text(json.dumps(truth))
    return folder


def test_bench_reports_speeds_ratios_scaling_and_stores_them(tmp_path: Path) -> None:
    data = dev_pages(tmp_path / "data", 3)
    results = tmp_path / "bench" / "results.json"
    args = ["bench", "--data", str(data), "--text-docs", "12", "--html-docs", "4", "--memory-docs", "0"]
    outcome = CliRunner().invoke(main, [*args, "--results", str(results)])
    assert outcome.exit_code == 0, outcome.output
    assert "docs/s/core" in outcome.output and "scaling (text)" in outcome.output
    found = json.loads(results.read_text())
    assert found["text"]["docs"] == found["text_all_sizes"]["docs"] == 12 and found["html"]["docs"] == 4
    assert found["start_up"]["cpu_s"] > 0 and "start-up" in outcome.output
    for kind in ("text (seed-sized)", "text (all)", "html"):
        stages = found["stages_ms_per_doc"][kind]
        assert stages["clean"] > 0 and "apply_rules" in stages and "detect_language" in stages
        assert abs(sum(ms for name, ms in stages.items() if name != "clean") - stages["clean"]) < 0.01
    assert "prepare" in found["stages_ms_per_doc"]["html"]  # HTML extraction happens there
    assert found["peers_html"]["trafilatura.extract"]["docs"] == 4
    assert found["scaling"]["workers_2"]["docs"] == 12 and found["scaling"]["speedup_wall"] > 0
    assert set(found["met"]) == {"text_docs_per_cpu_s", "html_vs_trafilatura", "speedup_2_workers"}


def test_bench_says_so_when_the_dev_pages_are_missing(tmp_path: Path) -> None:
    outcome = CliRunner().invoke(
        main, ["bench", "--data", str(tmp_path), "--results", str(tmp_path / "r.json")]
    )
    assert outcome.exit_code == 0 and "bench skipped: no dev benchmark pages" in outcome.output
    assert not (tmp_path / "r.json").exists()


def test_the_memory_run_sums_the_memory_of_the_runs_processes(tmp_path: Path) -> None:
    pages = load_pages(dev_pages(tmp_path / "data", 3))
    found = memory_run(pages, 30, 2, tmp_path)
    assert found["exit_code"] == 0 and found["docs"] == 30 and found["workers"] == 2
    # A run loads Python, numpy, the rules and the models: tens of MB, whichever way counted.
    assert 50 < found["peak_total_pss_mb"] <= found["peak_total_rss_mb"]
    assert found["largest_process_rss_mb"] > 50
    assert (tmp_path / "memory-out" / "index.jsonl").read_text().count("\n") == 30
