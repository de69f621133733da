# SPDX-License-Identifier: MIT
"""Complete and Humanize: one click on the clip in the piano roll (undo brings the old one back).

The panel is the Complete tab; `humanize_page` is a page of its own (the Humanize tab). Complete is
disabled, with a tooltip saying why, while the model has a single part (a drums-only model has nothing
to complete a clip with)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from engine.generation.runner import Generated
from engine.music.pattern import Pattern
from gui.session import Session

if TYPE_CHECKING:
    from engine.generation.generator import Generator

PARTS = ("melody", "bass", "drums")


class ToolsPanel(QWidget):
    """Buttons that rewrite the current clip with the model, in a worker."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.part_boxes = {p: QCheckBox(p) for p in PARTS}
        self.complete_button = QPushButton("Complete")
        self.complete_button.setToolTip(
            "Write the ticked parts (none ticked: the missing ones), keep the rest"
        )
        self.amount = QSlider(Qt.Orientation.Horizontal)
        self.amount.setRange(0, 150)
        self.amount.setValue(100)
        self.amount_label = QLabel("100%")
        self.humanize_button = QPushButton("Humanize")
        self.humanize_button.setToolTip("Same notes, with learned velocities and micro-timing")
        self.amount.valueChanged.connect(lambda v: self.amount_label.setText(f"{v}%"))
        self.complete_button.clicked.connect(self.complete)
        self.humanize_button.clicked.connect(self.humanize)
        self.humanize_page = QWidget()
        self._build()
        session.model_changed.connect(self._model_changed)
        self._model_changed(session.generator)

    def _model_changed(self, gen: object) -> None:
        """Complete only for a model that writes several parts; the tooltip says why not."""
        from models.spec import DecoderKind

        spec = getattr(gen, "spec", None)
        if spec is None:
            why = "Pick a model first (Model: at the top)"
        elif len(spec.parts) > 1 or spec.decoder is DecoderKind.MULTITRACK:
            why = ""
        else:
            why = (
                f"The {spec.short_name} model writes only {spec.parts[0] if spec.parts else 'one part'}: "
                "pick a trio or multitrack model to complete a clip"
            )
        self.complete_button.setEnabled(not why)
        for box in self.part_boxes.values():
            box.setEnabled(not why)
        self.complete_button.setToolTip(
            why or "Write the ticked parts (none ticked: the missing ones), keep the rest"
        )

    def _build(self) -> None:
        complete = QGroupBox("Complete the clip")
        c = QVBoxLayout(complete)
        parts = QHBoxLayout()
        parts.addWidget(QLabel("Parts to write:"))
        for box in self.part_boxes.values():
            parts.addWidget(box)
        c.addLayout(parts)
        c.addWidget(self.complete_button)
        humanize = QGroupBox("Humanize")
        h = QVBoxLayout(humanize)
        amount = QHBoxLayout()
        amount.addWidget(QLabel("Amount"))
        amount.addWidget(self.amount, 1)
        amount.addWidget(self.amount_label)
        h.addLayout(amount)
        h.addWidget(self.humanize_button)
        layout = QVBoxLayout(self)
        layout.addWidget(complete)
        layout.addStretch(1)
        page = QVBoxLayout(self.humanize_page)
        page.addWidget(humanize)
        page.addStretch(1)

    def _clip(self) -> Pattern | None:
        clip = self.session.doc.pattern
        if not clip.note_count:
            self.session.status.emit("The clip is empty: generate or open a clip first")
            return None
        return clip

    def complete(self) -> None:
        clip = self._clip()
        if clip is None:
            return
        parts = [p for p, box in self.part_boxes.items() if box.isChecked()] or None
        g, name = self.session.generation, self.session.doc.name

        def work(gen: Generator, _ctx: object) -> Generated:
            return gen.complete(clip, parts, temperature=g.temperature, key=g.key)

        self.session.with_model(work, lambda r: self._show(r, f"{name} completed"), "Completing the clip")

    def humanize(self) -> None:
        clip = self._clip()
        if clip is None:
            return
        amount = self.amount.value() / 100
        name = self.session.doc.name

        def work(gen: Generator, _ctx: object) -> Generated:
            return gen.humanize(clip, amount)

        self.session.with_model(work, lambda r: self._show(r, f"{name} humanized"), "Humanizing the clip")

    def _show(self, result: Generated, name: str) -> None:
        self.session.show_clip(result.clip, name)
        self.session.status.emit("; ".join([f"{name} (Ctrl+Z undoes)", *result.notices]))
