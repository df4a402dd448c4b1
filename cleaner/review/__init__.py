"""Reviewing what the cleaner cut and flagged: decisions, the queue, the terminal reviewer, the report."""

from cleaner.review.decisions import Decisions, record, text_hash
from cleaner.review.queue import Item, decide, load_queue
from cleaner.review.report import write_report

__all__ = ["Decisions", "Item", "decide", "load_queue", "record", "text_hash", "write_report"]
