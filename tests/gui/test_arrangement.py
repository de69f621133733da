"""Arrangement lanes in the window: kept clips land in lanes by kind, a mouse drag reorders without writing
files, every edit (Remove too) undoes, Play starts at the chosen bar, a marked range exports alone, and an
empty arrangement says why Export does nothing."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from engine.midi.files import read_clip
from engine.music.pattern import STEPS_PER_BAR, Pattern
from gui.arrangement import ArrangementStrip
from gui.lanes import HEAD_W, LANE_H, RULER_H
from gui.mainwindow import MainWindow
from tests.conftest import MIDI_DIR
from tests.gui.conftest import make_beat

DRUMS = MIDI_DIR / "drums/zharry29-drums-with-llm/drummer1/session1/101_dance-disco_120_beat_4-4.mid"
TUNE = MIDI_DIR / "folk/jukedeck-nottingham-dataset/reelsa-c35.mid"


def real(path: Path, first: int, count: int, melody_only: bool = False) -> Pattern:
    clip = read_clip(path).slice(first * STEPS_PER_BAR, (first + count) * STEPS_PER_BAR)
    return clip.with_tracks(clip.tracks[:1]) if melody_only else clip


def drag(qtbot: QtBot, widget, start: QPoint, end: QPoint) -> None:  # noqa: ANN001
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=start)
    for i in range(1, 6):
        qtbot.mouseMove(widget, start + (end - start) * i / 5)
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=end)


def centre(strip: ArrangementStrip, lane: int, index: int) -> QPoint:
    return strip.view.clip_rect(lane, index).center().toPoint()


def files_in(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*")) if folder.exists() else []


def test_kept_clips_go_to_lanes_by_kind_and_play_in_parallel(window: MainWindow) -> None:
    beat, tune = real(DRUMS, 0, 2), real(TUNE, 0, 4, melody_only=True)
    window.session.show_clip(beat, "beat")
    window.generate.keep_selected()
    window.session.show_clip(tune, "tune")
    window.generate.keep_selected()
    arr = window.arrangement.arrangement
    assert [lane.names() for lane in arr.lanes if lane.placements] == [["beat"], ["tune"]]
    mixed = window.arrangement.joined()
    assert mixed is not None and mixed.steps == 4 * STEPS_PER_BAR
    assert mixed.note_count == beat.note_count + tune.note_count


def test_dragging_a_clip_before_its_neighbour_reorders_and_writes_no_file(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    strip = window.arrangement
    for i in range(3):
        strip.add(make_beat(i), f"beat {i}")
    strip.scroll_area.widget().resize(strip.view.sizeHint())
    assert strip.arrangement.lanes[0].names() == ["beat 0", "beat 1", "beat 2"]
    out = tmp_path / "out"
    before = files_in(out)
    # grab "beat 2" near its left edge and drop it on bar 1
    r = strip.view.clip_rect(0, 2)
    grab = QPoint(int(r.left() + 6), int(r.center().y()))
    drag(qtbot, strip.view, grab, QPoint(HEAD_W + 6, grab.y()))
    assert strip.arrangement.lanes[0].names() == ["beat 2", "beat 0", "beat 1"]
    assert [p.start_bar for p in strip.arrangement.lanes[0].placements] == [0, 2, 4]
    assert files_in(out) == before, "reordering wrote a file"
    # into the Lead lane at bar 3, then undo both moves, one step each
    r = strip.view.clip_rect(0, 0)
    grab = QPoint(int(r.left() + 6), int(r.center().y()))
    drag(qtbot, strip.view, grab, QPoint(int(strip.view.x_of(2) + 6), int(RULER_H + 2.5 * LANE_H)))
    assert (
        strip.arrangement.lanes[2].names() == ["beat 2"]
        and strip.arrangement.lanes[2].placements[0].start_bar == 2
    )
    window.session.doc.undo_stack.undo()
    assert strip.arrangement.lanes[0].names() == ["beat 2", "beat 0", "beat 1"]
    window.session.doc.undo_stack.undo()
    assert strip.arrangement.lanes[0].names() == ["beat 0", "beat 1", "beat 2"]


def test_remove_is_undone_and_redone(qtbot: QtBot, window: MainWindow) -> None:
    strip = window.arrangement
    strip.add(make_beat(0), "beat 0")
    strip.add(make_beat(1), "beat 1")
    kept = strip.arrangement
    strip.scroll_area.widget().resize(strip.view.sizeHint())
    qtbot.mouseClick(strip.view, Qt.MouseButton.LeftButton, pos=centre(strip, 0, 1))
    strip.remove_button.click()
    assert strip.names() == ["beat 0"]
    window.session.doc.undo_stack.undo()
    assert strip.arrangement == kept and strip.names() == ["beat 0", "beat 1"]
    window.session.doc.undo_stack.redo()
    assert strip.names() == ["beat 0"]
    # Delete with the lanes focused removes the clip, not the roll's selected notes
    window.session.show_clip(make_beat(2), "in the roll")
    window.roll.model.select(set(window.roll.model.notes()))
    notes = window.session.doc.pattern.note_count
    qtbot.mouseClick(strip.view, Qt.MouseButton.LeftButton, pos=centre(strip, 0, 0))
    strip.view.setFocus()
    qtbot.keyClick(strip.view, Qt.Key.Key_Delete)
    assert strip.names() == [] and window.session.doc.pattern.note_count == notes


def test_play_from_a_bar_and_loop_a_range(qtbot: QtBot, window: MainWindow) -> None:
    strip = window.arrangement
    beat, tune = real(DRUMS, 0, 4), real(TUNE, 0, 4, melody_only=True)
    strip.add(beat, "beat")
    strip.add(tune, "tune")
    strip.scroll_area.widget().resize(strip.view.sizeHint())
    view = strip.view
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=QPoint(int(view.x_of(2) + 5), 5))
    assert view.cursor_bar == 2 and "play from bar 3" in strip.summary.text()
    strip.play_button.click()
    playing = window.player._pattern
    assert playing is not None and playing.steps == 2 * STEPS_PER_BAR and window.player.playing
    late = sum(1 for t in (beat, tune) for n in t.tracks[0].notes if n.start >= 2 * STEPS_PER_BAR)
    assert playing.note_count == late
    window.player.stop()
    drag(qtbot, view, QPoint(int(view.x_of(1) + 5), 5), QPoint(int(view.x_of(2) + 5), 5))
    assert view.range == (1, 3) and "range bars 2-3" in strip.summary.text()
    exported: list[tuple[Pattern, str]] = []
    strip.export_requested.disconnect()  # not the window's save dialog
    strip.export_requested.connect(lambda p, kind: exported.append((p, kind)))
    strip.midi_button.click()
    assert exported and exported[0][0].steps == 2 * STEPS_PER_BAR and exported[0][1] == "midi"
    in_range = sum(1 for t in (beat, tune) for n in t.tracks[0].notes if 16 <= n.start < 48)
    assert exported[0][0].note_count == in_range
    drag_data = strip.drag.mime()
    assert drag_data is not None and read_clip(drag_data.urls()[0].toLocalFile()).steps == 2 * STEPS_PER_BAR


def test_mute_a_lane_and_export_an_empty_arrangement_says_why(qtbot: QtBot, window: MainWindow) -> None:
    strip = window.arrangement
    strip.midi_button.click()
    assert "Nothing to export" in window.status_label.text() and "empty" in window.status_label.text()
    strip.add(make_beat(0), "beat")
    strip.scroll_area.widget().resize(strip.view.sizeHint())
    qtbot.mouseClick(strip.view, Qt.MouseButton.LeftButton, pos=strip.view.mute_rect(0).center().toPoint())
    assert strip.arrangement.lanes[0].muted
    strip.wav_button.click()
    assert "Nothing to export" in window.status_label.text()
    window.session.doc.undo_stack.undo()
    assert not strip.arrangement.lanes[0].muted


def test_mid_files_dropped_on_a_lane_land_at_that_bar(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    strip = window.arrangement
    strip.scroll_area.widget().resize(strip.view.sizeHint())
    bad = tmp_path / "broken.mid"
    bad.write_bytes(b"MThd nonsense")
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(p)) for p in (TUNE, bad)])
    at = QPointF(strip.view.x_of(3) + 10, RULER_H + 2.5 * LANE_H)  # the Lead lane, bar 4
    event = QDropEvent(
        at, Qt.DropAction.CopyAction, data, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
    )
    strip.view.dropEvent(event)
    lead = strip.arrangement.lanes[2]
    assert lead.names() == [TUNE.stem] and lead.placements[0].start_bar == 3
    assert lead.placements[0].clip.note_count == read_clip(TUNE).note_count
    assert "broken.mid" in window.status_label.text()
    window.session.doc.undo_stack.undo()
    assert strip.arrangement.is_empty()
