# SPDX-License-Identifier: MIT
"""The morph slider: a full-width slider from clip A to clip B, with both names and the position below."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

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
        self.value_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.b_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        names = QHBoxLayout()
        names.addWidget(self.a_label, 1)
        names.addWidget(self.value_label)
        names.addWidget(self.b_label, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.slider)
        layout.addLayout(names)
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
