"""The user's seed scrapes, cleaned by the real CLI and judged by their own checker."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from cleaner.cli import main
from tests.conftest import shared_path


def test_seed_checks_pass(tmp_path: Path) -> None:
    seeds = shared_path("seeds")
    checker = shared_path("tools", "check_seeds.py")
    out = tmp_path / "clean-seeds"
    result = CliRunner().invoke(main, ["run", str(seeds), "--out", str(out)])
    assert result.exit_code == 0, result.output
    done = subprocess.run(
        [sys.executable, str(checker), str(out), "--skip-flags"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout
