"""The real window on Qt's xcb platform under Xvfb (not offscreen): it opens the bundled drums_2bar model,
generates once and quits with 0. A missing system library fails here with its name (gui/preflight.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.gui.conftest import smoke_env
from tests.gui.xvfb_helpers import xvfb_display


def test_window_opens_on_xcb_generates_once_and_quits(tmp_path: Path) -> None:
    try:
        with xvfb_display() as display:
            result = subprocess.run(
                [sys.executable, "main.py", "--smoke"],
                cwd=ROOT,
                env=smoke_env(tmp_path, QT_QPA_PLATFORM="xcb", DISPLAY=display),
                capture_output=True,
                text=True,
                timeout=60,
            )
    except RuntimeError as e:  # no Xvfb: fail with the install line, never skip
        pytest.fail(str(e))
    # the preflight's line names the missing libraries and the apt-get line: show it as the failure
    assert "the window cannot open" not in result.stderr, result.stderr
    assert "Could not load the Qt platform plugin" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stdout + result.stderr
    assert "smoke: generated 8 clips with drums_2bar" in result.stdout.splitlines(), result.stdout
