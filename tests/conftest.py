"""Shared test helpers: paths to the project, its rules and the ../shared data when present."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

# Rule cache entries (cleaner/rulecache.py) go to a folder of this test session, not the user's.
_CACHE = tempfile.mkdtemp(prefix="cleaner-test-cache-")
os.environ["CLEANER_CACHE_DIR"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip the test with a message naming what is missing."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not here (the shared dev data sits beside the project root)")
    return path
