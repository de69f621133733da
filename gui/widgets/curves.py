# SPDX-License-Identifier: MIT
"""A small painted line chart for training curves (loss, accuracy) without QtCharts.

Axes: the x axis is the training step (first, middle and last step written under it, titled
`x_title`); the y axis is scaled to the first series (its low, middle and high values at the left in its
colour); every other series is scaled to its own range, and the legend gives each one's latest value."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

COLOURS = ("#f2a541", "#4fb0c6", "#9c6ade", "#6cc570")


class CurvePlot(QWidget):
    """Named series of (x, y) points, each scaled to its own range and labelled with its last value."""

    def __init__(self, parent: QWidget | None = None, x_title: str = "training step") -> None:
        super().__init__(parent)
        self.series: dict[str, list[tuple[float, float]]] = {}
        self.x_title = x_title
        self.setMinimumHeight(160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def clear(self) -> None:
        self.series.clear()
        self.update()

    def add(self, name: str, x: float, y: float) -> None:
        if y == y:  # skip NaN (accuracy is not known before the first held-out check)
            self.series.setdefault(name, []).append((float(x), float(y)))
            self.update()

    def paintEvent(self, event: object) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("#1e2126"))
        plot = QRectF(48, 22, self.width() - 58, self.height() - 56)
        p.setPen(QPen(QColor("#3a3f47"), 1))
        p.drawRect(plot)
        self._paint_axes(p, plot)
        if not self.series:
            p.setPen(QColor("#7d848d"))
            p.drawText(plot, Qt.AlignmentFlag.AlignCenter, "loss and accuracy appear here while training")
        xs = [x for pts in self.series.values() for x, _ in pts]
        x0, x1 = (min(xs), max(xs)) if xs else (0.0, 1.0)
        legend_x = 8.0
        for i, (name, pts) in enumerate(self.series.items()):
            colour = QColor(COLOURS[i % len(COLOURS)])
            self._paint_series(p, plot, pts, x0, x1, colour)
            p.setPen(colour)
            label = f"{name} {pts[-1][1]:.3g}"
            p.drawText(QPointF(legend_x, 15), label)
            legend_x += p.fontMetrics().horizontalAdvance(label) + 18
        p.end()

    def axis_labels(self) -> tuple[list[str], list[str]]:
        """The x tick labels (steps) and y tick labels (first series) the chart draws, low to high."""
        if not self.series:
            return [], []
        xs = [x for pts in self.series.values() for x, _ in pts]
        x0, x1 = min(xs), max(xs)
        ys = [y for _, y in next(iter(self.series.values()))]
        y0, y1 = min(ys), max(ys)
        if y1 - y0 < 1e-9:
            y0, y1 = y0 - 0.5, y1 + 0.5
        return [f"{x:,.0f}" for x in (x0, (x0 + x1) / 2, x1)], [f"{y:.3g}" for y in (y0, (y0 + y1) / 2, y1)]

    def _paint_axes(self, p: QPainter, plot: QRectF) -> None:
        metrics = p.fontMetrics()
        p.setPen(QColor("#9aa0a6"))
        title = self.x_title
        p.drawText(
            QPointF(plot.center().x() - metrics.horizontalAdvance(title) / 2, self.height() - 4), title
        )
        xs, ys = self.axis_labels()
        for i, text in enumerate(xs):
            x = plot.left() + plot.width() * i / 2 - metrics.horizontalAdvance(text) * i / 4
            p.drawText(QPointF(x, plot.bottom() + metrics.ascent() + 3), text)
        if ys:
            p.setPen(QColor(COLOURS[0]))
            for i, text in enumerate(ys):
                y = plot.bottom() - plot.height() * i / 2 + metrics.ascent() / 2
                p.drawText(QPointF(plot.left() - metrics.horizontalAdvance(text) - 4, y), text)

    @staticmethod
    def _paint_series(
        p: QPainter, plot: QRectF, pts: list[tuple[float, float]], x0: float, x1: float, colour: QColor
    ) -> None:
        ys = [y for _, y in pts]
        y0, y1 = min(ys), max(ys)
        if y1 - y0 < 1e-9:
            y0, y1 = y0 - 0.5, y1 + 0.5
        path = QPainterPath()
        for j, (x, y) in enumerate(pts):
            px = plot.left() + (x - x0) / max(1e-9, x1 - x0) * plot.width()
            py = plot.bottom() - (y - y0) / (y1 - y0) * plot.height()
            path.moveTo(px, py) if j == 0 else path.lineTo(px, py)
        p.setPen(QPen(colour, 2))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(path)
