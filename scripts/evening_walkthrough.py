# SPDX-License-Identifier: MIT
"""An evening in the app, scripted through the real window as a person would use it (issue 15's last
"done when"), with a screenshot at each stage.

Run it under Xvfb on xcb (it starts its own JACK server, dummy driver, for the recording and the sound):

    HOME=/tmp/shothome xvfb-run -a -s "-screen 0 1280x800x24" env QT_QPA_PLATFORM=xcb PYTHONPATH=. \\
        python scripts/evening_walkthrough.py   # screenshots into docs/screenshots (--shots DIR)

First run (one process): start the app, generate drums, edit them in the piano roll (velocity,
duplicate, a new note), keep them; generate a melody and keep it; record a bass riff played into
"Bandmate In" from a JACK MIDI port, make it an Electric Bass in the track list and keep it twice (the
Bass lane): three lanes; drag the second melody clip a bar later and trim its right edge; play the
arrangement (the playhead runs over the lanes); quit with Ctrl+Q, answer Save and name the session in
the Save dialog.
Second run (a new process, as `python main.py --session FILE` starts): reopen the session, Export WAV of
the arrangement, and measure the WAV (length against N bars x 4 x 60/120 s, RMS, silence at the start
and end). Prints one JSON line of measurements; exits 1 when the WAV does not line up.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import wave
from collections.abc import Callable
from pathlib import Path
from typing import cast

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BPM = 120.0
BASS_RIFF = [  # (pitch, start step, end step, velocity): two bars of E-minor bass in 8ths and quarters
    (40, 0, 3, 110), (40, 4, 6, 90), (43, 6, 8, 96), (45, 8, 12, 104), (47, 12, 14, 92), (45, 14, 16, 88),
    (40, 16, 19, 112), (40, 20, 22, 90), (38, 22, 24, 94), (40, 24, 28, 106), (43, 28, 30, 96),
    (45, 30, 31, 90),
]  # fmt: skip


def pump(app, seconds: float) -> None:  # noqa: ANN001
    """Run the event loop for `seconds` (deferred deletes too, as app.exec() would)."""
    from PySide6.QtCore import QEvent

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        time.sleep(0.01)


def wait(app, cond: Callable[[], bool], what: str, limit: float = 120.0) -> None:  # noqa: ANN001
    end = time.monotonic() + limit
    while not cond():
        if time.monotonic() > end:
            raise SystemExit(f"walkthrough: timed out waiting for {what}")
        app.processEvents()
        time.sleep(0.02)


def shot(window, folder: Path, name: str, app) -> None:  # noqa: ANN001
    """The window as `folder/name.png`, in 256 colours (a small PNG for the README) when Pillow is here."""
    pump(app, 0.3)
    path = folder / f"{name}.png"
    window.grab().save(str(path))
    try:
        from PIL import Image
    except ImportError:
        pass
    else:
        with Image.open(path) as image:
            small = image.convert("RGB").quantize(256, Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        small.save(path, optimize=True)
    print(f"walkthrough: {path.name}: {window.status_label.text()}", flush=True)


def start_app(home: Path):  # noqa: ANN201
    from PySide6.QtWidgets import QApplication

    from gui.app import build_window
    from gui.settings import AppSettings, load_settings, open_store, save_settings
    from gui.workers import PoolExecutor

    app = cast(QApplication | None, QApplication.instance()) or QApplication(sys.argv[:1])
    app.setApplicationName("Bandmate")
    app.setStyle("Fusion")
    store = open_store(str(home / "settings.ini"))
    if not (home / "settings.ini").exists():
        save_settings(
            store,
            AppSettings(output="fluidsynth", output_folder=str(home / "Music" / "Bandmate"), tempo=BPM),
        )
    assert load_settings(store).tempo == BPM
    window = build_window(store, PoolExecutor())
    window.show()
    return app, window


def idle(app, window) -> None:  # noqa: ANN001
    pump(app, 0.1)
    wait(app, lambda: not window.session.busy, "the model or job")


def pick_model(app, window, name: str) -> None:  # noqa: ANN001
    """Choose a model in the Model box, as a person does (its `activated` loads it)."""
    box = window.model_box
    row = next(i for i in range(box.count()) if str(box.itemData(i)).rstrip("/").endswith(name))
    box.setCurrentIndex(row)
    box.activated.emit(row)
    idle(app, window)


def first_run(home: Path, shots: Path, session_file: Path) -> None:
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from engine.music.pattern import Note
    from tests.synth.test_record_jack import Sender

    app, window = start_app(home)
    idle(app, window)
    pick_model(app, window, "drums_2bar")
    shot(window, shots, "01-start", app)
    # generate drums, hear the first candidate, then edit it in the roll
    window.generate.generate_button.click()
    idle(app, window)
    wait(app, lambda: window.generate.candidates.count() > 0, "candidates")
    pump(app, 1.0)
    window.player.stop()
    shot(window, shots, "02-generate", app)
    roll, model = window.roll, window.roll.model
    model.fit()
    first_beat = {r for r in model.notes() if r.note.start < 4}
    model.select(first_beat)
    roll.selection_changed.emit(len(first_beat))
    window.pane.velocity.setValue(120)  # the selection's velocity, one undo step
    velocities = sorted({r.note.velocity for r in model.selection})
    roll.duplicate()  # a copy of the first beat right after it
    print(
        f"walkthrough: first beat ({len(first_beat)} notes) at velocity {velocities}, duplicated", flush=True
    )
    crash = next((i for i, row in enumerate(model.rows) if row.label == "Crash"), 0)
    QTest.mouseDClick(  # a crash on bar 2's downbeat
        roll, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
        QPoint(int(model.x_of(16.5)), int(model.y_of(crash) + 3)),
    )  # fmt: skip
    shot(window, shots, "03-edit", app)
    window.generate.keep_selected()
    window.generate.candidates.setCurrentRow(1)
    window.generate.candidates.itemClicked.emit(window.generate.candidates.item(1))
    window.player.stop()
    window.generate.keep_selected()
    # a melody from the melody model, two clips in the Lead lane
    pick_model(app, window, "mel_2bar")
    window.generate.generate_button.click()
    idle(app, window)
    wait(app, lambda: window.generate.candidates.count() > 1, "melodies")
    window.player.stop()
    for row in (0, 1):
        window.generate.candidates.setCurrentRow(row)
        window.generate.candidates.itemClicked.emit(window.generate.candidates.item(row))
        window.player.stop()
        window.generate.keep_selected()
    # record a bass riff from a JACK MIDI port into "Bandmate In"
    rec = window.pane.record
    rec.bars.setValue(2)
    rec.count_in.setValue(1)
    riff = [Note(p, s, e, v) for p, s, e, v in BASS_RIFF]
    sender = Sender()
    try:
        if not rec.start():
            raise SystemExit(f"walkthrough: recording did not start: {window.status_label.text()}")
        t0 = rec.take.transport.time_of(0.0, time.monotonic())
        sender.connect()
        player = threading.Thread(target=sender.play, args=(riff, t0))
        player.start()
        pump(app, max(0.0, t0 - time.monotonic()) + 1.5)
        shot(window, shots, "04-recording", app)
        wait(app, lambda: not rec.recording, "the take", limit=30)
        player.join()
    finally:
        sender.close()
        rec.close_input()
    window.player.stop()
    take = window.session.doc.pattern
    print(f"walkthrough: recorded {take.note_count} of {len(riff)} notes sent", flush=True)
    # the take is a bass line: pick its instrument in the track list's Program menu (double-click)
    menu = window.pane.tracks.program_menu(0)
    family = next(a for a in menu.actions() if a.text() == "Bass").menu()
    next(a for a in family.actions() if a.text().endswith("Electric Bass (finger)")).trigger()
    window.generate.keep_selected()  # a bass part: it goes to the Bass lane, bars 1-2
    window.generate.keep_selected()  # and again, bars 3-4
    strip = window.arrangement
    # the second melody clip is dragged one bar later in its lane (bars 4-5): the lanes move like a DAW's
    lanes = strip.view
    lead = strip.arrangement.lane_index("Lead")
    r = lanes.clip_rect(lead, 1)
    start = QPoint(int(r.left() + 20), int(r.center().y()))
    end = start + QPoint(int(lanes.px_per_bar), 0)
    QTest.mousePress(lanes, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for i in range(1, 9):
        QTest.mouseMove(lanes, start + (end - start) * i / 8)
    QTest.mouseRelease(lanes, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    # …then its right edge is trimmed back to bar 4 (the phrase ends with the drums and bass)
    r = lanes.clip_rect(lead, 1)
    start = QPoint(int(r.right() - 2), int(r.center().y()))
    end = QPoint(int(lanes.x_of(4)), start.y())
    QTest.mousePress(lanes, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for i in range(1, 9):
        QTest.mouseMove(lanes, start + (end - start) * i / 8)
    QTest.mouseRelease(lanes, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    used = [lane.name for lane in strip.arrangement.lanes if lane.placements]
    print(f"walkthrough: lanes {used}: {[lane.names() for lane in strip.arrangement.lanes]}", flush=True)
    strip.play()
    pump(app, 2.5)
    shot(window, shots, "05-arranged-playing", app)
    window.player.stop()
    # quit: Ctrl+Q asks to save, the Save dialog names the session
    answers = {"question": "", "file": ""}

    def save_answer(_parent, _title, text, *_a):  # noqa: ANN001, ANN202
        answers["question"] = text
        return QMessageBox.StandardButton.Save

    def save_file(*_a, **_k):  # noqa: ANN002, ANN003, ANN202
        answers["file"] = str(session_file.with_suffix(""))
        return answers["file"], ""

    QMessageBox.question = staticmethod(save_answer)  # type: ignore[method-assign,assignment]
    QFileDialog.getSaveFileName = staticmethod(save_file)  # type: ignore[method-assign]
    menus = [a.menu() for a in window.menuBar().actions() if a.menu() is not None]
    quit_action = next(a for m in menus for a in m.actions() if a.shortcut().toString() == "Ctrl+Q")
    quit_action.trigger()  # what Ctrl+Q does (Xvfb has no window manager to give the window key focus)
    pump(app, 0.5)
    print(f"walkthrough: on quit: {answers['question']!r}; saved as {session_file}", flush=True)
    if window.isVisible() or not session_file.is_file():
        raise SystemExit("walkthrough: Ctrl+Q did not save and quit")
    app.quit()


def second_run(home: Path, shots: Path, session_file: Path, wav: Path) -> dict:
    import numpy as np
    from PySide6.QtWidgets import QFileDialog

    app, window = start_app(home)
    idle(app, window)
    if not window.sessions.open_path(session_file):  # what `main.py --session FILE` does
        raise SystemExit(f"walkthrough: {window.status_label.text()}")
    idle(app, window)
    shot(window, shots, "06-reopened", app)
    QFileDialog.getSaveFileName = staticmethod(lambda *_a, **_k: (str(wav), ""))  # type: ignore[method-assign]
    wav.unlink(missing_ok=True)
    window.arrangement.wav_button.click()
    wait(app, lambda: "Exported" in window.status_label.text(), "the WAV export")
    shot(window, shots, "07-exported", app)
    bars = window.arrangement.arrangement.bars
    tempo = window.transport.tempo.value()
    song = window.arrangement.arrangement.render()
    first_step = min(n.start + n.offset for t in song.tracks for n in t.notes)
    window.close()
    with wave.open(str(wav)) as w:
        rate, frames, channels = w.getframerate(), w.getnframes(), w.getnchannels()
        audio = np.frombuffer(w.readframes(frames), dtype=np.int16).reshape(-1, channels) / 32768.0
    mono = np.abs(audio).max(axis=1)
    loud = np.flatnonzero(mono > 10 ** (-60 / 20))  # above -60 dBFS
    expected = bars * 4 * 60 / tempo
    rms = float(np.sqrt(np.mean(audio**2)))
    window_rms = [  # RMS per bar: every bar sounds
        float(np.sqrt(np.mean(audio[int(b * 2 * rate) : int((b + 1) * 2 * rate)] ** 2))) for b in range(bars)
    ]
    return {
        "wav": str(wav),
        "bars": bars,
        "tempo_bpm": tempo,
        "rate": rate,
        "channels": channels,
        "frames": frames,
        "seconds": frames / rate,
        "expected_seconds": expected,
        "expected_frames": round(expected * rate),
        "rms_dbfs": round(20 * np.log10(max(rms, 1e-12)), 2),
        "peak_dbfs": round(20 * np.log10(max(float(mono.max()), 1e-12)), 2),
        "quietest_bar_rms_dbfs": round(20 * np.log10(max(min(window_rms), 1e-12)), 2),
        "first_note_ms": round(1000 * first_step * 60 / tempo / 4, 2),
        "leading_silence_ms": round(1000 * (loud[0] if loud.size else frames) / rate, 2),
        "trailing_silence_ms": round(1000 * (frames - 1 - (loud[-1] if loud.size else 0)) / rate, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", default="docs/screenshots", help="folder for the PNGs")
    parser.add_argument("--phase", choices=("all", "first", "second"), default="all")
    args = parser.parse_args()
    home = Path(os.environ["HOME"])
    shots = Path(args.shots)
    shots.mkdir(parents=True, exist_ok=True)
    session_file = home / "Music" / "Bandmate" / "evening.bandmate"
    wav = home / "Music" / "Bandmate" / "evening.wav"
    if args.phase == "all":  # each run in its own process, the JACK server shared
        from tests.synth.jack_helpers import jack_server

        os.environ["BANDMATE_MIDI_API"] = "jack"
        session_file.unlink(missing_ok=True)
        with jack_server():
            for phase in ("first", "second"):
                cmd = [sys.executable, __file__, "--phase", phase, "--shots", str(shots)]
                done = subprocess.run(cmd, env=os.environ.copy(), timeout=600)
                if done.returncode:
                    return done.returncode
        return 0
    if args.phase == "first":
        first_run(home, shots, session_file)
        return 0
    numbers = second_run(home, shots, session_file, wav)
    print(json.dumps(numbers), flush=True)
    # the first sound against the first note (a note played early on beat 1 sounds from the bar's start)
    late = numbers["leading_silence_ms"] - max(0.0, numbers["first_note_ms"])
    lined_up = numbers["frames"] == numbers["expected_frames"] and -1.0 <= late < 10.0
    return 0 if lined_up else 1


if __name__ == "__main__":
    sys.exit(main())
