"""Fixtures for the review tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from review_fixture import build_clean_dir


@pytest.fixture
def clean_dir(tmp_path: Path) -> Path:
    """A fixture clean directory: two JSON sidecars, a JSONL output, bookkeeping files, an error."""
    root = tmp_path / "clean"
    build_clean_dir(root)
    return root
