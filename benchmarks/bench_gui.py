# SPDX-License-Identifier: MIT
"""GUI speed: start-up to a shown window (fresh process, offscreen) and a full piano-roll redraw."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import Figure, repeat

ROOT = Path(__file__).resolve().parent.parent

_START = """
import sys, time
t0 = float(sys.argv[1])
from PySide6.QtWidgets import QApplication
app = QApplication([])
from gui.app import build_window
from gui.settings import AppSettings, open_store, save_settings
from gui.workers import PoolExecutor
store = open_store(sys.argv[2])
save_settings(store, AppSettings(output="none"))
w = build_window(store, PoolExecutor())
w.show()
app.processEvents()
print(time.time() - t0)
w.close()
"""


def _startup_seconds() -> float:
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", BANDMATE_HOME=tmp, PYTHONPATH=str(ROOT))
        t0 = time.time()
        out = subprocess.run(
            [sys.executable, "-c", _START, repr(t0), str(Path(tmp) / "s.ini")],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
    return float(out.stdout.strip().splitlines()[-1])


def _big_clip():  # noqa: ANN202 - engine Pattern
    from engine.pattern import Note, Pattern, Role, Track

    steps = 16 * 16
    tracks = [
        Track(tuple(Note(36 + (s % 3) * 6, s, s + 1, 100) for s in range(0, steps, 2)), 0, True, Role.DRUMS)
    ]
    for k in range(7):
        notes = tuple(
            Note(40 + 5 * k + (s * 7) % 12, s, s + 2, 40 + (s * 13) % 80) for s in range(0, steps, 2)
        )
        tracks.append(Track(notes, 8 * k, False, Role.OTHER))
    return Pattern(tuple(tracks), steps, 120.0)


def _redraw_seconds(times: int) -> tuple[float, ...]:
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QApplication

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication.instance() or QApplication([])  # noqa: F841 - widgets need an application
    from gui.document import ClipDocument
    from gui.pianoroll.view import PianoRollView

    view = PianoRollView(ClipDocument(_big_clip()))
    view.model.set_viewport(1600, 900)
    view.model.fit()
    image = QImage(1600, 900, QImage.Format.Format_ARGB32_Premultiplied)

    def draw() -> None:
        painter = QPainter(image)
        view.paint(painter)
        painter.end()

    draw()
    return repeat(draw, times)


def run() -> list[Figure]:
    startup = tuple(_startup_seconds() for _ in range(3))
    redraw = tuple(s * 1000 for s in _redraw_seconds(20))
    return [
        Figure(
            "app start-up to a shown window",
            startup,
            "s",
            target="< 3 s",
            command="python -m benchmarks.run gui",
            note="fresh process, offscreen, no model loaded",
        ),
        Figure(
            "piano-roll full redraw, 16 bars x 8 tracks (1,024 notes)",
            redraw,
            "ms",
            target="< 33 ms (30 fps)",
            command="python -m benchmarks.run gui",
            note="QPainter into a 1600x900 QImage",
            stat="p95",
        ),
    ]
