"""Sessions: save/open round trip, the quit question, autosave and recovery, recent sessions, --session."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from engine.midi.files import read_midi
from engine.music.arrangement import Arrangement, Lane, Placement
from engine.music.sessionfile import load_session
from gui.mainwindow import MainWindow
from gui.session_files import autosave_path
from tests.gui.conftest import make_beat, make_clip

DRUMS = "drums/zharry29-drums-with-llm/drummer1/session1/101_dance-disco_120_beat_4-4.mid"


def _fill(window: MainWindow, midi_dir: Path) -> None:
    """An evening's work: kept clips (one from a real file), candidates, morph ends, blend corners, 90 BPM."""
    real = read_midi(midi_dir / DRUMS).pattern.slice(0, 32)
    for i, clip in enumerate([make_clip(2, seed=1), real, make_clip(1, seed=2)]):
        window.arrangement.add(clip, f"kept {i}")
    for i in range(4):
        window.generate.candidates.add_clip(make_beat(i), f"beat {i}")
    window.morph.set_clip(0, make_clip(2, seed=3), "verse")
    window.morph.set_clip(1, real, "real beat")
    for i in range(4):
        window.blender.set_corner(i, make_beat(i), f"corner {i + 1}")
    window.session.show_clip(make_clip(2, seed=5), "on the roll")
    window.transport.tempo.setValue(90.0)


def test_session_round_trip_equals_what_was_kept(window: MainWindow, midi_dir: Path, tmp_path: Path) -> None:
    _fill(window, midi_dir)
    kept = window.sessions.collect()
    assert kept.kept_clips == 3 and len(kept.candidates) == 4 and kept.tempo == 90.0
    path = tmp_path / "evening.bandmate"
    assert window.sessions.save_to(path)
    assert not window.sessions.modified() and window.windowTitle().startswith("evening.bandmate")
    # lose everything, then open the file again
    window.arrangement.set_arrangement(Arrangement())
    window.generate.candidates.clear()
    window.transport.tempo.setValue(133.0)
    assert window.sessions.open_path(path)
    back = window.sessions.collect()
    assert back == kept
    lanes = window.arrangement.arrangement.lanes  # the real lanes panel holds what was saved
    assert [(lane.name, lane.names()) for lane in lanes if lane.placements] == [
        ("Drums", ["kept 1"]),
        ("Band", ["kept 0", "kept 2"]),
    ]
    assert [p.start_bar for p in lanes[3].placements] == [0, 2]
    assert not window.session.doc.undo_stack.canUndo()  # opening is no edit to undo
    assert window.transport.tempo.value() == 90.0 and window.player.player.tempo == 90.0
    assert load_session(path) == kept
    assert str(path) in window.sessions.recent()


def test_quit_with_kept_clips_asks_and_cancel_keeps_the_window(qtbot: QtBot, window: MainWindow) -> None:
    for seed in range(2):
        window.arrangement.add(make_clip(2, seed=seed), f"kept {seed}")
    window.answers[QMessageBox.StandardButton.Save] = QMessageBox.StandardButton.Cancel
    window.activateWindow()
    window.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)  # Ctrl+Q
    assert window.asked and "2 kept clips" in window.asked[-1]
    assert window.isVisible()
    window.answers[QMessageBox.StandardButton.Save] = QMessageBox.StandardButton.Discard
    assert window.close()
    assert not window.isVisible()


def test_nothing_kept_quits_without_asking(window: MainWindow) -> None:
    assert window.close() and window.asked == []


def test_autosave_survives_a_kill_and_is_restored(window: MainWindow, midi_dir: Path, qtbot: QtBot) -> None:
    from gui.app import build_window
    from gui.workers import SyncExecutor

    _fill(window, midi_dir)
    kept = window.sessions.collect()
    assert window.sessions.autosave() and autosave_path().is_file()
    # the app is killed here (no close): the next start finds the autosave and restores it
    again = build_window(window.store, SyncExecutor())
    qtbot.addWidget(again)
    assert again.sessions.pending_recovery() == autosave_path()
    assert again.sessions.recover()
    assert again.sessions.collect() == kept
    again.sessions.forget_changes()
    again.close()
    assert not autosave_path().exists()  # a clean quit leaves nothing to recover


def test_a_damaged_session_says_why_and_keeps_the_work(window: MainWindow, tmp_path: Path) -> None:
    window.arrangement.add(make_clip(2), "kept")
    bad = tmp_path / "bad.bandmate"
    bad.write_text("{")
    assert not window.sessions.open_path(bad)
    assert "Could not open bad.bandmate" in window.status_label.text()
    assert window.arrangement.count() == 1


def test_lanes_with_clips_at_start_bars_survive_save_and_open(
    window: MainWindow, midi_dir: Path, tmp_path: Path
) -> None:
    """Several lanes (one muted, one added and renamed), clips moved to later bars: all of it comes back."""
    real = read_midi(midi_dir / DRUMS).pattern.slice(0, 32)
    strip = window.arrangement
    strip.add(real, "beat")
    strip.add(real, "beat again")
    strip.add(make_clip(1, seed=4), "band bar")
    strip.move_clip(0, 1, 0, 5)  # the second beat to bar 6
    strip.edit(strip.arrangement.add_lane("Keys"), "add lane")
    strip.place_files(4, 3, [str(midi_dir / DRUMS)])
    strip.set_muted(1, True)
    before = strip.arrangement
    assert [[(p.name, p.start_bar) for p in lane.placements] for lane in before.lanes] == [
        [("beat", 0), ("beat again", 5)],
        [],
        [],
        [("band bar", 0)],
        [(Path(DRUMS).stem, 3)],
    ]
    path = tmp_path / "lanes.bandmate"
    assert window.sessions.save_to(path)
    strip.set_arrangement(Arrangement())
    assert window.sessions.open_path(path)
    after = strip.arrangement
    assert [lane.name for lane in after.lanes] == ["Drums", "Bass", "Lead", "Band", "Keys"]
    assert after == Arrangement.from_dict(before.to_dict())  # lanes, names, start bars, mute, notes
    assert after.lanes[1].muted and after.lanes[0].placements[1].clip == real
    assert strip.count() == 4 and "4 clip(s) in 5 lanes" in strip.summary.text()


def test_arrangement_edits_mark_the_session_unsaved_and_undo_clears_it(
    window: MainWindow, tmp_path: Path
) -> None:
    strip = window.arrangement
    strip.add(make_clip(2), "kept")
    assert window.sessions.unsaved and window.isWindowModified()
    assert window.sessions.save_to(tmp_path / "s.bandmate")
    assert not window.sessions.unsaved and not window.isWindowModified()
    strip.move_clip(3, 0, 3, 4)  # a lane edit
    assert window.sessions.unsaved and window.isWindowModified()
    window.session.doc.undo_stack.undo()  # back to what was saved
    assert not window.sessions.unsaved and not window.isWindowModified()
    window.session.doc.undo_stack.redo()
    assert window.sessions.unsaved
    assert window.sessions.open_path(tmp_path / "s.bandmate")  # loading is not an edit
    assert not window.sessions.unsaved and strip.arrangement.lanes[3].placements[0].start_bar == 0


def test_command_line_takes_a_session() -> None:
    from main import build_parser

    assert build_parser().parse_args(["--session", "x.bandmate"]).session == "x.bandmate"
    assert build_parser().parse_args(["gui", "--session", "y.bandmate"]).session == "y.bandmate"


def test_main_opens_a_session_file(tmp_path: Path, midi_dir: Path) -> None:
    import subprocess
    import sys

    from engine.music.sessionfile import SessionData, save_session
    from tests.conftest import ROOT
    from tests.gui.conftest import smoke_env

    beat = read_midi(midi_dir / DRUMS).pattern.slice(0, 32)
    lanes = (
        Lane("drums", tuple(Placement(beat, 2 * i, f"beat {i}") for i in range(2))),
        Lane("more drums", (Placement(beat, 1, "beat 2"),)),
    )
    arrangement = Arrangement(lanes)
    path = save_session(
        SessionData(arrangement=arrangement, model="drums_2bar", tempo=96.0), tmp_path / "night.bandmate"
    )
    result = subprocess.run(
        [sys.executable, "main.py", "--smoke", "--session", str(path)],
        cwd=ROOT,
        env=smoke_env(tmp_path, QT_QPA_PLATFORM="offscreen"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "smoke: session night.bandmate with 3 kept clips" in result.stdout.splitlines(), result.stdout


def test_a_sessions_own_temperature_wins_over_the_models_suggestion(
    window: MainWindow, tmp_path: Path
) -> None:
    window.arrangement.add(make_clip(2), "kept")
    window.session.set_generation(temperature=1.3)
    data = window.sessions.collect()
    path = tmp_path / "mel.bandmate"
    from dataclasses import replace

    from engine.music.sessionfile import save_session

    save_session(replace(data, model="mel_2bar"), path)  # mel_2bar's report card suggests 0.8
    assert window.sessions.open_path(path)
    assert window.session.model_name.endswith("mel_2bar")
    assert window.session.generation.temperature == 1.3
