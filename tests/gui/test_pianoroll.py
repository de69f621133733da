"""Piano roll: geometry and selection in the view model, undoable edits, mouse editing, painting."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from pytestqt.qtbot import QtBot

from engine.music.pattern import Note, Pattern, Role, Track
from gui.document import ClipDocument
from gui.pianoroll import commands
from gui.pianoroll.view import PianoRollView
from gui.pianoroll.viewmodel import DRUM_LANES, KEYS_W, RULER_H, NoteRef, PianoRollModel, drum_lane
from tests.gui.conftest import make_clip


def _model(pattern: Pattern, w: int = 800, h: int = 500) -> PianoRollModel:
    m = PianoRollModel()
    m.set_viewport(w, h)
    m.set_pattern(pattern)
    m.fit()
    return m


def _centre(m: PianoRollModel, ref: NoteRef) -> QPoint:
    x, y, w, h = m.note_rect(ref)
    return QPoint(int(x + min(w, m.px_per_step) / 2), int(y + h / 2))


def test_rows_put_drum_lanes_first_then_pitches_high_to_low(clip: Pattern) -> None:
    m = _model(clip)
    drums = [r for r in m.rows if r.drum]
    assert [r.label for r in drums] == [name for name, _ in DRUM_LANES]
    pitched = [r.key for r in m.rows if not r.drum]
    assert pitched == sorted(pitched, reverse=True)
    lead = [n.pitch for n in clip.tracks[2].notes]
    assert min(pitched) < min(lead) and max(pitched) > max(lead)
    assert drum_lane(36) == 0 and drum_lane(38) == 1 and drum_lane(42) == 2


def test_hit_test_finds_each_note_at_its_rectangle(clip: Pattern) -> None:
    m = _model(clip)
    for ref in m.notes()[::7]:
        p = _centre(m, ref)
        hit = m.hit_test(p.x(), p.y())
        assert hit is not None and hit.note.start == ref.note.start and m.row_of(hit) == m.row_of(ref)
    assert m.hit_test(KEYS_W - 5, RULER_H + 5) is None


def test_zoom_keeps_anchor_step_and_scroll_is_clamped(clip: Pattern) -> None:
    m = _model(make_clip(8))
    anchor = 400.0
    before = m.step_at(anchor)
    m.zoom_x(2.0, anchor)
    assert abs(m.step_at(anchor) - before) < 1e-6
    m.scroll_by(1e6, 1e6)
    assert m.scroll_x == m.content_width - (m.width - KEYS_W)
    m.scroll_by(-1e7, -1e7)
    assert m.scroll_x == 0 and m.scroll_y == 0


def test_select_rect_and_selection_survives_only_for_existing_notes(clip: Pattern) -> None:
    m = _model(clip)
    m.select_rect(KEYS_W, RULER_H, m.x_of(4) - 1, m.grid_bottom - 1)
    assert m.selection and all(r.note.start < 4 for r in m.selection)
    m.set_pattern(clip.with_tracks([clip.tracks[0]]))
    assert all(r.track == 0 for r in m.selection)


def test_edit_commands_apply_and_undo() -> None:
    doc = ClipDocument(make_clip())
    original = doc.pattern
    lead = NoteRef(2, original.tracks[2].notes[0])
    moved = Note(lead.note.pitch + 2, lead.note.start + 1, lead.note.end + 1, lead.note.velocity)
    doc.undo_stack.push(commands.move_notes(doc, [(lead, moved)]))
    assert moved in doc.pattern.tracks[2].notes and lead.note not in doc.pattern.tracks[2].notes
    doc.undo_stack.push(commands.delete_notes(doc, [NoteRef(2, moved)]))
    assert doc.pattern.note_count == original.note_count - 1
    doc.undo_stack.push(commands.add_note(doc, NoteRef(1, Note(40, 5, 7, 80))))
    assert Note(40, 5, 7, 80) in doc.pattern.tracks[1].notes
    for _ in range(3):
        doc.undo_stack.undo()
    assert doc.pattern == original


def test_mouse_drag_moves_a_note_and_undo_restores(qtbot: QtBot) -> None:
    doc = ClipDocument(make_clip())
    view = PianoRollView(doc)
    qtbot.addWidget(view)
    view.resize(900, 520)
    view.show()
    qtbot.waitExposed(view)
    m = view.model
    ref = NoteRef(2, doc.pattern.tracks[2].notes[3])
    start = _centre(m, ref)
    target = QPoint(int(start.x() + 2 * m.px_per_step), start.y())
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(view, target)
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=target)
    starts = [n.start for n in doc.pattern.tracks[2].notes if n.pitch == ref.note.pitch]
    assert ref.note.start + 2 in starts
    doc.undo_stack.undo()
    assert ref.note in doc.pattern.tracks[2].notes


def test_double_click_adds_and_delete_key_removes(qtbot: QtBot) -> None:
    doc = ClipDocument(make_clip())
    view = PianoRollView(doc)
    qtbot.addWidget(view)
    view.resize(900, 520)
    view.show()
    qtbot.waitExposed(view)
    m = view.model
    kick_lane = next(i for i, r in enumerate(m.rows) if r.drum and r.label == "Crash")
    pos = QPoint(int(m.x_of(3) + 2), int(m.y_of(kick_lane) + m.row_height(kick_lane) / 2))
    count = doc.pattern.note_count
    qtbot.mouseDClick(view, Qt.MouseButton.LeftButton, pos=pos)
    assert doc.pattern.note_count == count + 1
    assert Note(49, 3, 4, 96) in doc.pattern.tracks[0].notes
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=pos)
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert doc.pattern.note_count == count


def test_velocity_lane_drag_sets_velocity(qtbot: QtBot) -> None:
    doc = ClipDocument(Pattern((Track((Note(60, 0, 4, 40),), 0, False, Role.LEAD),), 16))
    view = PianoRollView(doc)
    qtbot.addWidget(view)
    view.resize(700, 400)
    view.show()
    m = view.model
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=QPoint(int(m.x_of(0) + 2), int(m.grid_bottom + 6)))
    assert doc.pattern.tracks[0].notes[0].velocity > 110


def test_paint_shows_tracks_in_their_colours_and_the_playhead(clip: Pattern) -> None:
    doc = ClipDocument(clip)
    view = PianoRollView(doc)
    view.model.set_viewport(800, 500)
    view.model.fit()
    view.set_playhead(8.0)
    image = QImage(800, 500, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    view.paint(painter)
    painter.end()
    m = view.model
    for track in (0, 1, 2):
        ref = NoteRef(track, clip.tracks[track].notes[0])
        x, y, w, h = m.note_rect(ref)
        pixel = image.pixelColor(int(x + 3), int(y + h / 2))
        assert pixel.saturation() > 60, f"track {track} note is not painted in colour"
    assert image.pixelColor(int(m.x_of(8.0)), 5) == QColor("#7cff6b")


def test_bar_lines_follow_the_clips_meter() -> None:
    from engine.music.pattern import Meter

    chord = Track(tuple(Note(p, 0, 6, 80) for p in (60, 64, 67)), 0)
    waltz = Pattern((chord,), 12 * 4, 120.0, Meter(3, 4))
    m = _model(waltz)
    bars = [m.step_at(x) for x, is_bar in m.bar_lines() if is_bar]
    assert [round(b) for b in bars] == [0, 12, 24, 36, 48]
    assert m.bar_number(13) == 2 and m.bar_number(47) == 4
    jig = Pattern((chord,), 12 * 2, 120.0, Meter(6, 8))
    six = _model(jig)
    beats = [round(six.step_at(x)) for x, _ in six.bar_lines()]
    assert beats == [0, 6, 12, 18, 24]  # dotted quarters
    seven = _model(Pattern((chord,), 14 * 2, 120.0, Meter(7, 8)))
    assert [round(seven.step_at(x)) for x, b in seven.bar_lines() if b] == [0, 14, 28]
