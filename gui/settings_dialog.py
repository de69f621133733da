# SPDX-License-Identifier: MIT
"""The Settings dialog: MIDI port and channels, soundfont, compute device, output folder."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from engine.device import available_devices
from gui.settings import DEVICES, OUTPUTS, AppSettings

DEVICE_LABELS = {
    "auto": "Automatic (the fastest here)",
    "cpu": "CPU",
    "cuda": "NVIDIA GPU (CUDA)",
    "mps": "Apple GPU (Metal)",
}

OUTPUT_LABELS = {
    "fluidsynth": "FluidSynth (built-in sound)",
    "port": "A MIDI port",
    "virtual": "Virtual port “Bandmate” (for your DAW)",
    "none": "No sound",
}


class SettingsDialog(QDialog):
    """Edits a copy of the settings; `result_settings()` gives the new value after Accept."""

    def __init__(self, settings: AppSettings, ports: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Bandmate settings")
        self.settings = settings
        self.output = QComboBox()
        for key in OUTPUTS:
            self.output.addItem(OUTPUT_LABELS[key], key)
        self.output.setCurrentIndex(OUTPUTS.index(settings.output))
        self.port = QComboBox()
        self.port.setEditable(True)
        self.port.addItems(ports)
        self.port.setCurrentText(settings.midi_port)
        self.channels = {}
        for role in ("lead", "bass", "drum"):
            box = QSpinBox()
            box.setRange(1, 16)
            box.setValue(getattr(settings, f"{role}_channel"))
            self.channels[role] = box
        self.soundfont = QLineEdit(settings.soundfont)
        self.soundfont.setPlaceholderText("find one automatically")
        self.device = QComboBox()
        working = available_devices()
        for name in DEVICES:
            if name in working:
                self.device.addItem(DEVICE_LABELS[name], name)
        self.device.setToolTip("Only the devices that work on this machine are offered")
        self.device.setCurrentIndex(max(0, self.device.findData(settings.device)))
        self.ring_out = QDoubleSpinBox()
        self.ring_out.setRange(0.0, 10.0)
        self.ring_out.setSingleStep(0.5)
        self.ring_out.setSuffix(" s")
        self.ring_out.setValue(settings.ring_out)
        self.ring_out.setToolTip(
            "WAV exports are exactly the clip's bars; this adds time for the sound to ring out"
        )
        self.folder = QLineEdit(settings.output_folder)
        form = QFormLayout(self)
        form.addRow("Sound goes to", self.output)
        form.addRow("MIDI port", self.port)
        for role, box in self.channels.items():
            form.addRow(f"{role.title()} channel", box)
        form.addRow("Soundfont (.sf2)", self._with_browse(self.soundfont, self._pick_soundfont))
        form.addRow("Compute device", self.device)
        form.addRow("Output folder", self._with_browse(self.folder, self._pick_folder))
        form.addRow("WAV ring-out", self.ring_out)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    @staticmethod
    def _with_browse(edit: QLineEdit, pick: object) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(edit, 1)
        button = QPushButton("Browse…")
        button.clicked.connect(pick)
        row.addWidget(button)
        return box

    def _pick_soundfont(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Soundfont", "", "SoundFont 2 (*.sf2)")
        if path:
            self.soundfont.setText(path)

    def _pick_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Output folder", self.folder.text())
        if path:
            self.folder.setText(path)

    def result_settings(self) -> AppSettings:
        return self.settings.replace(
            output=self.output.currentData(),
            midi_port=self.port.currentText().strip(),
            lead_channel=self.channels["lead"].value(),
            bass_channel=self.channels["bass"].value(),
            drum_channel=self.channels["drum"].value(),
            soundfont=self.soundfont.text().strip(),
            device=self.device.currentData(),
            ring_out=self.ring_out.value(),
            output_folder=self.folder.text().strip() or self.settings.output_folder,
        )
