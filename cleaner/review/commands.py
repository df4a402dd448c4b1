"""The ``review`` and ``report`` commands; the main CLI group adds them with ``add_command``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from cleaner.review.decisions import DEFAULT_PATH, Decisions, LineVerdict
from cleaner.review.queue import decide as record_verdict
from cleaner.review.queue import load_queue, printable
from cleaner.review.report import write_report
from cleaner.review.sidecars import INDEX


def _output_folder(_ctx: click.Context, _param: click.Parameter, folder: Path) -> Path:
    """``folder`` when a run wrote it (a report written into a scrape folder would be cleaned
    as an article by the next run)."""
    if not (folder / INDEX).is_file():
        raise click.BadParameter(f"{folder} is not the output folder of a cleaner run (no {INDEX})")
    return folder


_clean_dir = click.argument(
    "clean_dir",
    type=click.Path(exists=True, file_okay=False, dir_okay=True, path_type=Path),
    callback=_output_folder,
)


def decisions_file(_ctx: click.Context, _param: click.Parameter, given: str) -> Path | None:
    """The ``--decisions`` option's callback (every command's): the file named, None for '' (none)."""
    if not given:
        return None
    path = Path(given)
    if path.is_dir():
        raise click.BadParameter(f"{given} is a folder, not a decisions file")
    if path.exists() and not path.is_file():  # a device or a pipe (/dev/full never ends a line)
        raise click.BadParameter(f"{given} is not a regular file")
    return path


_decisions = click.option(
    "--decisions",
    "decisions_path",
    default=str(DEFAULT_PATH),
    show_default=True,
    callback=decisions_file,
    help="The append-only decisions file ('' for none: verdicts can't be recorded then).",
)


def _load(decisions_path: Path | None) -> Decisions:
    if decisions_path is None:
        return Decisions()
    decisions = Decisions.load(decisions_path)
    for warning in decisions.warnings:
        click.echo(f"warning: {warning}", err=True)
    return decisions


def _recording_to(decisions_path: Path | None) -> Path:
    if decisions_path is None:
        raise click.UsageError("verdicts go to a decisions file: name one with --decisions")
    return decisions_path


@click.command()
@_clean_dir
@_decisions
@click.option("--list", "list_only", is_flag=True, help="Print the queue instead of opening the reviewer.")
@click.option("--json", "as_json", is_flag=True, help="List the queue as one JSON object a line.")
@click.option(
    "--decide",
    type=(str, click.Choice(["keep", "drop", "undo"])),
    default=None,
    metavar="ID keep|drop|undo",
    help="Record a verdict on one passage (an id from --list) without the reviewer; undo: pending again.",
)
@click.option("--removed", "include_removed", is_flag=True, help="Also review the rules' cuts.")
def review(
    clean_dir: Path,
    decisions_path: Path | None,
    list_only: bool,
    as_json: bool,
    decide: tuple[str, LineVerdict] | None,
    include_removed: bool,
) -> None:
    """Review the flagged passages of CLEAN_DIR: keep them in the clean text or drop them.

    Verdicts go to the decisions file as they are made; the next `cleaner run`
    applies them.
    """
    if decide is not None:
        if list_only or as_json or include_removed:
            raise click.UsageError("--list, --json and --removed do not apply to --decide")
        wanted, verdict = decide
        path = _recording_to(decisions_path)
        try:
            items = record_verdict(clean_dir, wanted, verdict, path)
        except LookupError as error:
            raise click.ClickException(str(error)) from error
        except OSError as error:
            raise click.ClickException(f"can't record the verdict in {path}: {error}") from None
        click.echo(f"{verdict}: {printable(items[0].id)} -> {path}")
        if len(items) > 1:
            sources = ", ".join(item.source for item in items)
            click.echo(
                f"note: {len(items)} documents have the id {items[0].document!r} ({sources}); "
                "the verdict covers the passage in each",
                err=True,
            )
        return
    items = load_queue(clean_dir, _load(decisions_path), include_removed=include_removed)
    if list_only or as_json:
        for item in items:
            if as_json:
                click.echo(json.dumps(item.to_json(), ensure_ascii=False))
            else:
                score = "-" if item.span.score is None else f"{item.span.score:.3f}"
                click.echo(
                    f"{printable(item.id)}\t{score}\t{printable(item.reason)}\t{printable(item.text)[:80]}"
                )
        return
    if not items:
        click.echo(f"Nothing to review under {clean_dir}.")
        return
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise click.UsageError(
            "the reviewer needs a terminal: without one, list the queue with --list (or --json) "
            "and record verdicts with --decide ID keep|drop"
        )
    from cleaner.review.tui import ReviewApp  # textual loads only when the reviewer opens

    decisions_path = _recording_to(decisions_path)
    app = ReviewApp(items, decisions_path)
    app.run()
    verdicts = [verdict for _, verdict in app.history]
    click.echo(
        f"{verdicts.count('keep')} kept, {verdicts.count('drop')} dropped, "
        f"{len(items) - verdicts.count('keep') - verdicts.count('drop')} left; decisions in {decisions_path}"
    )


@click.command()
@_clean_dir
@_decisions
def report(clean_dir: Path, decisions_path: Path | None) -> None:
    """Write CLEAN_DIR/report.html: every cut and flag, with reviewers' verdicts so far."""
    path = write_report(clean_dir, _load(decisions_path))
    click.echo(str(path))
