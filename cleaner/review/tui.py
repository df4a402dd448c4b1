"""A terminal reviewer: one passage at a time, single keys, verdicts written as they are made."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static

from cleaner.review.decisions import Verdict, record
from cleaner.review.queue import Item


class ReviewApp(App[None]):
    """Walks a review queue: ``k`` keep, ``d`` drop, ``s`` skip, ``u`` undo, ``q`` quit.

    Every keep or drop is appended to the decisions file at once, and undo
    appends an ``undo`` line, so quitting at any point loses nothing and the
    file stays append-only.
    """

    TITLE = "cleaner review"
    CSS = """
    #meta { padding: 0 1; background: $panel; }
    #progress { padding: 0 1; color: $accent; text-style: bold; }
    #passage-box { padding: 1 2; }
    .context { color: $text-muted; }
    #passage { background: $warning 40%; text-style: bold; }
    """
    BINDINGS = [  # noqa: RUF012 (textual reads it as a class attribute)
        Binding("k", "decide('keep')", "Keep"),
        Binding("d", "decide('drop')", "Drop"),
        Binding("s", "skip", "Skip"),
        Binding("u", "undo", "Undo"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, items: list[Item], decisions_path: Path) -> None:
        super().__init__()
        self.items = items
        self.decisions_path = decisions_path
        self.position = 0
        # (position, verdict written there or None for a skip), newest last.
        self.history: list[tuple[int, Verdict | None]] = []

    def compose(self) -> ComposeResult:
        yield Static(id="progress", markup=False)
        yield Static(id="meta", markup=False)
        with VerticalScroll(id="passage-box"):
            yield Static(id="before", classes="context", markup=False)
            yield Static(id="passage", markup=False)
            yield Static(id="after", classes="context", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.show()

    def show(self) -> None:
        """Display the item at the current position, or the summary when all are done."""
        total = len(self.items)
        if self.position >= total:
            verdicts = [verdict for _, verdict in self.history]
            self._set("progress", f"Done: {total} of {total}")
            self._set(
                "meta",
                f"{verdicts.count('keep')} kept, {verdicts.count('drop')} dropped, "
                f"{verdicts.count(None)} skipped. Press u to undo, q to quit.",
            )
            for name in ("before", "passage", "after"):
                self._set(name, "")
            return
        item = self.items[self.position]
        score = "n/a" if item.span.score is None else f"{item.span.score:.3f}"
        self._set("progress", f"{self.position + 1} of {total}")
        meta = Text()
        meta.append(item.title or "(untitled)", style="bold")
        meta.append(f"\n{item.document}  [{item.span.action}]", style="dim")
        meta.append(f"\nscore {score}   {item.span.reason}   {item.reason}")
        self._set("meta", meta)
        self._set("before", item.before)
        self._set("passage", item.text)
        self._set("after", item.after)
        self.query_one("#passage-box", VerticalScroll).scroll_to_widget(
            self.query_one("#passage", Static), animate=False, top=True
        )

    def _set(self, name: str, content: str | Text) -> None:
        self.query_one(f"#{name}", Static).update(content)

    def action_decide(self, verdict: Verdict) -> None:
        """Record ``verdict`` on the current passage and move on."""
        if self.position >= len(self.items):
            return
        item = self.items[self.position]
        record(self.decisions_path, item.document, item.span, item.text, verdict)
        self.history.append((self.position, verdict))
        self.position += 1
        self.show()

    def action_skip(self) -> None:
        """Leave the current passage pending and move on."""
        if self.position >= len(self.items):
            return
        self.history.append((self.position, None))
        self.position += 1
        self.show()

    def action_undo(self) -> None:
        """Go back one step, appending an ``undo`` line if that step recorded a verdict."""
        if not self.history:
            self.notify("Nothing to undo")
            return
        self.position, verdict = self.history.pop()
        if verdict is not None:
            item = self.items[self.position]
            record(self.decisions_path, item.document, item.span, item.text, "undo")
            self.notify(f"Undid {verdict}")
        self.show()
