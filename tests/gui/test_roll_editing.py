"""Piano-roll editing as a DAW user expects, on real clips: the right edge changes only the length, one
drag is one undo step, new notes are one grid cell long, velocity for several notes, copy/paste/duplicate,
quantize, the track list's mute and solo change what plays, zoom survives a resize."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from engine.midi.files import read_clip
from engine.music.pattern import Pattern
from gui.document import ClipDocument
from gui.mainwindow import MainWindow
from gui.pianoroll.pane import PianoRollPane
from gui.pianoroll.viewmodel import NoteRef
from tests.conftest import MIDI_DIR
from tests.gui.conftest import make_clip

TUNE = MIDI_DIR / "folk/jukedeck-nottingham-dataset/reelsa-c35.mid"
PLAYED = MIDI_DIR / "drums/zharry29-drums-with-llm/drummer7/session3/65_funk_112_beat_4-4.mid"


def tune() -> Pattern:
    clip = read_clip(TUNE).slice(16, 48)  # bars 2-3 of the reel, its melody
    return clip.with_tracks(clip.tracks[:1])


def pane_with(qtbot: QtBot, pattern: Pattern) -> PianoRollPane:
    doc = ClipDocument()
    pane = PianoRollPane(doc)
    qtbot.addWidget(pane)
    pane.resize(1000, 600)
    pane.show()
    doc.replace(pattern, "clip", undoable=False)
    pane.view.model.fit()
    return pane


def drag(qtbot: QtBot, widget, start: QPoint, end: QPoint, moves: int = 8) -> None:  # noqa: ANN001
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=start)
    for i in range(1, moves + 1):
        qtbot.mouseMove(widget, start + (end - start) * i / moves)
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=end)


def longest(pane: PianoRollPane) -> NoteRef:
    return max(pane.view.model.notes(), key=lambda r: (r.note.duration, -r.note.start))


def test_dragging_the_right_edge_changes_only_the_length_in_one_undo_step(qtbot: QtBot) -> None:
    pane = pane_with(qtbot, tune())
    view, m, stack = pane.view, pane.view.model, pane.view.doc.undo_stack
    ref = longest(pane)
    x, y, w, h = m.note_rect(ref)
    edge = QPoint(int(x + w - 2), int(y + h / 2))
    assert m.edge_hit(edge.x(), edge.y()) == ref
    drag(qtbot, view, edge, edge + QPoint(int(3 * m.px_per_step), 0))
    assert stack.count() == 1, "one drag should be one undo step"
    new = [r for r in m.notes() if r.note.start == ref.note.start and r.note.pitch == ref.note.pitch]
    assert len(new) == 1
    n = new[0].note
    assert (n.start, n.pitch, n.velocity, n.offset) == (
        ref.note.start,
        ref.note.pitch,
        ref.note.velocity,
        ref.note.offset,
    )
    assert n.end == min(m.pattern.steps, ref.note.end + 3)
    assert view.doc.pattern.note_count == tune().note_count
    stack.undo()
    assert view.doc.pattern == tune()


def test_a_move_drag_is_one_undo_step_and_snaps_to_the_grid(qtbot: QtBot) -> None:
    pane = pane_with(qtbot, tune())
    view, m, stack = pane.view, pane.view.model, pane.view.doc.undo_stack
    pane.grid_box.setCurrentText("1/8")
    ref = m.notes()[0]
    x, y, w, h = m.note_rect(ref)
    start = QPoint(int(x + 2), int(y + h / 2))
    drag(qtbot, view, start, start + QPoint(int(4.4 * m.px_per_step), 0), moves=20)
    assert stack.count() == 1
    moved = [r.note for r in m.selection]
    assert len(moved) == 1 and moved[0].start == ref.note.start + 4 and moved[0].pitch == ref.note.pitch


def test_new_notes_take_the_grid_length(qtbot: QtBot) -> None:
    pane = pane_with(qtbot, tune())
    view, m = pane.view, pane.view.model
    pane.grid_box.setCurrentText("1/4")
    row = len(m.rows) - 1  # the lowest row: three below the tune's lowest note, so empty
    pitch = m.rows[row].key
    x = m.x_of(9.5)
    qtbot.mouseDClick(view, Qt.MouseButton.LeftButton, pos=QPoint(int(x), int(m.y_of(row) + m.row_h / 2)))
    added = [r.note for r in m.notes() if r.note.pitch == pitch]
    assert [(n.start, n.duration) for n in added] == [(8, 4)]


def test_velocity_for_several_notes_and_a_lane_drag_is_one_step(qtbot: QtBot) -> None:
    pane = pane_with(qtbot, tune())
    view, m, stack = pane.view, pane.view.model, pane.view.doc.undo_stack
    chosen = set(m.notes()[:4])
    m.select(chosen)
    view.selection_changed.emit(4)
    pane.velocity.setValue(33)
    assert stack.count() == 1
    assert sorted(r.note.velocity for r in m.selection) == [33] * 4
    assert {r.note.velocity for r in m.notes()[4:]} != {33}
    # drag a selected note's bar up in the velocity lane: every selected note goes up by the same amount
    first = min(m.selection, key=lambda r: r.note.start)
    bx = int(m.x_of(first.note.start + first.note.offset) + 1)
    top = m.grid_bottom + 56 - 2 - (56 - 6) * 33 / 127
    drag(qtbot, view, QPoint(bx, int(top)), QPoint(bx, int(top - 20)), moves=10)
    assert stack.count() == 2
    values = sorted(r.note.velocity for r in m.selection)
    assert len(set(values)) == 1 and 75 <= values[0] <= 90
    stack.undo()
    assert sorted(r.note.velocity for r in m.notes() if r.note.velocity == 33) == [33] * 4


def test_copy_paste_duplicate_and_cut(qtbot: QtBot) -> None:
    pane = pane_with(qtbot, tune())
    view, m = pane.view, pane.view.model
    pane.grid_box.setCurrentText("1/4")
    first_beat = [r for r in m.notes() if r.note.start < 4]
    m.select(set(first_beat))
    view.duplicate()
    dup = sorted((r.note.start, r.note.pitch) for r in m.selection)
    assert dup == sorted((r.note.start + 4, r.note.pitch) for r in first_beat)
    m.select(set(first_beat))
    view.copy()
    qtbot.mouseClick(
        view, Qt.MouseButton.LeftButton, pos=QPoint(int(m.x_of(24.5)), int(m.y_of(len(m.rows) - 1) + 2))
    )
    assert view.paste_step == 24
    before = m.pattern.note_count
    qtbot.keyClick(view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    pasted = sorted((r.note.start, r.note.pitch, r.note.duration) for r in m.selection)
    assert pasted == sorted(
        (r.note.start + 24, r.note.pitch, min(r.note.duration, 32 - 24 - r.note.start)) for r in first_beat
    )
    assert m.pattern.note_count == before + len(first_beat)
    view.cut()
    assert m.pattern.note_count == before


def test_quantize_with_strength_on_played_drums(qtbot: QtBot) -> None:
    played = read_clip(PLAYED).slice(0, 32)
    pane = pane_with(qtbot, played)
    view, stack = pane.view, pane.view.doc.undo_stack
    pane.strength.setValue(50)
    pane.quantize_button.click()
    assert stack.count() == 1
    got = sorted((n.pitch, n.start + n.offset) for n in view.doc.pattern.tracks[0].notes)
    want = sorted((n.pitch, n.start + n.offset / 2) for n in played.tracks[0].notes)
    assert all(abs(a[1] - b[1]) < 1e-9 and a[0] == b[0] for a, b in zip(got, want, strict=True))
    pane.strength.setValue(100)
    qtbot.keyClick(view, Qt.Key.Key_Q)
    assert all(n.offset == 0 for n in view.doc.pattern.tracks[0].notes)


def test_track_list_names_programs_and_mute_solo_change_what_plays(window: MainWindow) -> None:
    band = make_clip(2)
    window.session.show_clip(band, "band")
    tracks = window.pane.tracks
    assert tracks.isVisible() and tracks.rowCount() == 3
    assert [tracks.item(i, 1).text() for i in range(3)] == ["drums", "bass", "lead"]
    assert tracks.item(1, 2).text() == "Electric Bass (finger)" and "Drum" in tracks.item(0, 2).text()
    tracks.set_muted(0, True)
    assert [t.name for t in window.player._pattern.tracks] == ["bass", "lead"]
    assert window.roll.model.dimmed == {0}
    tracks.set_solo(2, True)
    assert [t.name for t in window.player._pattern.tracks] == ["lead"]
    tracks.set_solo(2, False)
    tracks.set_muted(0, False)
    assert window.player._pattern is window.session.doc.pattern


def test_zoom_and_scroll_keep_their_place(qtbot: QtBot) -> None:
    pane = pane_with(qtbot, read_clip(TUNE).slice(0, 128))
    view, m = pane.view, pane.view.model
    m.zoom_x(3.0, 400)
    m.scroll_by(120, 40)
    zoom, sx, sy = m.px_per_step, m.scroll_x, m.scroll_y
    pane.resize(1100, 650)
    qtbot.wait(20)
    assert m.px_per_step == zoom and m.scroll_x == sx
    top_before = m.rows[m.row_at(21.0) or 0].key
    view.move_selection(0, 0)
    m.select({m.notes()[5]})
    view.move_selection(2, 0)
    assert m.px_per_step == zoom and m.scroll_x == sx
    assert m.rows[m.row_at(21.0) or 0].key == top_before and abs(m.scroll_y - sy) < m.row_h


def test_notes_paste_between_clips_through_the_system_clipboard(qtbot: QtBot) -> None:
    import json

    from PySide6.QtGui import QGuiApplication

    from gui.pianoroll.clipboard import NOTES_MIME

    band = make_clip(2, seed=4)  # drums, bass, lead
    source = pane_with(qtbot, band)
    bass = [r for r in source.view.model.notes() if r.track == 1 and r.note.start < 16]
    source.view.model.select(set(bass))
    source.view.copy()
    data = QGuiApplication.clipboard().mimeData()
    assert data.hasFormat(NOTES_MIME)
    form = json.loads(data.text())  # the plain-text copy is the same documented JSON
    assert form["format"] == "bandmate-notes" and len(form["notes"]) == len(bass)
    assert form["tracks"][1]["program"] == band.tracks[1].program and form["tracks"][1]["role"] == "bass"
    # another clip (another document, as after opening another session): its one pitched track takes them
    other = pane_with(qtbot, tune())
    before = other.view.doc.pattern.note_count
    other.view.paste_step = 16
    other.view.paste()
    got = sorted((r.note.start, r.note.pitch) for r in other.view.model.selection)
    assert got == sorted((r.note.start - min(r.note.start for r in bass) + 16, r.note.pitch) for r in bass)
    assert other.view.doc.pattern.note_count == before + len(bass)
    # an empty clip gets a bass track like the copied one, and one bar to hold the notes; one undo step
    empty = pane_with(qtbot, Pattern())
    empty.view.paste_step = 0
    empty.view.paste()
    pasted = empty.view.doc.pattern
    assert pasted.note_count == len(bass) and len(pasted.tracks) == 1
    assert pasted.tracks[0].program == band.tracks[1].program and pasted.steps == 16
    empty.view.doc.undo_stack.undo()
    assert empty.view.doc.pattern.note_count == 0
    # text copied elsewhere that is not notes: paste does nothing
    QGuiApplication.clipboard().setText("hello")
    fresh = pane_with(qtbot, tune())
    fresh.view.paste()
    assert fresh.view.doc.undo_stack.count() == 0


def test_copied_notes_paste_into_the_clip_of_another_session(window: MainWindow, tmp_path) -> None:  # noqa: ANN001
    window.session.show_clip(tune(), "first tune")
    assert window.sessions.save_to(tmp_path / "first.bandmate")
    window.session.show_clip(make_clip(2, seed=7), "band")
    m = window.roll.model
    drums = [r for r in m.notes() if r.track == 0]
    m.select(set(drums))
    window.roll.copy()
    window.sessions.forget_changes()
    assert window.sessions.open_path(tmp_path / "first.bandmate")
    assert window.session.doc.name == "first tune" and not any(
        t.is_drum for t in window.session.doc.pattern.tracks
    )
    window.roll.paste_step = 0
    window.roll.paste()
    pattern = window.session.doc.pattern
    assert any(t.is_drum for t in pattern.tracks)  # a drum track was added for the hits
    assert sum(len(t.notes) for t in pattern.tracks if t.is_drum) == len(drums)


def test_a_recorded_line_becomes_the_bass_by_its_program(window: MainWindow) -> None:
    """A one-track take shows its track list; picking Electric Bass (finger) in the Program menu is one
    undo step, makes it the bass part, and keeping it puts it in the Bass lane."""
    take = tune()
    window.session.show_clip(take, "recorded take")
    tracks = window.pane.tracks
    assert tracks.isVisible() and tracks.item(0, 2).text() == "Acoustic Grand Piano"
    menu = tracks.program_menu(0)
    bass = next(a for a in menu.actions() if a.text() == "Bass").menu()
    next(a for a in bass.actions() if a.text() == "34 Electric Bass (finger)").trigger()
    track = window.session.doc.pattern.tracks[0]
    assert track.program == 33 and track.role.value == "bass" and track.notes == take.tracks[0].notes
    assert tracks.item(0, 2).text() == "Electric Bass (finger)"
    window.generate.keep_selected()
    arr = window.arrangement.arrangement
    assert arr.lanes[arr.lane_index("Bass")].names() == ["recorded take"]
    window.session.doc.undo_stack.undo()  # the keep
    window.session.doc.undo_stack.undo()  # the program
    assert window.session.doc.pattern.tracks[0].program == take.tracks[0].program
    window.session.show_clip(read_clip(PLAYED).slice(0, 32), "beat")  # a lone drum track: no list
    assert not tracks.isVisible()
    drums = tracks.program_menu(0)
    assert [a.isEnabled() for a in drums.actions()] == [False]
