"""The piano-roll widget: shows a `PianoRollModel` (painted by gui.pianoroll.painter, the clip layer cached
so playhead frames are cheap) and turns mouse and keys into undoable edits, one undo step per gesture.

Click selects, drag moves (snapped to the grid), drag a note's right edge to change its length,
double-click adds a note one grid cell long, right-click or Delete removes; drag in the velocity lane sets
velocity (on a selected note: shifts every selected note). Ctrl+C/X/V/D copy, cut, paste (at the last
clicked step) and duplicate, through the system clipboard too (gui.pianoroll.clipboard: notes paste
into another clip, session or window); Q quantizes. Ctrl+wheel zooms, wheel and Shift+wheel scroll.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QGuiApplication,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPixmap,
    QResizeEvent,
    QUndoCommand,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from engine.music.pattern import Note, Pattern
from gui.document import ClipDocument
from gui.pianoroll import clipboard, commands, edits, painter
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
        self.new_velocity = 96
        self.quantize_strength = 1.0
        self.clipboard: edits.Clip | None = None
        self.paste_step = 0
        self._resizing = False
        self._velocity: _VelocityDrag | None = None
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
        if self.model.auto_fit:  # until the user zooms or scrolls; after that the view keeps its place
            self.model.fit()
        super().resizeEvent(event)
        self.viewport_changed.emit()

    def paintEvent(self, event: object) -> None:  # noqa: N802 - Qt override
        """The clip layer is cached in a pixmap, so the 30 Hz playhead only costs a blit."""
        m = self.model
        key = (
            m.pattern, m.px_per_step, m.row_h, m.scroll_x, m.scroll_y, m.width, m.height,
            frozenset(m.selection), self._drag_delta(), m.resize_by, frozenset(m.dimmed),
            self.devicePixelRatioF(),
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
        if self._press is None or self._drag_to is None or self._drag_note is None or self._resizing:
            return 0, 0
        m = self.model
        d = self._drag_to - self._press
        row0, row1 = m.row_at(self._press.y()), m.row_at(self._drag_to.y())
        drow = row1 - row0 if row0 is not None and row1 is not None else 0
        return round(d.x() / m.px_per_step / m.grid) * m.grid, drow

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        pos = event.position()
        m = self.model
        if pos.y() >= m.grid_bottom:
            self._begin_velocity(pos)
            return
        edge = m.edge_hit(pos.x(), pos.y())
        ref = edge or m.hit_test(pos.x(), pos.y())
        if event.button() == Qt.MouseButton.RightButton:
            if ref is not None:
                self.doc.undo_stack.push(
                    commands.delete_notes(self.doc, m.selection if ref in m.selection else [ref])
                )
            return
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        self._press, self._drag_to, self._drag_note = pos, pos, ref
        self._resizing = edge is not None
        if ref is not None:
            if ref not in m.selection:
                m.select({ref}, add=shift)
            self.active_track = ref.track
        else:
            if not shift:
                m.select(set())
            step = m.step_at(pos.x())
            if 0 <= step < m.pattern.steps:
                self.paste_step = int(step) // m.grid * m.grid
        self.selection_changed.emit(len(m.selection))
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        pos = event.position()
        if self._velocity is not None:
            self._drag_velocity(pos)
            return
        if self._press is None:
            return
        self._drag_to = pos
        if self._drag_note is None:
            self._band = QRectF(self._press, pos).normalized()
            self.model.select_rect(
                self._band.left(), self._band.top(), self._band.right(), self._band.bottom()
            )
        elif self._resizing:
            self.model.resize_by = round((pos.x() - self._press.x()) / self.model.px_per_step)
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self._velocity is not None:
            self._end_velocity()
        elif self._resizing:
            dlen, self.model.resize_by = self.model.resize_by, 0
            if dlen:
                self.resize_selection(dlen)
        else:
            dstep, drow = self._drag_delta()
            if self._drag_note is not None and (dstep or drow):
                self.move_selection(dstep, drow)
        self._press = self._drag_to = self._drag_note = self._band = None
        self._resizing = False
        self.selection_changed.emit(len(self.model.selection))
        self.update()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        pos = event.position()
        if pos.y() < self.model.grid_bottom and self.model.hit_test(pos.x(), pos.y()) is None:
            self.add_note_at(pos.x(), pos.y())

    # --- edits (each one undo step) ----------------------------------------------------------------
    def _push(self, command: QUndoCommand | None, select: set[NoteRef]) -> None:
        if command is not None:
            self.doc.undo_stack.push(command)
            self.model.select(select)
            self.selection_changed.emit(len(select))
            self.update()

    def add_note_at(self, x: float, y: float, length: int | None = None) -> NoteRef | None:
        """Add a note in the grid cell under (x, y) to the active track (or the first that fits the row);
        it is `length` steps long, by default one grid cell."""
        m = self.model
        row, step = m.row_at(y), int(m.step_at(x))
        if row is None or not 0 <= step < m.pattern.steps:
            return None
        track = m.track_for_row(row, self.active_track)
        if track is None:
            return None
        step = step // m.grid * m.grid
        end = min(m.pattern.steps, step + (1 if m.rows[row].drum else (length or m.grid)))
        ref = NoteRef(track, Note(m.pitch_for_row(row), step, end, self.new_velocity))
        self._push(commands.add_note(self.doc, ref), {ref})
        return ref

    def move_selection(self, dstep: int, drow: int) -> None:
        m = self.model
        moves = [(ref, m.moved(ref, dstep, drow)) for ref in m.selection]
        valid = [(ref, note) for ref, note in moves if note is not None]
        if valid:
            self._push(
                commands.move_notes(self.doc, valid), {NoteRef(ref.track, note) for ref, note in valid}
            )

    def resize_selection(self, dlen: int) -> None:
        """Every selected pitched note `dlen` steps longer (shorter when negative), one undo step."""
        m = self.model
        refs = [r for r in m.selection if not m.pattern.tracks[r.track].is_drum]
        self._push(*edits.changes(refs, [m.resized(r, dlen) for r in refs], self.doc, "change length"))

    def set_velocity(self, value: int) -> None:
        """Every selected note gets velocity `value` (1..127), one undo step."""
        refs = list(self.model.selection)
        self._push(*edits.changes(refs, edits.velocity_values(refs, value), self.doc, "velocity"))

    def quantize(self, strength: float = 1.0) -> None:
        """The selected notes (all when none is selected) quantized to the grid, one undo step."""
        m = self.model
        refs = list(m.selection) or m.notes()
        new = edits.quantized(refs, m.grid, strength, m.pattern.steps)
        self._push(*edits.changes(refs, new, self.doc, f"quantize {len(refs)} note(s)"))

    def delete_selection(self) -> None:
        if self.model.selection:
            self.doc.undo_stack.push(commands.delete_notes(self.doc, self.model.selection))

    def copy(self) -> None:
        """The selected notes onto the clipboard: this view's and the system's (gui.pianoroll.clipboard),
        so they paste into another clip, session or Bandmate window."""
        self.clipboard = edits.Clip.of(self.model.selection, self.model.grid, self.model.pattern.tracks)
        if self.clipboard is not None:
            QGuiApplication.clipboard().setMimeData(clipboard.clip_mime(self.clipboard))
            self.paste_step = min(
                self.model.pattern.steps - 1,
                min(r.note.start for r in self.model.selection) + self.clipboard.span,
            )

    def cut(self) -> None:
        self.copy()
        self.delete_selection()

    def paste(self) -> None:
        """The clipboard at `paste_step` (the last clicked empty step, or just after what was copied): the
        system clipboard's notes when it holds some (copied here, in another clip or window), else this
        view's own copy."""
        system = clipboard.clip_of_mime(QGuiApplication.clipboard().mimeData())
        if system is not None:
            self.clipboard = system
        if self.clipboard is not None:
            self._push(*edits.paste(self.doc, self.clipboard, self.paste_step, self.active_track))
            self.paste_step = min(self.model.pattern.steps - 1, self.paste_step + self.clipboard.span)

    def duplicate(self) -> None:
        """A copy of the selection right after it (its span rounded up to the grid)."""
        sel = self.model.selection
        clip = edits.Clip.of(sel, self.model.grid, self.model.pattern.tracks)
        if clip is not None:
            at = min(r.note.start for r in sel) // self.model.grid * self.model.grid + clip.span
            self._push(*edits.paste(self.doc, clip, at, self.active_track, "duplicate"))

    # --- velocity lane: live while dragging, one undo step on release ---------------------------------
    def _lane_value(self, pos: QPointF) -> int:
        m = self.model
        return int(max(1, min(127, 127 * (m.grid_bottom + VEL_H - 2 - pos.y()) / (VEL_H - 6))))

    def _begin_velocity(self, pos: QPointF) -> None:
        """On a selected note's bar: the drag shifts every selected note; elsewhere it paints the value
        onto the notes under the pointer."""
        m = self.model
        relative = any(r in m.selection for r in m.velocity_hit(pos.x()))
        self._velocity = _VelocityDrag(m.pattern, pos.y(), relative, set(m.selection))
        if relative:
            self._velocity.values = {r: r.note.velocity for r in m.selection}
        self._drag_velocity(pos)

    def _drag_velocity(self, pos: QPointF) -> None:
        g, m = self._velocity, self.model
        assert g is not None
        if g.relative:
            shift = round(127 * (g.y0 - pos.y()) / (VEL_H - 6))
            g.values = {r: max(1, min(127, r.note.velocity + shift)) for r in g.values}
        else:
            step = int(m.step_at(pos.x()))
            value = self._lane_value(pos)
            for i, t in enumerate(g.before.tracks):
                for n in t.notes:
                    if n.start == step:
                        g.values[NoteRef(i, n)] = value
        old, new = g.edit()
        self.doc.set_pattern(commands.edit_notes(g.before, old, new))
        m.select({n for o, n in zip(old, new, strict=True) if o in g.selected} | (g.selected - set(old)))
        self.update()

    def _end_velocity(self) -> None:
        g, self._velocity = self._velocity, None
        assert g is not None
        old, new = g.edit()
        chosen = set(self.model.selection)
        self.doc.set_pattern(g.before)
        if old:
            self.doc.undo_stack.push(commands.EditNotesCommand(self.doc, old, new, "velocity"))
        self.model.select(chosen)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        key, ctrl = event.key(), bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        actions = {
            (Qt.Key.Key_Delete, False): self.delete_selection,
            (Qt.Key.Key_Backspace, False): self.delete_selection,
            (Qt.Key.Key_A, True): lambda: self.model.select(set(self.model.notes())),
            (Qt.Key.Key_C, True): self.copy,
            (Qt.Key.Key_X, True): self.cut,
            (Qt.Key.Key_V, True): self.paste,
            (Qt.Key.Key_D, True): self.duplicate,
            (Qt.Key.Key_Q, False): lambda: self.quantize(self.quantize_strength),
            (Qt.Key.Key_Plus, False): lambda: self.model.zoom_x(1.25),
            (Qt.Key.Key_Equal, False): lambda: self.model.zoom_x(1.25),
            (Qt.Key.Key_Minus, False): lambda: self.model.zoom_x(0.8),
        }
        action = actions.get((Qt.Key(key), ctrl))
        if action is None:
            super().keyPressEvent(event)
            return
        action()
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


@dataclass(slots=True)
class _VelocityDrag:
    """One drag in the velocity lane: the clip before it and the new velocity of each touched note."""

    before: Pattern
    y0: float
    relative: bool
    selected: set[NoteRef]
    values: dict[NoteRef, int] = field(default_factory=dict)

    def edit(self) -> tuple[list[NoteRef], list[NoteRef]]:
        """(old refs, new refs) of the notes whose velocity changed."""
        pairs = [
            (r, NoteRef(r.track, dataclasses.replace(r.note, velocity=v))) for r, v in self.values.items()
        ]
        pairs = [(o, n) for o, n in pairs if o != n]
        return [o for o, _ in pairs], [n for _, n in pairs]
