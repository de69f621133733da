# SPDX-License-Identifier: MIT
"""GUI speed: start-up to a shown window (fresh process, offscreen), a full piano-roll redraw, the longest
event-loop stall while a model trains (gui.train_runner, as the Train panel runs it), and a morph-slider
move to the first note at the output."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
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
    from engine.music.pattern import Note, Pattern, Role, Track

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


def _redraw_seconds(times: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QApplication

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication.instance() or QApplication([])
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
    full = repeat(draw, times)
    view.resize(1600, 900)
    view.show()
    app.processEvents()  # the offscreen window is exposed only after its first events
    view.repaint()
    steps = iter(range(10**6))

    def frame() -> None:  # one playhead frame: the clip layer comes from the cache
        view.set_playhead(next(steps) % 256 * 1.0)
        view.repaint()

    return full, repeat(frame, times)


def _training_stall_ms(folder: Path) -> float:
    """Train drums_2bar for 6 steps in the child process while a 10 ms QTimer ticks in this thread."""
    import shutil
    import threading

    from PySide6.QtCore import QCoreApplication, QTimer

    from gui.train_runner import run_training

    app = QCoreApplication.instance()
    assert app is not None, "run() makes the QApplication first (_redraw_seconds)"
    ticks: list[float] = []
    done = threading.Event()
    with tempfile.TemporaryDirectory() as tmp:
        band = Path(tmp) / "band"
        band.mkdir()
        for path in sorted(folder.rglob("*4-4.mid"))[:4]:
            shutil.copy(path, band)
        os.environ["BANDMATE_CACHE_DIR"] = str(Path(tmp) / "cache")

        def work() -> None:
            try:
                run_training(band, "drums_2bar", Path(tmp) / "m", progress=lambda p: None,
                             cancel=threading.Event(), steps=6, batch_size=8, device="cpu")  # fmt: skip
            finally:
                done.set()

        timer = QTimer()
        timer.setInterval(10)
        timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
        timer.start()
        threading.Thread(target=work, daemon=True).start()
        while not done.is_set():
            app.processEvents()
            time.sleep(0.001)
        timer.stop()
    return max(b - a for a, b in zip(ticks, ticks[1:], strict=False)) * 1000


def _slider_ms(moves: int) -> tuple[float, ...]:
    """Morph slider moves to the first note at the output: the bundled drums_2bar model with A and B
    encoded (cached), each move decoded in a worker of the app's thread pool, the clip shown, the player
    loaded and started (as play does) and its first note_on at a RecordingOutput (clock: perf_counter)."""
    from PySide6.QtWidgets import QApplication

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication.instance() or QApplication([])
    from engine.generation.generator import Generator
    from engine.midi.files import read_clip
    from gui.app import build_window
    from gui.settings import AppSettings, open_store, save_settings
    from gui.workers import PoolExecutor
    from synth.null_out import RecordingOutput
    from tests.realmusic import BEATS, GROOVES

    def until(done: Callable[[], bool]) -> None:
        while not done():
            app.processEvents()
            time.sleep(0.0002)  # the GUI thread idles between events, as in app.exec()

    home = os.environ.get("BANDMATE_HOME")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["BANDMATE_HOME"] = tmp  # no user settings or models
        store = open_store(str(Path(tmp) / "s.ini"))
        save_settings(store, AppSettings(output="none"))
        window = build_window(store, PoolExecutor())
        gen = Generator.load("drums_2bar")
        window.session.generator = gen
        window.session.model_changed.emit(gen)
        for i in range(2):
            window.morph.set_clip(i, read_clip(GROOVES / BEATS[i]), "AB"[i])
        until(lambda: window.morph.path is not None)
        out = RecordingOutput(clock=time.perf_counter)
        window.player.player.output = out
        window.session.doc.changed.connect(lambda _p: window.play())
        times = []
        for i in range(moves + 3):
            window.player.stop()
            out.sent.clear()
            t0 = time.perf_counter()
            window.morph.slider.set_value((7 + 37 * i) % 100 / 100)  # a new position every time
            until(lambda: any(m.type == "note_on" for _, m in out.sent))
            times.append((next(t for t, m in out.sent if m.type == "note_on") - t0) * 1000)
        window.player.stop()
        window.close()
    if home is None:
        os.environ.pop("BANDMATE_HOME", None)
    else:
        os.environ["BANDMATE_HOME"] = home
    return tuple(times[3:])  # the first moves warm up the worker thread


def run() -> list[Figure]:
    startup = tuple(_startup_seconds() for _ in range(3))
    full, frames = _redraw_seconds(20)
    redraw, playhead = tuple(s * 1000 for s in full), tuple(s * 1000 for s in frames)
    stall = (_training_stall_ms(ROOT.parent / "shared" / "data" / "midi" / "drums"),)
    slider = _slider_ms(40)
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
            note="every layer painted into a 1600x900 QImage",
            stat="p95",
        ),
        Figure(
            "playhead frame, same clip (cached clip layer)",
            playhead,
            "ms",
            target="< 16 ms (60 fps)",
            command="python -m benchmarks.run gui",
            note="QWidget.repaint of the 1600x900 roll, offscreen",
            stat="p95",
        ),
        Figure(
            "longest event-loop stall while training",
            stall,
            "ms",
            target="< 250 ms",
            command="python -m benchmarks.run gui",
            note="drums_2bar, 6 steps in the child process, 10 ms timer",
            stat="max",
        ),
        Figure(
            "morph slider move to the first note at the output",
            slider,
            "ms",
            target="≤ 50 ms",
            command="python -m benchmarks.run gui",
            note="drums_2bar bundled, A and B encoded: decode in a worker, show, load, play, first note_on",
            stat="p95",
        ),
    ]
