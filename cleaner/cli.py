"""The one command line: ``cleaner run|rules|...``. It parses arguments and calls the stages."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any, TypeVar

import click
from click.core import ParameterSource

from cleaner import __version__
from cleaner.benchmarks import INPUTS, BenchmarkError, InputKind, ground_truth
from cleaner.evaluate import evaluate
from cleaner.ingest import DEFAULT_MAX_DOC_BYTES, OutputClash
from cleaner.limits import DEFAULT_DOC_TIMEOUT, MAX_DOC_TIMEOUT, Limits
from cleaner.pipeline import DEFAULT_RULES_DIR, Cleaner, Settings, TextMode
from cleaner.review.commands import decisions_file, report, review
from cleaner.review.decisions import DEFAULT_PATH as DEFAULT_DECISIONS
from cleaner.rules import RuleError, load_rules
from cleaner.runner import Engine, OutputLocked, WorkerDied, run
from cleaner.sitelines import AllowlistError, SiteLineParams, StoreError

EXIT_OK, EXIT_FAILURES = 0, 1  # a usage error exits with 2, as click makes it

_T = TypeVar("_T")

_rules_option = click.option(
    "--rules",
    "rules_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=DEFAULT_RULES_DIR,
    show_default=True,
    help="Folder of rule files.",
)


_SITE_LINES_DEFAULTS = SiteLineParams()
_SITE_LINES_OPTIONS = [
    click.option(
        "--site-lines/--no-site-lines",
        default=True,
        show_default=True,
        help="Learn the lines that repeat across many documents of a site and cut them.",
    ),
    click.option(
        "--site-lines-min-docs",
        type=click.IntRange(min=2),
        default=_SITE_LINES_DEFAULTS.min_docs,
        show_default=True,
        help="A site line is in at least this many of the site's documents ...",
    ),
    click.option(
        "--site-lines-min-share",
        type=click.FloatRange(min=0, max=1, min_open=True),
        default=_SITE_LINES_DEFAULTS.min_share,
        show_default=True,
        help="... and in at least this share of them.",
    ),
    click.option(
        "--site-lines-min-site-docs",
        type=click.IntRange(min=2),
        default=_SITE_LINES_DEFAULTS.min_site_docs,
        show_default=True,
        help="A site with fewer documents learns nothing.",
    ),
    click.option(
        "--site-lines-allow",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        default=None,
        help="Lines never to cut as site lines [the rules folder's site-lines-allow.txt].",
    ),
]


_SITE_LINES_NAMES = (
    "site_lines",
    "site_lines_min_docs",
    "site_lines_min_share",
    "site_lines_min_site_docs",
    "site_lines_allow",
)


def _refuse_unread(what: str, names: Sequence[str]) -> None:
    """A usage error when an option of ``names`` (parameter names) was given on the command
    line although ``what`` (the mode the other options chose) doesn't read it."""
    context = click.get_current_context()
    given = [
        param.opts[0]
        for param in context.command.params
        if param.name in names and context.get_parameter_source(param.name) is ParameterSource.COMMANDLINE
    ]
    if given:
        verb = "does" if len(given) == 1 else "do"
        raise click.UsageError(f"{', '.join(given)} {verb} not apply to {what}")


def _site_lines_options(command: Callable[..., None]) -> Callable[..., None]:
    """Add the site-lines options to a command, which receives them as ``site_lines`` (None: off)."""

    @functools.wraps(command)
    def wrapper(
        *args: Any,
        site_lines: bool,
        site_lines_min_docs: int,
        site_lines_min_share: float,
        site_lines_min_site_docs: int,
        site_lines_allow: Path | None,
        **kwargs: Any,
    ) -> None:
        try:
            params = (
                SiteLineParams(
                    site_lines_min_docs, site_lines_min_share, site_lines_min_site_docs, site_lines_allow
                )
                if site_lines
                else None
            )
        except ValueError as error:
            raise click.UsageError(str(error)) from None
        command(*args, site_lines=params, **kwargs)

    for option in reversed(_SITE_LINES_OPTIONS):
        wrapper = option(wrapper)
    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cleaner")
def main() -> None:
    """Clean scraped news articles, with an audit trail for every cut."""


@main.command("run")
@click.argument("inputs", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("clean"),
    show_default=True,
    help="Output folder.",
)
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Worker processes [all cores].")
@click.option("--force", is_flag=True, help="Clean every file, ignoring the manifest of earlier runs.")
@click.option(
    "--flagged",
    type=click.Choice(["withhold", "keep"]),
    default="withhold",
    show_default=True,
    help="Leave flagged passages out of the clean text, or keep them in it (they stay in the sidecar).",
)
@_rules_option
@click.option(
    "--decisions",
    "decisions_path",
    default=str(DEFAULT_DECISIONS),
    show_default=True,
    callback=decisions_file,
    help="Reviewers' decisions to apply ('' for none).",
)
@click.option(
    "--doc-timeout",
    type=click.FloatRange(min=0, max=MAX_DOC_TIMEOUT),
    default=DEFAULT_DOC_TIMEOUT,
    show_default=True,
    help="Seconds one document may take to clean; past it, it is an error record (0: no limit).",
)
@click.option(
    "--max-doc-bytes",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_DOC_BYTES,
    show_default=True,
    help="Largest document (file, JSONL line or WARC payload) to clean; a larger one is an error record.",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="Clean in local processes, or on a Dask cluster (needs the [dask] extra and --scheduler).",
)
@click.option(
    "--scheduler", metavar="ADDRESS", help="The Dask scheduler's address, e.g. tcp://10.0.0.5:8786."
)
@_site_lines_options
@click.option(
    "--relearn", is_flag=True, help="Forget the site-lines statistics of earlier runs; learn from INPUTS."
)
@click.option(
    "--offtopic-model",
    type=click.Choice(["default", "semantic"]),
    default="default",
    show_default=True,
    help="The off-topic classifier: the light default, or the semantic one (a sentence encoder "
    "besides: finds more off-topic sentences, half a second an article; needs the [semantic] extra).",
)
@click.option(
    "--text-mode",
    type=click.Choice(["auto", "page", "article"]),
    default="auto",
    show_default=True,
    help="How to read plain text: a whole-page dump (the line model cuts its menus and teasers), "
    "text an extractor already cut (rules only), or auto: many short lines on adjacent lines make "
    "a dump. HTML is always extracted first.",
)
@click.option("--debug", is_flag=True, help="Show tracebacks of failing documents.")
def run_command(
    inputs: tuple[Path, ...],
    out: Path,
    workers: int | None,
    force: bool,
    flagged: str,
    rules_dir: Path,
    decisions_path: Path | None,
    doc_timeout: float,
    max_doc_bytes: int,
    engine: str,
    scheduler: str | None,
    site_lines: SiteLineParams | None,
    relearn: bool,
    offtopic_model: str,
    text_mode: TextMode,
    debug: bool,
) -> None:
    """Clean INPUTS (files or folders; default raw/) into --out.

    Inputs: .txt, .html/.htm, .json, .jsonl and .warc files, each optionally gzipped.
    """
    sources = list(inputs) or [Path("raw")]
    if offtopic_model == "semantic":
        from cleaner.offtopic.semantic import require_extra

        _needs_semantic_extra(require_extra)
    settings = Settings(
        rules_dir=rules_dir,
        decisions_path=decisions_path,
        withhold_flagged=flagged == "withhold",
        site_lines=site_lines,
        semantic_offtopic=offtopic_model == "semantic",
        text_mode=text_mode,
    )
    try:
        limits = Limits(doc_timeout=doc_timeout or None, max_doc_bytes=max_doc_bytes)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--doc-timeout") from None
    if (engine == "dask") != (scheduler is not None):
        raise click.UsageError("--engine dask needs --scheduler ADDRESS, and --scheduler needs --engine dask")
    try:
        with ExitStack() as stack:
            chosen: Engine | None = None
            if scheduler is not None:
                from cleaner.distributed import EngineUnavailable, dask_engine

                try:
                    chosen = stack.enter_context(dask_engine(scheduler))
                except EngineUnavailable as error:
                    raise click.UsageError(str(error)) from None
            summary = run(
                sources,
                out,
                settings,
                workers=workers,
                force=force,
                progress=sys.stderr.isatty(),
                debug=debug,
                limits=limits,
                engine=chosen,
                relearn=relearn,
            )
    except (RuleError, AllowlistError, StoreError, OutputLocked, OutputClash, OSError) as error:
        raise click.UsageError(str(error)) from None
    except WorkerDied as error:
        raise click.ClickException(str(error)) from None
    for message in summary.error_messages:
        click.echo(f"error: {message}", err=True)
    if debug:
        for trace in summary.tracebacks:
            click.echo(trace, err=True)
    click.echo(summary.line())
    sys.exit(EXIT_FAILURES if summary.errors else EXIT_OK)


@main.command("bench")
@click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder holding extraction-dev/ [../shared/data beside the project].",
)
@click.option("--text-docs", type=click.IntRange(min=1), default=3000, show_default=True)
@click.option("--html-docs", type=click.IntRange(min=1), default=500, show_default=True)
@click.option(
    "--memory-docs",
    type=click.IntRange(min=0),
    default=100_000,
    show_default=True,
    help="Documents in the generated JSONL of the memory run (0: no memory run).",
)
@click.option(
    "--results",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("bench/results.json"),
    show_default=True,
    help="Where to store the results as JSON.",
)
def bench_command(data: Path | None, text_docs: int, html_docs: int, memory_docs: int, results: Path) -> None:
    """Time the cleaner on text and HTML, peers on the same HTML, 1 and 2 workers, peak memory."""
    from cleaner.bench import DEFAULT_DATA, DataMissing, bench, report

    try:
        found = bench(data or DEFAULT_DATA, text_docs, html_docs, memory_docs, echo=click.echo)
    except DataMissing as error:
        click.echo(f"bench skipped: {error}")
        return
    click.echo(report(found))
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(found, indent=1) + "\n", encoding="utf-8")
    click.echo(f"results: {results}")


@main.command("rules")
@_rules_option
@click.option("--check", is_flag=True, help="Run every rule's examples; exit 1 when one fails.")
def rules_command(rules_dir: Path, check: bool) -> None:
    """List the rules (id, kind, category, languages), or check their examples."""
    try:
        rule_set = load_rules(rules_dir)
    except RuleError as error:
        raise click.UsageError(str(error)) from None
    failures = 0
    for rule in rule_set.rules:
        if not check:
            langs = ",".join(rule.lang or ["any"])
            click.echo(f"{rule.id:32} {rule.kind:15} {rule.category:16} {langs:8} {rule.origin}")
            continue
        for example in rule.spec.examples.match:
            if not rule.matches(example):
                failures += 1
                click.echo(f"FAIL {rule.id}: should match {example!r}")
        for example in rule.spec.examples.no_match:
            if rule.matches(example):
                failures += 1
                click.echo(f"FAIL {rule.id}: should not match {example!r}")
    click.echo(
        f"{len(rule_set.rules)} rules, version {rule_set.version}"
        + (f", {failures} example failures" if check else "")
    )
    sys.exit(EXIT_FAILURES if failures else EXIT_OK)


@main.command("eval")
@click.argument("bench_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--input",
    "inputs",
    type=click.Choice(INPUTS),
    multiple=True,
    help="Which input to clean (repeatable) [all three].",
)
@click.option(
    "--offtopic",
    is_flag=True,
    help="BENCH_DIR holds intruders.jsonl: score the off-topic classifier by grouped cross-validation.",
)
@click.option(
    "--spliced",
    is_flag=True,
    help="BENCH_DIR is a `cleaner run` output folder: splice its articles into each other (within "
    "each language) and score the off-topic stage on them through the whole pipeline.",
)
@click.option(
    "--semantic",
    is_flag=True,
    help="With --offtopic or --spliced: score the opt-in semantic model (needs the [semantic] extra; slow).",
)
@click.option(
    "--copies",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="With --spliced: spliced copies of each article.",
)
@click.option("--seed", type=int, default=11, show_default=True, help="With --spliced: the random draw.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@_site_lines_options
@click.option(
    "--worst",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    help="How many of the pages that lose most to list.",
)
def eval_command(
    bench_dir: Path,
    inputs: tuple[InputKind, ...],
    offtopic: bool,
    spliced: bool,
    semantic: bool,
    copies: int,
    seed: int,
    as_json: bool,
    site_lines: SiteLineParams | None,
    worst: int,
) -> None:
    """Clean a benchmark folder and print precision, recall and F1 with its own metric."""
    if offtopic and spliced:
        raise click.UsageError("--offtopic and --spliced are two evaluations: choose one")
    benchmark_only = ("inputs", "worst", *_SITE_LINES_NAMES)
    if spliced:
        _refuse_unread("--spliced", benchmark_only)
    elif offtopic:
        _refuse_unread("--offtopic", ("copies", "seed", *benchmark_only))
    else:
        _refuse_unread("a benchmark (without --offtopic or --spliced)", ("semantic", "copies", "seed"))
    if spliced:
        from cleaner.offtopic.spliced import evaluate_spliced, format_spliced

        figures = _needs_semantic_extra(
            lambda: evaluate_spliced(
                bench_dir, copies, seed, semantic, echo=lambda line: click.echo(line, err=True)
            )
        )
        if not figures:
            raise click.UsageError(f"{bench_dir}: no language has enough long clean articles to splice")
        click.echo(json.dumps(figures, indent=1) if as_json else format_spliced(figures))
        return
    if offtopic:
        from cleaner.offtopic.train import evaluate as evaluate_offtopic
        from cleaner.offtopic.train import format_report

        if not (bench_dir / "intruders.jsonl").is_file():
            raise click.UsageError(f"{bench_dir}: no intruders.jsonl, not an off-topic benchmark folder")
        try:
            report_data = _needs_semantic_extra(lambda: evaluate_offtopic(bench_dir, semantic=semantic))
        except BenchmarkError as error:
            raise click.UsageError(str(error)) from None
        click.echo(json.dumps(report_data, indent=1) if as_json else format_report(report_data))
        return
    try:
        ground_truth(bench_dir)  # a folder that is no benchmark stops here, before models load
        cleaner = Cleaner(Settings(site_lines=site_lines))
        cleaner.load_models()  # once, not in the first input's time per page
        results = [evaluate(bench_dir, input, cleaner) for input in dict.fromkeys(inputs or INPUTS)]
    except (AllowlistError, BenchmarkError) as error:
        raise click.UsageError(str(error)) from None
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in results], indent=1))
    else:
        click.echo("\n\n".join(r.report(worst) for r in results))


def _needs_semantic_extra(work: Callable[[], _T]) -> _T:
    """Run ``work``; a missing [semantic] extra is a usage error, not a traceback."""
    from cleaner.offtopic.semantic import MissingExtra

    try:
        return work()
    except MissingExtra as error:
        raise click.UsageError(str(error)) from None


@main.group("train")
def train_group() -> None:
    """Retrain a model from labelled data; the model file and its card are rewritten."""


@train_group.command("offtopic")
@click.argument(
    "intruders_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=Path("../shared/data/intruders-dev"),
)
@click.option(
    "--bodies",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A ground-truth.json of article bodies to splice [../extraction-dev beside INTRUDERS_DIR].",
)
@click.option(
    "--decisions",
    "decisions_path",
    default=str(DEFAULT_DECISIONS),
    show_default=True,
    callback=decisions_file,
    help="Reviewers' decisions (with their sidecars in clean/) as extra labels ('' for none).",
)
@click.option(
    "--semantic",
    is_flag=True,
    help="Train the opt-in semantic model (offtopic-semantic.json; needs the [semantic] extra).",
)
@click.option(
    "--non-english",
    is_flag=True,
    help="Train the model for other languages than English (offtopic-non-english.json) on the "
    "articles of --hosts spliced into each other.",
)
@click.option(
    "--hosts",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Articles to splice into each other, any input `cleaner run` reads (repeatable): "
    "the English ones train the English model, the others the --non-english one "
    "[../snippets-dev/html beside INTRUDERS_DIR, if there].",
)
def train_offtopic(
    intruders_dir: Path,
    bodies: Path | None,
    decisions_path: Path | None,
    semantic: bool,
    non_english: bool,
    hosts: tuple[Path, ...],
) -> None:
    """Train the off-topic classifier on INTRUDERS_DIR, spliced articles and reviewers' decisions
    (with --non-english: on articles in other languages, spliced)."""
    from cleaner.offtopic.train import default_hosts, format_report, train, train_non_english

    if non_english:
        try:
            report = train_non_english(hosts or default_hosts(intruders_dir), decisions_path)
        except ValueError as error:
            raise click.UsageError(str(error)) from None
        click.echo(format_report(report))
        return
    try:
        report_data = _needs_semantic_extra(
            lambda: train(
                intruders_dir,
                bodies_path=bodies,
                reviews_path=decisions_path,
                semantic=semantic,
                hosts=hosts or None,
            )
        )
    except BenchmarkError as error:
        raise click.UsageError(str(error)) from None
    click.echo(format_report(report_data))


@train_group.command("boilerplate")
@click.argument(
    "bench_dirs", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path)
)
@click.option(
    "--folds", type=click.IntRange(min=2), default=5, show_default=True, help="Site-grouped CV folds."
)
def train_boilerplate(bench_dirs: tuple[Path, ...], folds: int) -> None:
    """Train the boilerplate line model on benchmark folders (labels from their ground truth)."""
    from cleaner.linemodel_train import train_and_document

    click.echo(train_and_document(bench_dirs, folds=folds))


main.add_command(review)
main.add_command(report)
