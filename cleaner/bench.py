"""``cleaner bench``: the cleaner's speed on text and HTML, peers on the same HTML, scaling, memory.

The corpus is synthesised from the dev benchmark pages in ``../shared/data/
extraction-dev`` (their HTML and their recall-oriented raw text), repeated with
varied ids into JSONL files, and cleaned with the real runner. Speeds are given
per CPU second of the process that does the work (documents per second per
core, fair on a busy machine) and per wall-clock second; the one-off start-up
(loading rules and models) is timed on its own and not counted in them. The
text target is for seed-sized articles, so the text speed is measured on the
pages whose raw text is seed-sized, and, for reference, on all of them (a few
pages are hundreds of KB). Where a document's time goes is the CPU time of
each function ``Cleaner.clean`` calls. Scaling is wall-clock time with 1 and 2
workers. Peak memory is that of a ``cleaner run`` over a generated
100,000-document JSONL file with 2 workers: the sum over the run's processes of
their proportional set sizes (shared pages split between the processes sharing
them), sampled twice a second, against the target; the sum of their resident
sets (shared pages counted in each) and the largest process's peak resident set
are given beside it.
"""

from __future__ import annotations

import functools
import gzip
import inspect
import json
import logging
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cleaner.pipeline import Cleaner, Settings
from cleaner.runner import run

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
TARGETS = {
    "text_docs_per_cpu_s": 300.0,  # at least, one core
    "html_vs_trafilatura": 1.3,  # at most: our HTML time / trafilatura.extract time
    "speedup_2_workers": 1.8,  # at least
    "memory_mb": 500.0,  # at most, for the 100,000-document run
}


HTML_CHUNK = 100
# The seed articles (../shared/seeds) are 2.3 to 3.2 KB of text; seed-sized is within a factor of 2.
SEED_CHARS = 3000


class DataMissing(RuntimeError):
    """The dev benchmark pages are not where the bench looks for them."""


@dataclass
class Pages:
    """The dev benchmark pages: HTML, the raw text a recall-oriented scrape keeps, urls."""

    keys: list[str]
    html: list[str]
    text: list[str]
    urls: list[str]


def load_pages(data: Path) -> Pages:
    """The extraction-dev pages under ``data``, or :class:`DataMissing`."""
    folder = data / "extraction-dev"
    if not (folder / "html").is_dir() or not (folder / "raw-recall").is_dir():
        raise DataMissing(f"no dev benchmark pages in {folder} (html/ and raw-recall/)")
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    keys = sorted(path.name.removesuffix(".html.gz") for path in (folder / "html").glob("*.html.gz"))
    keys = [key for key in keys if (folder / "raw-recall" / f"{key}.txt").exists()]
    return Pages(
        keys=keys,
        html=[
            gzip.decompress((folder / "html" / f"{key}.html.gz").read_bytes()).decode("utf-8", "replace")
            for key in keys
        ],
        text=[(folder / "raw-recall" / f"{key}.txt").read_text(encoding="utf-8") for key in keys],
        urls=[truth.get(key, {}).get("url") or f"https://example.com/{key}" for key in keys],
    )


def seed_sized(pages: Pages) -> Pages:
    """The pages whose raw text is seed-sized (half to twice :data:`SEED_CHARS`), or all when none is."""
    chosen = [n for n, text in enumerate(pages.text) if SEED_CHARS / 2 <= len(text) <= SEED_CHARS * 2]
    chosen = chosen or list(range(len(pages.keys)))
    return Pages(*([getattr(pages, name)[n] for n in chosen] for name in ("keys", "html", "text", "urls")))


def write_corpus(path: Path, pages: Pages, numbers: range, html: bool) -> None:
    """JSONL records ``numbers`` of a corpus cycling through the pages, each with its own id."""
    with path.open("w", encoding="utf-8") as handle:
        for number in numbers:
            page = number % len(pages.keys)
            record: dict[str, str] = {"id": f"doc{number:06d}-{pages.keys[page][:12]}"}
            if html:
                record |= {"html": pages.html[page], "url": pages.urls[page]}
            else:
                record |= {"text": pages.text[page]}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


@dataclass
class Timing:
    """Wall-clock and CPU seconds of some work on ``docs`` documents."""

    docs: int = 0
    wall: float = 0.0
    cpu: float = 0.0

    def __add__(self, other: Timing) -> Timing:
        return Timing(self.docs + other.docs, self.wall + other.wall, self.cpu + other.cpu)

    def as_dict(self) -> dict[str, float]:
        return {
            "docs": self.docs,
            "wall_s": round(self.wall, 3),
            "cpu_s": round(self.cpu, 3),
            "docs_per_cpu_s": round(self.docs / self.cpu, 1) if self.cpu else 0.0,
            "docs_per_wall_s": round(self.docs / self.wall, 1) if self.wall else 0.0,
        }


def _cpu_with_children() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def time_run(corpus: Path, out: Path, workers: int, cleaner: Cleaner) -> Timing:
    """Clean ``corpus`` into ``out`` with the real runner and a loaded cleaner; CPU time of this
    process and its workers (forked, they inherit the cleaner)."""
    wall, cpu = time.perf_counter(), _cpu_with_children()
    summary = run([corpus], out, cleaner.settings, workers=workers, force=True, cleaner=cleaner)
    return Timing(summary.documents, time.perf_counter() - wall, _cpu_with_children() - cpu)


def time_start_up() -> tuple[Cleaner, Timing]:
    """A loaded cleaner, and the time it took to load its rules and models (what a worker does once)."""
    from cleaner.ingest import RawRecord

    wall, cpu = time.perf_counter(), time.process_time()
    cleaner = Cleaner(Settings())
    cleaner.load_models()
    for is_html in (False, True):  # fills the first caches
        cleaner.clean(RawRecord("warm-up", "bench", "<p>Warm-up text.</p>", is_html, "", {}))
    return cleaner, Timing(0, time.perf_counter() - wall, time.process_time() - cpu)


def time_function(function: Callable[[str], object], pages: list[str]) -> tuple[Timing, int]:
    """Run ``function`` on every page; its timing and how many pages it failed on."""
    failures = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for page in pages:
        try:
            function(page)
        except Exception:  # a peer that breaks on a page is counted, not fatal
            failures += 1
    return Timing(len(pages), time.perf_counter() - wall, time.process_time() - cpu), failures


def peers() -> dict[str, Callable[[str], object]]:
    """The peer extractors that are installed (the [bench] extra), by name."""
    import trafilatura

    found: dict[str, Callable[[str], object]] = {
        "trafilatura.extract": lambda html: trafilatura.extract(html),
        "trafilatura.extract(favor_recall)": lambda html: trafilatura.extract(
            html, favor_recall=True, include_comments=True, include_tables=True
        ),
    }
    try:
        import justext

        stoplist = justext.get_stoplist("English")
        found["jusText"] = lambda html: [
            p.text for p in justext.justext(html, stoplist) if not p.is_boilerplate
        ]
    except ImportError:
        pass
    try:
        from boilerpy3 import extractors

        extractor = extractors.ArticleExtractor(raise_on_failure=False)
        found["boilerpy3"] = extractor.get_content
    except ImportError:
        pass
    return found


# Runs a command and prints the peak resident set of it and its workers (KiB), from a small
# process: a child's peak counts the memory of the process it was started from.
_PEAK_WRAPPER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)\n"
)


def stage_times(cleaner: Cleaner, pages: Pages, html: bool, passes: int = 3) -> dict[str, float]:
    """CPU milliseconds per document in each function ``Cleaner.clean`` calls, the best of ``passes``.

    Every function of the package that ``cleaner.pipeline`` calls by name is timed
    while the pages are cleaned (a call inside another timed one counts for the
    outer one only), whatever stages the pipeline has; ``other`` is the rest of
    ``clean``, and ``clean`` the whole.
    """
    from cleaner import pipeline
    from cleaner.ingest import RawRecord

    records = [
        RawRecord(key, "bench", page if html else text, html, "", {"url": url})
        for key, page, text, url in zip(pages.keys, pages.html, pages.text, pages.urls, strict=True)
    ]
    timed = {
        name: value
        for name, value in vars(pipeline).items()
        if inspect.isfunction(value) and value.__module__.startswith("cleaner.")
    }
    spent: dict[str, float] = {}
    depth = [0]

    def timer(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def timed_call(*args: Any, **kwargs: Any) -> Any:
            depth[0] += 1
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                depth[0] -= 1
                if not depth[0]:
                    spent[name] = spent.get(name, 0.0) + time.process_time() - started

        return timed_call

    best: dict[str, float] = {}
    try:
        for name, function in timed.items():
            setattr(pipeline, name, timer(name, function))
        for _ in range(passes):
            spent.clear()
            started = time.process_time()
            for record in records:
                cleaner.clean(record)
            total = time.process_time() - started
            if not best or total * 1000 / len(records) < best["clean"]:
                best = {name: seconds * 1000 / len(records) for name, seconds in spent.items()}
                best["other"] = total * 1000 / len(records) - sum(best.values())
                best["clean"] = total * 1000 / len(records)
    finally:
        for name, function in timed.items():
            setattr(pipeline, name, function)
    return {name: round(ms, 3) for name, ms in sorted(best.items(), key=lambda item: -item[1])}


MEMORY_SAMPLE_SECONDS = 0.5


def memory_run(pages: Pages, count: int, workers: int, folder: Path) -> dict[str, Any]:
    """Peak memory of a ``cleaner run`` over a ``count``-document JSONL made on the fly: of all
    its processes together (sampled) and of the largest one."""
    import psutil  # the [bench] extra

    corpus = folder / "memory.jsonl"
    write_corpus(corpus, pages, range(count), html=False)
    command = [sys.executable, "-m", "cleaner", "run", str(corpus), "--out", str(folder / "memory-out")]
    started = time.perf_counter()
    wrapper = subprocess.Popen(
        [sys.executable, "-c", _PEAK_WRAPPER, *command, "--workers", str(workers)],
        stdout=subprocess.PIPE,
        text=True,
    )
    watched = psutil.Process(wrapper.pid)
    peak_rss = peak_pss = 0
    while wrapper.poll() is None:
        rss, pss = _tree_memory(watched)
        peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
        time.sleep(MEMORY_SAMPLE_SECONDS)
    output, _ = wrapper.communicate()
    largest_kib, code = output.split()
    return {
        "docs": count,
        "workers": workers,
        "input_mb": round(corpus.stat().st_size / 1e6, 1),
        "wall_s": round(time.perf_counter() - started, 1),
        "peak_total_pss_mb": round(peak_pss / 2**20, 1),
        "peak_total_rss_mb": round(peak_rss / 2**20, 1),
        "largest_process_rss_mb": round(int(largest_kib) / 1024, 1),  # Linux: KiB
        "exit_code": int(code),
    }


def _tree_memory(process: Any) -> tuple[int, int]:
    """Resident and proportional set sizes in bytes, summed over the descendants of a
    ``psutil.Process`` (the proportional size is the resident one where the system has none)."""
    import psutil

    rss = pss = 0
    for child in process.children(recursive=True):
        try:
            info = child.memory_full_info()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue  # ended between the listing and the reading
        rss += info.rss
        pss += getattr(info, "pss", info.rss)
    return rss, pss


def bench(
    data: Path = DEFAULT_DATA,
    text_docs: int = 3000,
    html_docs: int = 500,
    memory_docs: int = 100_000,
    echo: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Run every measurement and return the results (see the module docstring)."""
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    pages = load_pages(data)
    results: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        },
        "corpus": {"pages": len(pages.keys), "text_docs": text_docs, "html_docs": html_docs},
        "targets": TARGETS,
    }
    with tempfile.TemporaryDirectory(prefix="cleaner-bench-") as temporary:
        folder = Path(temporary)
        echo("start-up: loading rules and models ...")
        cleaner, start_up = time_start_up()
        results["start_up"] = start_up.as_dict()
        echo("warming up (first calls load language profiles and fill caches) ...")
        warm = folder / "warm.jsonl"
        for html_input in (True, False):
            write_corpus(warm, pages, range(len(pages.keys)), html=html_input)
            time_run(warm, folder / "out-warm", 1, cleaner)
        found = peers()
        for function in found.values():
            time_function(function, pages.html[:5])

        sized = seed_sized(pages)
        results["corpus"]["seed_sized_pages"] = len(sized.keys)
        echo("stages: CPU time of each step of a document (seed-sized texts, all texts, HTML) ...")
        results["stages_ms_per_doc"] = {
            "text (seed-sized)": stage_times(cleaner, sized, html=False),
            "text (all)": stage_times(cleaner, pages, html=False),
            "html": stage_times(cleaner, pages, html=True),
        }

        echo(f"text: {text_docs} seed-sized raw-recall texts, then {text_docs} of all sizes, 1 worker ...")
        text_corpus = folder / "text.jsonl"
        write_corpus(text_corpus, sized, range(text_docs), html=False)
        text = time_run(text_corpus, folder / "out-text", 1, cleaner)
        all_corpus = folder / "text-all.jsonl"
        write_corpus(all_corpus, pages, range(text_docs), html=False)
        text_all = time_run(all_corpus, folder / "out-text-all", 1, cleaner)

        # Our run and the peers take turns on chunks of the same pages, so that a change
        # in the machine's load weighs on all of them alike.
        echo(f"html: cleaning {html_docs} pages, 1 worker, and peers {', '.join(found)} on them ...")
        html = Timing()
        timings = {name: Timing() for name in found}
        failures = dict.fromkeys(found, 0)
        chunk = folder / "html.jsonl"
        for start in range(0, html_docs, HTML_CHUNK):
            numbers = range(start, min(start + HTML_CHUNK, html_docs))
            write_corpus(chunk, pages, numbers, html=True)
            html += time_run(chunk, folder / "out-html", 1, cleaner)
            for name, function in found.items():
                timing, failed = time_function(function, [pages.html[n % len(pages.keys)] for n in numbers])
                timings[name] += timing
                failures[name] += failed
        results["text"], results["text_all_sizes"] = text.as_dict(), text_all.as_dict()
        results["html"] = html.as_dict()
        results["peers_html"] = {
            name: {**timing.as_dict(), "failures": failures[name]} for name, timing in timings.items()
        }

        echo("scaling: the text corpus with 1 and 2 workers, in turn, twice ...")
        runs: dict[int, list[Timing]] = {1: [], 2: []}
        for workers in (1, 2, 1, 2):
            runs[workers].append(time_run(text_corpus, folder / f"scaling-{workers}", workers, cleaner))
        one, two = (min(runs[workers], key=lambda t: t.wall) for workers in (1, 2))
        results["scaling"] = {
            "workers_1": one.as_dict(),
            "workers_2": two.as_dict(),
            "speedup_wall": round(one.wall / two.wall, 2),
            "cpu_2_over_1": round(two.cpu / one.cpu, 2),
        }
        own_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
        results["bench_process_peak_rss_mb"] = round(own_peak, 1)
        if memory_docs:
            echo(f"memory: cleaner run over {memory_docs:,} generated documents, 2 workers ...")
            results["memory"] = memory_run(pages, memory_docs, 2, folder)
    results["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    trafilatura_cpu = results["peers_html"]["trafilatura.extract"]["cpu_s"]
    results["ratios"] = {
        "html_vs_trafilatura": round(html.cpu / trafilatura_cpu, 2),
        **{
            f"html_vs_{name}": round(html.cpu / peer["cpu_s"], 2)
            for name, peer in results["peers_html"].items()
            if peer["cpu_s"] and name != "trafilatura.extract"
        },
        "text_vs_html_speed": round((text.docs / text.cpu) / (html.docs / html.cpu), 1),
    }
    results["met"] = {
        "text_docs_per_cpu_s": text.docs / text.cpu >= TARGETS["text_docs_per_cpu_s"],
        "html_vs_trafilatura": results["ratios"]["html_vs_trafilatura"] <= TARGETS["html_vs_trafilatura"],
        "speedup_2_workers": results["scaling"]["speedup_wall"] >= TARGETS["speedup_2_workers"],
    }
    if memory_docs:
        results["met"]["memory_mb"] = results["memory"]["peak_total_pss_mb"] < TARGETS["memory_mb"]
    return results


def report(results: dict[str, Any]) -> str:
    """The results as a few aligned lines."""
    lines = [
        f"machine: {results['machine']['cpus']} cpus, python {results['machine']['python']}, "
        f"load average {results['machine']['load_average']} before, "
        f"{results['machine']['load_average_after']} after",
    ]

    def row(name: str, timing: dict[str, Any], extra: str = "") -> str:
        return (
            f"  {name:36} {timing['docs_per_cpu_s']:8.1f} docs/s/core "
            f"{timing['docs_per_wall_s']:8.1f} docs/s wall  "
            f"({timing['docs']} docs, {timing['cpu_s']:.1f} s cpu){extra}"
        )

    start_up = results["start_up"]
    lines.append(
        f"start-up (rules and models, once per worker, not counted below): {start_up['cpu_s']:.2f} s cpu, "
        f"{start_up['wall_s']:.2f} s wall"
    )
    lines.append("cleaner (1 worker, real runner, JSONL in and out):")
    lines.append(row(f"text, seed-sized ({results['corpus']['seed_sized_pages']} pages)", results["text"]))
    lines.append(row("text, all sizes (raw-recall texts)", results["text_all_sizes"]))
    lines.append(row("html (pages)", results["html"]))
    lines.append("peers on the same HTML (in process):")
    for name, timing in results["peers_html"].items():
        lines.append(row(name, timing, f", {timing['failures']} failures" if timing["failures"] else ""))
    ratios = results["ratios"]
    lines.append(
        "ratios (cpu time of our HTML run / the peer's): " + ", ".join(f"{k} {v}" for k, v in ratios.items())
    )
    scaling = results["scaling"]
    lines.append(
        f"scaling (text): 1 worker {scaling['workers_1']['wall_s']} s, "
        f"2 workers {scaling['workers_2']['wall_s']} s wall: x{scaling['speedup_wall']}; "
        f"cpu of 2 / cpu of 1: {scaling['cpu_2_over_1']}"
    )
    for kind, stages in results["stages_ms_per_doc"].items():
        steps = ", ".join(f"{name} {ms:.3f}" for name, ms in stages.items() if name != "clean")
        lines.append(f"stages, {kind}, cpu ms per document: clean {stages['clean']:.3f} = {steps}")
    lines.append(f"peak memory of this bench process: {results['bench_process_peak_rss_mb']} MB")
    if "memory" in results:
        memory = results["memory"]
        lines.append(
            f"memory: {memory['docs']:,} documents ({memory['input_mb']} MB JSONL), "
            f"{memory['workers']} workers: peak {memory['peak_total_pss_mb']} MB in all (proportional set "
            f"sizes; resident sets {memory['peak_total_rss_mb']} MB, largest process "
            f"{memory['largest_process_rss_mb']} MB), {memory['wall_s']} s, "
            f"exit code {memory['exit_code']}"
        )
    met = results["met"]
    lines.append(
        "targets: "
        + ", ".join(f"{name} {'met' if ok else 'MISSED'} ({TARGETS[name]})" for name, ok in met.items())
    )
    return "\n".join(lines)
