# SPDX-License-Identifier: MIT
"""Painting a piano roll: the clip layer (rows, grid, notes, keys, ruler, velocity lane) and the overlay
(playhead, rubber band) from a `PianoRollModel`, onto any QPainter (widget, pixmap cache, QImage)."""

from __future__ import annotations

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from engine.music.pattern import Pattern
from gui.pianoroll.viewmodel import KEYS_W, RULER_H, VEL_H, NoteRef, PianoRollModel

TRACK_COLOURS = ("#f2a541", "#4fb0c6", "#9c6ade", "#e0607e", "#6cc570", "#e8d25a", "#5a7de8", "#c98a5e")
DRUM_COLOUR = "#ef6f51"
EMPTY_HINT = (
    "Pick a model, then Generate (Ctrl+G), or open a MIDI clip (Ctrl+O).\n"
    "Double-click to add a note, drag to move, drag its right edge to lengthen,\n"
    "right-click removes, Ctrl+C/X/V/D copy, cut, paste, duplicate, Q quantizes, Ctrl+wheel zooms."
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


def paint_clip(p: QPainter, m: PianoRollModel, drag: tuple[int, int] = (0, 0)) -> None:
    """The clip layer: rows, grid, notes, keys, ruler, velocity lane."""
    p.fillRect(0, 0, m.width, m.height, QColor(BG))
    p.setClipRect(QRectF(KEYS_W, RULER_H, m.width - KEYS_W, m.grid_bottom - RULER_H))
    _paint_rows(p, m)
    _paint_grid(p, m, RULER_H, m.grid_bottom)
    _paint_notes(p, m, drag)
    p.setClipRect(QRectF(0, 0, m.width, m.height))
    _paint_keys(p, m)
    _paint_ruler(p, m)
    _paint_velocity(p, m)


def _paint_rows(p: QPainter, m: PianoRollModel) -> None:
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


def _paint_grid(p: QPainter, m: PianoRollModel, top: float, bottom: float) -> None:
    if m.px_per_step >= 6:
        p.setPen(QPen(QColor(GRID).darker(115), 1))
        first, last = int(max(0, m.step_at(KEYS_W))), int(min(m.pattern.steps, m.step_at(m.width) + 1))
        for s in range(first, last + 1):
            p.drawLine(QPointF(m.x_of(s), top), QPointF(m.x_of(s), bottom))
    for x, is_bar in m.bar_lines():
        p.setPen(QPen(QColor(BAR if is_bar else GRID), 1.5 if is_bar else 1))
        p.drawLine(QPointF(x, top), QPointF(x, bottom))


def _paint_notes(p: QPainter, m: PianoRollModel, drag: tuple[int, int]) -> None:
    """Notes batched by (track, loudness level): one drawRects call per batch keeps big clips fast."""
    dx, drow = drag
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
        fill = velocity_colour(colours[track], level * 8 + 4)
        if track in m.dimmed:  # muted, or another track is soloed
            fill.setAlphaF(0.12)
        p.setBrush(fill)
        p.drawRects(rects)
    if selected:
        p.setPen(QPen(QColor("#ffffff"), 1.5))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRects(selected)


def _paint_keys(p: QPainter, m: PianoRollModel) -> None:
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


def _paint_ruler(p: QPainter, m: PianoRollModel) -> None:
    p.fillRect(QRectF(0, 0, m.width, RULER_H), QColor("#15171a"))
    p.setPen(QColor(TEXT))
    for x, is_bar in m.bar_lines():
        if is_bar and x >= KEYS_W:
            bar = m.bar_number(m.step_at(x))
            p.drawText(QRectF(x + 3, 0, 40, RULER_H), Qt.AlignmentFlag.AlignVCenter, str(bar))
    p.drawText(QRectF(4, 0, KEYS_W, RULER_H), Qt.AlignmentFlag.AlignVCenter, "bar")


def _paint_velocity(p: QPainter, m: PianoRollModel) -> None:
    top = m.grid_bottom
    p.fillRect(QRectF(0, top, m.width, VEL_H), QColor("#17191d"))
    p.setPen(QColor("#7d848d"))
    p.drawText(QRectF(4, top, KEYS_W, VEL_H), Qt.AlignmentFlag.AlignVCenter, "velocity")
    p.setClipRect(QRectF(KEYS_W, top, m.width - KEYS_W, VEL_H))
    _paint_grid(p, m, top, top + VEL_H)
    base = top + VEL_H - 2
    lines: dict[int, list[QLineF]] = {}
    sel = m.selection
    for ref in m.notes():
        x = m.x_of(ref.note.start + ref.note.offset) + 1
        if KEYS_W <= x <= m.width:
            key = -1 if sel and ref in sel else ref.track
            lines.setdefault(key, []).append(QLineF(x, base, x, base - (VEL_H - 6) * ref.note.velocity / 127))
    for key, batch in lines.items():
        colour = QColor("#ffffff") if key < 0 else track_colour(m.pattern, key)
        p.setPen(QPen(colour, 2))
        p.drawLines(batch)
        p.setPen(QPen(colour, 5, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        p.drawPoints([ln.p2() for ln in batch])
    _paint_velocity_values(p, m, base)
    p.setClipRect(QRectF(0, 0, m.width, m.height))


def _paint_velocity_values(p: QPainter, m: PianoRollModel, base: float) -> None:
    """The velocity as a number beside its bar: for selected notes, and for all when zoomed in enough."""
    sel = m.selection
    every = m.px_per_step >= 28
    if not sel and not every:
        return
    font = p.font()
    font.setPixelSize(9)
    p.setFont(font)
    last = -1e9  # numbers need ~26 px: closer ones are left out (chords and drum hits share a step)
    for ref in sorted(
        (r for r in m.notes() if every or r in sel), key=lambda r: r.note.start + r.note.offset
    ):
        x = m.x_of(ref.note.start + ref.note.offset) + 1
        if not KEYS_W <= x <= m.width or x - last < 26:
            continue
        last = x
        y = base - (VEL_H - 6) * ref.note.velocity / 127
        p.setPen(QColor("#ffffff" if ref in sel else TEXT))
        p.drawText(
            QRectF(x + 3, max(m.grid_bottom, y - 6), 26, 12),
            Qt.AlignmentFlag.AlignVCenter,
            str(ref.note.velocity),
        )


def paint_overlay(p: QPainter, m: PianoRollModel, band: QRectF | None = None) -> None:
    if not m.pattern.note_count:
        p.setPen(QColor("#7d848d"))
        area = QRectF(KEYS_W, RULER_H, m.width - KEYS_W, m.grid_bottom - RULER_H)
        p.drawText(area, Qt.AlignmentFlag.AlignCenter, EMPTY_HINT)
    if m.playhead is not None:
        x = m.x_of(m.playhead)
        if x >= KEYS_W:
            p.setPen(QPen(QColor("#7cff6b"), 2))
            p.drawLine(QPointF(x, 0), QPointF(x, m.height))
    if band is not None:
        p.setPen(QPen(QColor("#ffffff"), 1, Qt.PenStyle.DashLine))
        p.setBrush(QColor(255, 255, 255, 30))
        p.drawRect(band)


# --- editing -------------------------------------------------------------------------------
