# SPDX-License-Identifier: MIT
"""The transport bar: play/stop, loop, tempo, where the sound goes, and the playhead position."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QHBoxLayout, QLabel, QPushButton, QWidget

from engine.music.pattern import PLAY_MAX_BPM, PLAY_MIN_BPM, STEPS_PER_BAR, STEPS_PER_QUARTER


class TransportBar(QWidget):
    """Play/stop, loop, tempo and output controls.

    Signals:
        play_toggled(): play or stop was pressed.
        loop_changed(bool), tempo_changed(float), output_changed(str): the output key (see gui.outputs).
    """

    play_toggled = Signal()
    loop_changed = Signal(bool)
    tempo_changed = Signal(float)
    output_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.play_button = QPushButton("▶ Play")
        self.play_button.setToolTip("Play / stop (Space)")
        self.play_button.setMinimumWidth(84)
        self.loop_box = QCheckBox("Loop")
        self.loop_box.setChecked(True)
        self.tempo = QDoubleSpinBox()
        self.tempo.setRange(PLAY_MIN_BPM, PLAY_MAX_BPM)
        self.tempo.setDecimals(1)
        self.tempo.setSuffix(" BPM")
        self.tempo.setValue(120)
        self.tempo.setKeyboardTracking(False)
        self.position_label = QLabel("1.1.1")
        self.position_label.setMinimumWidth(60)
        self.file_tempo = QPushButton()
        self.file_tempo.setToolTip("The opened file has its own tempo: play and export at it instead")
        self.file_tempo.hide()
        self.file_tempo.clicked.connect(self._use_file_tempo)
        self._offered = 0.0
        self.output_box = QComboBox()
        self.output_box.setMinimumContentsLength(22)
        self.no_sound = QLabel()
        self.no_sound.setStyleSheet("QLabel { color: #ffb020; font-weight: bold; }")
        self.no_sound.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        for w in (self.play_button, self.loop_box, QLabel("Tempo"), self.tempo, self.file_tempo):
            layout.addWidget(w)
        layout.addWidget(self.position_label)
        layout.addStretch(1)
        layout.addWidget(self.no_sound)
        layout.addWidget(QLabel("Sound:"))
        layout.addWidget(self.output_box)
        self.play_button.clicked.connect(self.play_toggled)
        self.loop_box.toggled.connect(self.loop_changed)
        self.tempo.valueChanged.connect(self.tempo_changed)
        self.output_box.activated.connect(lambda i: self.output_changed.emit(self.output_box.itemData(i)))

    def set_outputs(self, choices: list[tuple[str, str]], current: str) -> None:
        self.output_box.blockSignals(True)
        self.output_box.clear()
        for key, label in choices:
            self.output_box.addItem(label, key)
        index = self.output_box.findData(current)
        self.output_box.setCurrentIndex(max(0, index))
        self.output_box.blockSignals(False)

    def offer_tempo(self, bpm: float) -> None:
        """Show "Use the file's N BPM" when an opened clip's own tempo differs from the transport's."""
        self._offered = float(bpm)
        differs = abs(self._offered - self.tempo.value()) >= 0.05 and PLAY_MIN_BPM <= bpm <= PLAY_MAX_BPM
        self.file_tempo.setText(f"Use the file's {bpm:g} BPM")
        self.file_tempo.setVisible(differs)

    def _use_file_tempo(self) -> None:
        self.tempo.setValue(self._offered)  # tempo_changed tells the player
        self.file_tempo.hide()

    def set_sound_problem(self, problem: str) -> None:
        """Show (problem) or hide ("") the "No sound" warning beside the output picker."""
        self.no_sound.setText("⚠ No sound" if problem else "")
        self.no_sound.setToolTip(problem)
        self.no_sound.setVisible(bool(problem))

    def set_playing(self, playing: bool) -> None:
        self.play_button.setText("■ Stop" if playing else "▶ Play")

    def set_position(self, step: float) -> None:
        s = int(step)
        bar, beat, sixteenth = s // STEPS_PER_BAR + 1, s % STEPS_PER_BAR // STEPS_PER_QUARTER + 1, s % 4 + 1
        self.position_label.setText(f"{bar}.{beat}.{sixteenth}")

    def set_tempo(self, bpm: float) -> None:
        self.tempo.blockSignals(True)
        self.tempo.setValue(bpm)
        self.tempo.blockSignals(False)
