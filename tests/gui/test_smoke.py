"""Smoke test: `main.py --smoke` opens the window offscreen, generates once and exits 0."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT
from tests.gui.conftest import smoke_env


def test_main_smoke_starts_generates_and_quits(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "main.py", "gui", "--smoke"],
        cwd=ROOT,
        env=smoke_env(tmp_path, QT_QPA_PLATFORM="offscreen"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "smoke: generated 8 clips with drums_2bar" in result.stdout.splitlines(), result.stdout
