"""Issue 15's last "done when", run for real: scripts/evening_walkthrough.py under Xvfb on xcb (generate,
edit, three lanes, a riff recorded from a JACK port, quit with Save, reopen in a new process, export) ends
with a WAV that lines up in a 120 BPM DAW project: exactly its bars x 4 x 60/120 s, sound from the bar's
start, no tail, and every bar sounding."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.gui.xvfb_helpers import xvfb_display

pytestmark = pytest.mark.timeout(400)


def test_an_evening_in_the_app_ends_in_a_wav_that_lines_up(tmp_path: Path, soundfont: Path) -> None:
    home, shots = tmp_path / "home", tmp_path / "shots"
    home.mkdir()
    env = {
        **os.environ,
        "HOME": str(home),
        "QT_QPA_PLATFORM": "xcb",
        "PYTHONPATH": str(ROOT),
        "BANDMATE_HOME": str(home / ".bandmate"),
    }
    env.pop("BANDMATE_SETTINGS", None)
    try:
        with xvfb_display() as display:
            env["DISPLAY"] = display
            result = subprocess.run(
                [sys.executable, "scripts/evening_walkthrough.py", "--shots", str(shots)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=360,
            )
    except RuntimeError as e:  # no Xvfb: fail with the install line, never skip
        pytest.fail(str(e))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert "walkthrough: recorded 12 of 12 notes sent" in lines
    assert any("lanes ['Drums', 'Bass', 'Lead']" in line for line in lines)
    assert any("Save it before quitting?" in line for line in lines)
    numbers = json.loads(lines[-1])
    assert numbers["bars"] == 4 and numbers["tempo_bpm"] == 120.0
    assert numbers["frames"] == 4 * 4 * 60 / 120 * numbers["rate"] == numbers["expected_frames"]
    first_sound = numbers["leading_silence_ms"] - max(0.0, numbers["first_note_ms"])  # against the first note
    assert -1.0 <= first_sound < 10.0 and numbers["quietest_bar_rms_dbfs"] > -45
    assert sorted(p.name for p in shots.glob("*.png")) == [
        "01-start.png",
        "02-generate.png",
        "03-edit.png",
        "04-recording.png",
        "05-arranged-playing.png",
        "06-reopened.png",
        "07-exported.png",
    ]
