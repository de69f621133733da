"""Lanes as a DAW user works them: a playhead that runs while the arrangement plays, lanes reordered by
dragging a head (or the head's menu) with undo, clips trimmed by dragging an edge with undo, and mute /
solo honoured in playback (live, while it plays) and in every export (MIDI, WAV, drag-out, a range)."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QFileDialog, QMenu
from pytestqt.qtbot import QtBot

from engine.midi.files import read_clip
from engine.music.pattern import STEPS_PER_BAR, Pattern
from gui.lanes import LANE_H, RULER_H
from gui.mainwindow import MainWindow
from tests.gui.test_arrangement import DRUMS, TUNE, drag, files_in, real


def notes_in(clip: Pattern, first_bar: int, end_bar: int) -> int:
    lo, hi = first_bar * STEPS_PER_BAR, end_bar * STEPS_PER_BAR
    return sum(1 for t in clip.tracks for n in t.notes if lo <= n.start < hi)


def lane_names(window: MainWindow) -> list[str]:
    return [lane.name for lane in window.arrangement.arrangement.lanes]


def test_the_playhead_runs_over_the_lanes_while_the_arrangement_plays(
    qtbot: QtBot, window: MainWindow
) -> None:
    strip, view = window.arrangement, window.arrangement.view
    strip.add(real(DRUMS, 0, 4), "beat")
    strip.scroll_area.widget().resize(view.sizeHint())
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=QPoint(int(view.x_of(1) + 5), 5))  # from bar 2
    assert view.playhead is None
    strip.play_button.click()
    qtbot.waitUntil(lambda: view.playhead is not None and view.playhead > 1.05, timeout=5000)
    first = view.playhead
    qtbot.wait(400)  # 120 BPM: 0.4 s is a fifth of a bar
    assert view.playhead is not None and 1.0 <= first < view.playhead < 4.0
    window.player.stop()
    qtbot.waitUntil(lambda: view.playhead is None, timeout=2000)
    # a clip of its own on the roll moves the roll's playhead, not the lanes'
    window.session.show_clip(real(TUNE, 0, 2), "tune")
    window.play()
    qtbot.wait(300)
    assert window.player.playing and view.playhead is None
    window.player.stop()


def test_lanes_reorder_by_dragging_a_head_or_by_its_menu_and_undo(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch
) -> None:  # noqa: ANN001
    strip, view = window.arrangement, window.arrangement.view
    strip.add(real(DRUMS, 0, 2), "beat")
    strip.scroll_area.widget().resize(view.sizeHint())
    assert lane_names(window) == ["Drums", "Bass", "Lead", "Band"]
    before = files_in(tmp_path / "out")
    drag(qtbot, view, QPoint(30, RULER_H + LANE_H // 2), QPoint(30, int(RULER_H + 2.5 * LANE_H)))
    assert lane_names(window) == ["Bass", "Lead", "Drums", "Band"]
    assert strip.arrangement.lanes[2].names() == ["beat"]  # the clips move with their lane
    assert files_in(tmp_path / "out") == before
    window.session.doc.undo_stack.undo()
    assert lane_names(window) == ["Drums", "Bass", "Lead", "Band"]
    # the head's menu: "Move lane down" on Bass
    shown: list[QMenu] = []
    monkeypatch.setattr(QMenu, "popup", lambda menu, _at: shown.append(menu))
    qtbot.mouseClick(view, Qt.MouseButton.RightButton, pos=QPoint(30, int(RULER_H + 1.5 * LANE_H)))
    actions = {a.text(): a for a in shown[-1].actions()}
    assert actions["Remove lane"].isEnabled()  # Bass is empty: it may go
    actions["Move lane down"].trigger()
    assert lane_names(window) == ["Drums", "Lead", "Bass", "Band"]
    qtbot.mouseClick(view, Qt.MouseButton.RightButton, pos=QPoint(30, RULER_H + LANE_H // 2))
    actions = {a.text(): a for a in shown[-1].actions()}
    assert not actions["Move lane up"].isEnabled() and not actions["Remove lane"].isEnabled()  # holds a clip
    window.session.doc.undo_stack.undo()
    assert lane_names(window) == ["Drums", "Bass", "Lead", "Band"]


def test_trimming_a_clip_by_dragging_its_edges_and_undo(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    strip, view = window.arrangement, window.arrangement.view
    beat = real(DRUMS, 0, 4)
    strip.add(beat, "beat")
    strip.scroll_area.widget().resize(view.sizeHint())
    r = view.clip_rect(0, 0)
    y = int(r.center().y())
    drag(qtbot, view, QPoint(int(r.right() - 2), y), QPoint(int(view.x_of(3)), y))  # right edge to bar 4
    p = strip.arrangement.lanes[0].placements[0]
    assert (p.start_bar, p.end_bar, p.offset_bar, p.length_bars) == (0, 3, 0, 3)
    assert strip.joined().steps == 3 * STEPS_PER_BAR and strip.joined().note_count == notes_in(beat, 0, 3)
    r = view.clip_rect(0, 0)
    drag(qtbot, view, QPoint(int(r.left() + 2), y), QPoint(int(view.x_of(1)), y))  # left edge to bar 2
    p = strip.arrangement.lanes[0].placements[0]
    assert (p.start_bar, p.end_bar, p.offset_bar, p.length_bars) == (1, 3, 1, 2)
    assert strip.joined().note_count == notes_in(beat, 1, 3)
    # dragging past the clip's own end stops at its last bar
    r = view.clip_rect(0, 0)
    drag(qtbot, view, QPoint(int(r.right() - 2), y), QPoint(int(view.x_of(9)), y))
    assert strip.arrangement.lanes[0].placements[0].end_bar == 4
    stack = window.session.doc.undo_stack
    stack.undo()
    assert strip.arrangement.lanes[0].placements[0].end_bar == 3
    stack.undo()
    stack.undo()
    p = strip.arrangement.lanes[0].placements[0]
    assert (p.start_bar, p.bars, p.trimmed) == (0, 4, False)
    # a trim survives the session file
    stack.redo()
    stack.redo()
    assert window.sessions.save_to(tmp_path / "trim.bandmate")
    strip.set_arrangement(type(strip.arrangement)())
    assert window.sessions.open_path(tmp_path / "trim.bandmate")
    p = strip.arrangement.lanes[0].placements[0]
    assert (p.start_bar, p.offset_bar, p.length_bars) == (1, 1, 2)


def test_mute_and_solo_are_heard_and_exported(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch, soundfont
) -> None:  # noqa: ANN001
    strip, view = window.arrangement, window.arrangement.view
    beat, tune = real(DRUMS, 0, 4), real(TUNE, 0, 4, melody_only=True)
    strip.add(beat, "beat")
    strip.add(tune, "tune")
    strip.scroll_area.widget().resize(view.sizeHint())
    lead = strip.arrangement.lane_index("Lead")
    strip.play_button.click()
    assert window.player._pattern.note_count == beat.note_count + tune.note_count
    # solo the Lead lane while it plays: the player gets the tune alone at once
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=view.solo_rect(lead).center().toPoint())
    assert strip.arrangement.lanes[lead].solo and "solo Lead" in strip.summary.text()
    assert window.player.playing and window.player._pattern.note_count == tune.note_count
    window.player.stop()
    # MIDI export through the dialog, and the drag-out: the tune alone, at the transport's tempo
    out = tmp_path / "solo.mid"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(out), "")))
    strip.midi_button.click()
    got = read_clip(out)
    assert got.note_count == tune.note_count and not any(t.is_drum for t in got.tracks)
    dragged = read_clip(strip.drag.mime().urls()[0].toLocalFile())
    assert dragged.note_count == tune.note_count
    # unsolo, mute the drums; export bars 2-3 as WAV: exactly 2 bars at 120 BPM, and the same audio as
    # the tune's bars 2-3 rendered alone
    strip.set_solo(lead, False)
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=view.mute_rect(0).center().toPoint())
    assert strip.arrangement.lanes[0].muted
    drag(qtbot, view, QPoint(int(view.x_of(1) + 5), 5), QPoint(int(view.x_of(2) + 5), 5))
    assert view.range == (1, 3)
    wav_path = tmp_path / "range.wav"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(wav_path), "")))
    strip.wav_button.click()
    qtbot.waitUntil(wav_path.is_file, timeout=20000)
    with wave.open(str(wav_path)) as w:
        rate, frames = w.getframerate(), w.getnframes()
        audio = np.frombuffer(w.readframes(frames), dtype=np.int16).astype(np.float64)
    assert frames == round(2 * 4 * 60 / 120 * rate)
    from synth.fluid_render import render_wav

    alone = render_wav(
        tune.slice(16, 48).at_tempo(120.0), tmp_path / "alone.wav", str(soundfont), whole_bars=True
    )
    with wave.open(str(alone.path)) as w:
        reference = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float64)
    assert np.sqrt(np.mean(audio**2)) > 100  # not silence
    assert np.sqrt(np.mean((audio - reference) ** 2)) < 0.05 * np.sqrt(np.mean(reference**2))
