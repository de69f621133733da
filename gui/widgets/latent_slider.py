# SPDX-License-Identifier: MIT
"""The morph slider: a horizontal slider from clip A to clip B with both names at its ends."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QWidget

STEPS = 100


class LatentSlider(QWidget):
    """A 0..1 position between A and B.

    Signals:
        moved(float): the position while dragging (and on clicks and keys).
    """

    moved = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, STEPS)
        self.slider.setPageStep(10)
        self.slider.setTickInterval(10)
        self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.a_label, self.b_label = QLabel("A"), QLabel("B")
        self.value_label = QLabel("0%")
        self.value_label.setMinimumWidth(36)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for w in (self.a_label, self.slider, self.b_label, self.value_label):
            layout.addWidget(w)
        self.slider.valueChanged.connect(self._changed)

    def value(self) -> float:
        return self.slider.value() / STEPS

    def set_value(self, t: float) -> None:
        self.slider.setValue(round(t * STEPS))

    def set_names(self, a: str, b: str) -> None:
        self.a_label.setText(a)
        self.b_label.setText(b)

    def _changed(self, raw: int) -> None:
        self.value_label.setText(f"{raw}%")
        self.moved.emit(raw / STEPS)
