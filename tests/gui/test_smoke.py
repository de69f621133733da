"""Smoke test: `main.py --smoke` opens the window offscreen and exits 0."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT


def test_main_smoke_starts_and_quits() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "main.py", "gui", "--smoke"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
