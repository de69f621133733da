# SPDX-License-Identifier: MIT
"""The beat-blender pad: a square with a draggable puck and a named beat in each corner.

Corners are numbered 0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right; x grows right, y grows down,
both in 0..1. MIDI files dropped near a corner are offered to that corner.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QMouseEvent,
    QPainter,
    QPen,
    QRadialGradient,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

CORNER_COLOURS = ("#ef6f51", "#4fb0c6", "#9c6ade", "#6cc570")
MIDI_SUFFIXES = (".mid", ".midi", ".kar")


class XYPad(QWidget):
    """A 2-D control with four corner labels.

    Signals:
        moved(float, float): the puck position while dragging, x and y in 0..1.
        released(float, float): where the puck was let go.
        corner_dropped(int, str): a MIDI file path dropped on a corner.
    """

    moved = Signal(float, float)
    released = Signal(float, float)
    corner_dropped = Signal(int, str)

    MARGIN = 18

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.puck_x, self.puck_y = 0.5, 0.5  # the puck, 0..1 (not x/y: those are QWidget's own methods)
        self.labels = ["A", "B", "C", "D"]
        self.setMinimumSize(160, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAcceptDrops(True)

    def set_label(self, corner: int, text: str) -> None:
        self.labels[corner] = text
        self.update()

    def set_position(self, x: float, y: float, emit: bool = True) -> None:
        self.puck_x, self.puck_y = min(1.0, max(0.0, x)), min(1.0, max(0.0, y))
        self.update()
        if emit:
            self.moved.emit(self.puck_x, self.puck_y)

    def pad_rect(self) -> QRectF:
        side = min(self.width(), self.height()) - 2 * self.MARGIN
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def point_of(self, x: float, y: float) -> QPointF:
        r = self.pad_rect()
        return QPointF(r.left() + x * r.width(), r.top() + y * r.height())

    def value_at(self, pos: QPointF) -> tuple[float, float]:
        r = self.pad_rect()
        return (pos.x() - r.left()) / max(1.0, r.width()), (pos.y() - r.top()) / max(1.0, r.height())

    def corner_at(self, pos: QPointF) -> int:
        x, y = self.value_at(pos)
        return (1 if x >= 0.5 else 0) + (2 if y >= 0.5 else 0)

    # --- painting ------------------------------------------------------------------------------
    def paintEvent(self, event: object) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = self.pad_rect()
        p.fillRect(self.rect(), QColor("#1e2126"))
        for i, (cx, cy) in enumerate(((0, 0), (1, 0), (0, 1), (1, 1))):
            grad = QRadialGradient(self.point_of(cx, cy), r.width() * 0.8)
            colour = QColor(CORNER_COLOURS[i])
            colour.setAlpha(110)
            grad.setColorAt(0, colour)
            grad.setColorAt(1, QColor(0, 0, 0, 0))
            p.fillRect(r, grad)
        p.setPen(QPen(QColor("#5a616b"), 1))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(r)
        for t in (0.25, 0.5, 0.75):
            p.setPen(QPen(QColor(255, 255, 255, 25), 1))
            p.drawLine(self.point_of(t, 0), self.point_of(t, 1))
            p.drawLine(self.point_of(0, t), self.point_of(1, t))
        self._paint_labels(p, r)
        puck = self.point_of(self.puck_x, self.puck_y)
        p.setPen(QPen(QColor("#ffffff"), 2))
        p.setBrush(QColor("#7cff6b"))
        p.drawEllipse(puck, 9, 9)
        p.end()

    def _paint_labels(self, p: QPainter, r: QRectF) -> None:
        p.setPen(QColor("#e6e9ee"))
        flags = (
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom,
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom,
        )
        inner = r.adjusted(6, 4, -6, -4)
        for label, flag in zip(self.labels, flags, strict=True):
            p.drawText(inner, int(flag), label[:22])

    # --- mouse and drops -----------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        self.set_position(*self.value_at(event.position()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if event.buttons():
            self.set_position(*self.value_at(event.position()))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        self.released.emit(self.puck_x, self.puck_y)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        if midi_paths(event.mimeData().urls()):
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 - Qt override
        event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        paths = midi_paths(event.mimeData().urls())
        if paths:
            self.corner_dropped.emit(self.corner_at(event.position()), paths[0])
            event.acceptProposedAction()


def midi_paths(urls: list[QUrl]) -> list[str]:
    """Local .mid/.midi/.kar paths among dropped URLs."""
    return [
        u.toLocalFile()
        for u in urls
        if u.isLocalFile() and Path(u.toLocalFile()).suffix.lower() in MIDI_SUFFIXES
    ]
