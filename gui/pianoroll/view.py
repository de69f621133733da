# SPDX-License-Identifier: MIT
"""The piano-roll widget: shows a `PianoRollModel` (painted by gui.pianoroll.painter, the clip layer cached
so playhead frames are cheap) and turns mouse and keys into undoable edits.

Click selects, drag moves, double-click adds, right-click or Delete removes, drag in the velocity lane sets
velocity; Ctrl+wheel zooms, wheel and Shift+wheel scroll.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent, QPainter, QPixmap, QResizeEvent, QWheelEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from engine.music.pattern import Note, Pattern
from gui.document import ClipDocument
from gui.pianoroll import commands, painter
from gui.pianoroll.viewmodel import VEL_H, NoteRef, PianoRollModel


class PianoRollView(QWidget):
    """Paints the clip of a `ClipDocument` and edits it through its undo stack.

    Signals:
        selection_changed(int): how many notes are selected.
        viewport_changed(): zoom or scroll changed (for scroll bars).
    """

    selection_changed = Signal(int)
    viewport_changed = Signal()

    def __init__(self, doc: ClipDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.model = PianoRollModel()
        self.active_track = 0
        self._press: QPointF | None = None
        self._drag_note: NoteRef | None = None
        self._drag_to: QPointF | None = None
        self._band: QRectF | None = None
        self._cache: QPixmap | None = None
        self._cache_key: tuple[object, ...] = ()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(400, 220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(False)
        doc.changed.connect(self.show_pattern)
        self.show_pattern(doc.pattern)

    def show_pattern(self, pattern: Pattern) -> None:
        old = self.model.pattern
        kinds = {t.is_drum for t in pattern.tracks}
        fresh = pattern.steps != old.steps or not old.tracks or kinds != {t.is_drum for t in old.tracks}
        self.model.set_pattern(pattern)
        if fresh:
            self.model.fit()
        self.update()
        self.viewport_changed.emit()

    def set_playhead(self, step: float | None) -> None:
        self.model.playhead = step
        self.update()

    # --- painting ------------------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        self.model.set_viewport(self.width(), self.height())
        self.model.fit()
        super().resizeEvent(event)
        self.viewport_changed.emit()

    def paintEvent(self, event: object) -> None:  # noqa: N802 - Qt override
        """The clip layer is cached in a pixmap, so the 30 Hz playhead only costs a blit."""
        m = self.model
        key = (
            m.pattern, m.px_per_step, m.row_h, m.scroll_x, m.scroll_y, m.width, m.height,
            frozenset(m.selection), self._drag_delta(), self.devicePixelRatioF(),
        )  # fmt: skip
        if key != self._cache_key or self._cache is None:
            ratio = self.devicePixelRatioF()
            self._cache = QPixmap(int(m.width * ratio), int(m.height * ratio))
            self._cache.setDevicePixelRatio(ratio)
            layer = QPainter(self._cache)
            self.paint_clip(layer)
            layer.end()
            self._cache_key = key
        canvas = QPainter(self)
        canvas.drawPixmap(0, 0, self._cache)
        painter.paint_overlay(canvas, self.model, self._band)
        canvas.end()

    def paint(self, p: QPainter) -> None:
        """Everything, in z-order, without the cache (benchmarks, images)."""
        self.paint_clip(p)
        painter.paint_overlay(p, self.model, self._band)

    def paint_clip(self, p: QPainter) -> None:
        painter.paint_clip(p, self.model, self._drag_delta())

    def _drag_delta(self) -> tuple[int, int]:
        if self._press is None or self._drag_to is None or self._drag_note is None:
            return 0, 0
        m = self.model
        d = self._drag_to - self._press
        row0, row1 = m.row_at(self._press.y()), m.row_at(self._drag_to.y())
        drow = row1 - row0 if row0 is not None and row1 is not None else 0
        return round(d.x() / m.px_per_step), drow

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        pos = event.position()
        m = self.model
        if pos.y() >= m.grid_bottom:
            self._set_velocity(pos)
            return
        ref = m.hit_test(pos.x(), pos.y())
        if event.button() == Qt.MouseButton.RightButton:
            if ref is not None:
                self.doc.undo_stack.push(
                    commands.delete_notes(self.doc, m.selection if ref in m.selection else [ref])
                )
            return
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        self._press, self._drag_to, self._drag_note = pos, pos, ref
        if ref is not None:
            if ref not in m.selection:
                m.select({ref}, add=shift)
            self.active_track = ref.track
        elif not shift:
            m.select(set())
        self.selection_changed.emit(len(m.selection))
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        pos = event.position()
        if self._press is None:
            if pos.y() >= self.model.grid_bottom and event.buttons():
                self._set_velocity(pos)
            return
        self._drag_to = pos
        if self._drag_note is None:
            self._band = QRectF(self._press, pos).normalized()
            self.model.select_rect(
                self._band.left(), self._band.top(), self._band.right(), self._band.bottom()
            )
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        dstep, drow = self._drag_delta()
        if self._drag_note is not None and (dstep or drow):
            self.move_selection(dstep, drow)
        self._press = self._drag_to = self._drag_note = self._band = None
        self.selection_changed.emit(len(self.model.selection))
        self.update()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        pos = event.position()
        if self.model.hit_test(pos.x(), pos.y()) is None:
            self.add_note_at(pos.x(), pos.y())

    def add_note_at(self, x: float, y: float, length: int = 2) -> NoteRef | None:
        """Add a note in the cell under (x, y) to the active track (or the first that fits the row)."""
        m = self.model
        row, step = m.row_at(y), int(m.step_at(x))
        if row is None or not 0 <= step < m.pattern.steps:
            return None
        track = m.track_for_row(row, self.active_track)
        if track is None:
            return None
        end = min(m.pattern.steps, step + (1 if m.rows[row].drum else length))
        ref = NoteRef(track, Note(m.pitch_for_row(row), step, end, 96))
        self.doc.undo_stack.push(commands.add_note(self.doc, ref))
        m.select({ref})
        return ref

    def move_selection(self, dstep: int, drow: int) -> None:
        m = self.model
        moves = [(ref, m.moved(ref, dstep, drow)) for ref in m.selection]
        valid = [(ref, note) for ref, note in moves if note is not None]
        if valid:
            self.doc.undo_stack.push(commands.move_notes(self.doc, valid))
            m.select({NoteRef(ref.track, note) for ref, note in valid})

    def delete_selection(self) -> None:
        if self.model.selection:
            self.doc.undo_stack.push(commands.delete_notes(self.doc, self.model.selection))

    def _set_velocity(self, pos: QPointF) -> None:
        m = self.model
        hits = [r for r in m.velocity_hit(pos.x()) if not m.selection or r in m.selection] or m.velocity_hit(
            pos.x()
        )
        vel = int(max(1, min(127, 127 * (m.grid_bottom + VEL_H - 2 - pos.y()) / (VEL_H - 6))))
        changed = [(r, Note(r.note.pitch, r.note.start, r.note.end, vel, r.note.offset)) for r in hits]
        changed = [(r, n) for r, n in changed if n != r.note]
        if changed:
            self.doc.undo_stack.push(
                commands.EditNotesCommand(
                    self.doc, [r for r, _ in changed], [NoteRef(r.track, n) for r, n in changed], "velocity"
                )
            )

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        key = event.key()
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_selection()
        elif key == Qt.Key.Key_A and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.model.select(set(self.model.notes()))
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.model.zoom_x(1.25)
        elif key == Qt.Key.Key_Minus:
            self.model.zoom_x(0.8)
        else:
            super().keyPressEvent(event)
            return
        self.update()
        self.viewport_changed.emit()

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt override
        delta = event.angleDelta().y() or event.angleDelta().x()
        mods = event.modifiers()
        if mods & Qt.KeyboardModifier.ControlModifier:
            self.model.zoom_x(1.15 if delta > 0 else 1 / 1.15, event.position().x())
        elif mods & Qt.KeyboardModifier.AltModifier:
            self.model.zoom_y(1.1 if delta > 0 else 1 / 1.1)
        elif mods & Qt.KeyboardModifier.ShiftModifier or event.angleDelta().x():
            self.model.scroll_by(-delta, 0)
        else:
            self.model.scroll_by(0, -delta / 2)
        self.update()
        self.viewport_changed.emit()
