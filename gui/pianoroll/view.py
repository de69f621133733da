# SPDX-License-Identifier: MIT
"""The piano-roll widget: paints a `PianoRollModel` and turns mouse and keys into undoable edits.

Click selects, drag moves, double-click adds, right-click or Delete removes, drag in the velocity lane sets
velocity; Ctrl+wheel zooms, wheel and Shift+wheel scroll.
"""

from __future__ import annotations

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPen, QPixmap, QResizeEvent, QWheelEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from engine.pattern import STEPS_PER_BAR, Note, Pattern
from gui.document import ClipDocument
from gui.pianoroll import commands
from gui.pianoroll.viewmodel import KEYS_W, RULER_H, VEL_H, NoteRef, PianoRollModel

TRACK_COLOURS = ("#f2a541", "#4fb0c6", "#9c6ade", "#e0607e", "#6cc570", "#e8d25a", "#5a7de8", "#c98a5e")
DRUM_COLOUR = "#ef6f51"
EMPTY_HINT = (
    "Pick a model, then Generate (Ctrl+G), or open a MIDI clip (Ctrl+O).\n"
    "Double-click to add a note, drag to move, right-click or Delete to remove, Ctrl+wheel to zoom."
)
BG, ROW_ALT, BLACK_KEY, GRID, BAR, TEXT = "#1e2126", "#23272d", "#191c20", "#2f343b", "#5a616b", "#c9ced6"


def track_colour(pattern: Pattern, index: int) -> QColor:
    track = pattern.tracks[index]
    return QColor(DRUM_COLOUR if track.is_drum else TRACK_COLOURS[index % len(TRACK_COLOURS)])


def velocity_colour(base: QColor, velocity: int) -> QColor:
    """Louder notes are brighter and more opaque."""
    c = QColor(base)
    c.setAlphaF(0.35 + 0.65 * velocity / 127)
    return c


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
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._cache)
        self._paint_overlay(painter)
        painter.end()

    def paint(self, p: QPainter) -> None:
        """Everything, in z-order, without the cache (benchmarks, images)."""
        self.paint_clip(p)
        self._paint_overlay(p)

    def paint_clip(self, p: QPainter) -> None:
        """The clip layer: rows, grid, notes, keys, ruler, velocity lane."""
        m = self.model
        p.fillRect(0, 0, m.width, m.height, QColor(BG))
        p.setClipRect(QRectF(KEYS_W, RULER_H, m.width - KEYS_W, m.grid_bottom - RULER_H))
        self._paint_rows(p)
        self._paint_grid(p, RULER_H, m.grid_bottom)
        self._paint_notes(p)
        p.setClipRect(QRectF(0, 0, m.width, m.height))
        self._paint_keys(p)
        self._paint_ruler(p)
        self._paint_velocity(p)

    def _paint_rows(self, p: QPainter) -> None:
        m = self.model
        for i, row in enumerate(m.rows):
            y, h = m.y_of(i), m.row_height(i)
            if y > m.grid_bottom or y + h < RULER_H:
                continue
            black = not row.drum and row.key % 12 in (1, 3, 6, 8, 10)
            colour = BLACK_KEY if black else (ROW_ALT if (row.drum and i % 2) else BG)
            p.fillRect(QRectF(KEYS_W, y, m.width - KEYS_W, h), QColor(colour))
            if row.drum != m.rows[min(i + 1, len(m.rows) - 1)].drum:
                p.setPen(QPen(QColor(BAR), 2))
                p.drawLine(QPointF(0, y + h), QPointF(m.width, y + h))

    def _paint_grid(self, p: QPainter, top: float, bottom: float) -> None:
        m = self.model
        if m.px_per_step >= 6:
            p.setPen(QPen(QColor(GRID).darker(115), 1))
            first, last = int(max(0, m.step_at(KEYS_W))), int(min(m.pattern.steps, m.step_at(m.width) + 1))
            for s in range(first, last + 1):
                p.drawLine(QPointF(m.x_of(s), top), QPointF(m.x_of(s), bottom))
        for x, is_bar in m.bar_lines():
            p.setPen(QPen(QColor(BAR if is_bar else GRID), 1.5 if is_bar else 1))
            p.drawLine(QPointF(x, top), QPointF(x, bottom))

    def _paint_notes(self, p: QPainter) -> None:
        """Notes batched by (track, loudness level): one drawRects call per batch keeps big clips fast."""
        m = self.model
        dx, drow = self._drag_delta()
        batches: dict[tuple[int, int], list[QRectF]] = {}
        selected: list[QRectF] = []
        sel = m.selection
        for ref in m.notes():
            x, y, w, h = m.note_rect(ref)
            if x > m.width or x + w < KEYS_W:
                continue
            if sel and ref in sel:
                moved = m.moved(ref, dx, drow) if (dx or drow) else None
                if moved is not None:
                    x, y, w, h = m.note_rect(NoteRef(ref.track, moved))
                selected.append(QRectF(x, y, w, h))
            batches.setdefault((ref.track, ref.note.velocity >> 3), []).append(QRectF(x, y, w, h))
        colours = [track_colour(m.pattern, i) for i in range(len(m.pattern.tracks))]
        for (track, level), rects in batches.items():
            p.setPen(QPen(colours[track].darker(160), 1))
            p.setBrush(velocity_colour(colours[track], level * 8 + 4))
            p.drawRects(rects)
        if selected:
            p.setPen(QPen(QColor("#ffffff"), 1.5))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRects(selected)

    def _paint_keys(self, p: QPainter) -> None:
        m = self.model
        p.fillRect(QRectF(0, RULER_H, KEYS_W, m.grid_bottom - RULER_H), QColor("#15171a"))
        p.setClipRect(QRectF(0, RULER_H, KEYS_W, m.grid_bottom - RULER_H))
        font = p.font()
        font.setPixelSize(10)
        p.setFont(font)
        for i, row in enumerate(m.rows):
            y, h = m.y_of(i), m.row_height(i)
            if row.drum or row.key % 12 == 0 or m.row_h >= 14:
                p.setPen(QColor(TEXT if row.drum or row.key % 12 == 0 else "#7d848d"))
                p.drawText(QRectF(4, y + h / 2 - 7, KEYS_W - 8, 14), Qt.AlignmentFlag.AlignVCenter, row.label)
        p.setClipRect(QRectF(0, 0, m.width, m.height))

    def _paint_ruler(self, p: QPainter) -> None:
        m = self.model
        p.fillRect(QRectF(0, 0, m.width, RULER_H), QColor("#15171a"))
        p.setPen(QColor(TEXT))
        for x, is_bar in m.bar_lines():
            if is_bar and x >= KEYS_W:
                bar = round(m.step_at(x)) // STEPS_PER_BAR + 1
                p.drawText(QRectF(x + 3, 0, 40, RULER_H), Qt.AlignmentFlag.AlignVCenter, str(bar))
        p.drawText(QRectF(4, 0, KEYS_W, RULER_H), Qt.AlignmentFlag.AlignVCenter, "bar")

    def _paint_velocity(self, p: QPainter) -> None:
        m = self.model
        top = m.grid_bottom
        p.fillRect(QRectF(0, top, m.width, VEL_H), QColor("#17191d"))
        p.setPen(QColor("#7d848d"))
        p.drawText(QRectF(4, top, KEYS_W, VEL_H), Qt.AlignmentFlag.AlignVCenter, "velocity")
        p.setClipRect(QRectF(KEYS_W, top, m.width - KEYS_W, VEL_H))
        self._paint_grid(p, top, top + VEL_H)
        base = top + VEL_H - 2
        lines: dict[int, list[QLineF]] = {}
        sel = m.selection
        for ref in m.notes():
            x = m.x_of(ref.note.start + ref.note.offset) + 1
            if KEYS_W <= x <= m.width:
                key = -1 if sel and ref in sel else ref.track
                lines.setdefault(key, []).append(
                    QLineF(x, base, x, base - (VEL_H - 6) * ref.note.velocity / 127)
                )
        for key, batch in lines.items():
            colour = QColor("#ffffff") if key < 0 else track_colour(m.pattern, key)
            p.setPen(QPen(colour, 2))
            p.drawLines(batch)
            p.setPen(QPen(colour, 5, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
            p.drawPoints([ln.p2() for ln in batch])
        p.setClipRect(QRectF(0, 0, m.width, m.height))

    def _paint_overlay(self, p: QPainter) -> None:
        m = self.model
        if not m.pattern.note_count:
            p.setPen(QColor("#7d848d"))
            area = QRectF(KEYS_W, RULER_H, m.width - KEYS_W, m.grid_bottom - RULER_H)
            p.drawText(area, Qt.AlignmentFlag.AlignCenter, EMPTY_HINT)
        if m.playhead is not None:
            x = m.x_of(m.playhead)
            if x >= KEYS_W:
                p.setPen(QPen(QColor("#7cff6b"), 2))
                p.drawLine(QPointF(x, 0), QPointF(x, m.height))
        if self._band is not None:
            p.setPen(QPen(QColor("#ffffff"), 1, Qt.PenStyle.DashLine))
            p.setBrush(QColor(255, 255, 255, 30))
            p.drawRect(self._band)

    # --- editing -------------------------------------------------------------------------------
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
