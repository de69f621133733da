# SPDX-License-Identifier: MIT
"""Complete, Infill and Humanize: one click on the clip in the piano roll (undo brings the old one back).

The panel is the Complete tab (Complete and Infill); `humanize_page` is a page of its own (the Humanize
tab). Complete is disabled, with a tooltip saying why, while the model has a single part (a drums-only
model has nothing to complete a clip with). Infill rewrites the chosen bars of the ticked tracks so they
join the bars around them; the bars and tracks come from the spin boxes and boxes here, or from the notes
selected in the piano roll (`selection_source`, set by the main window to the roll's `selected_region`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.generation.runner import Generated
from engine.music.pattern import Pattern
from gui.session import Session

if TYPE_CHECKING:
    from engine.generation.generator import Generator

PARTS = ("melody", "bass", "drums")
Region = tuple[tuple[int, int], list[int]]  # (first bar, last bar) from 1, track indices from 0


KEY_TIP = "New notes keep to the song's key when it has a clear one, or to the key picked under Generate"
COMPLETE_TIP = "Write the ticked parts (none ticked: the missing ones), keep the rest. " + KEY_TIP


class ToolsPanel(QWidget):
    """Buttons that rewrite the current clip with the model, in a worker."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.part_boxes = {p: QCheckBox(p) for p in PARTS}
        self.complete_button = QPushButton("Complete")
        self.complete_button.setToolTip(COMPLETE_TIP)
        self.first_bar, self.last_bar = QSpinBox(), QSpinBox()
        for box in (self.first_bar, self.last_bar):
            box.setRange(1, 1)
        self.first_bar.valueChanged.connect(lambda v: self.last_bar.setValue(max(v, self.last_bar.value())))
        self.last_bar.valueChanged.connect(lambda v: self.first_bar.setValue(min(v, self.first_bar.value())))
        self.track_boxes: list[QCheckBox] = []
        self.track_list = QVBoxLayout()
        self.selection_source: Callable[[], Region | None] | None = None
        self.from_selection_button = QPushButton("From selection")
        self.from_selection_button.setToolTip("The bars and tracks of the notes selected in the piano roll")
        self.infill_button = QPushButton("Infill")
        self.infill_button.setToolTip(
            "Rewrite these bars of the ticked tracks so they join their neighbours. " + KEY_TIP
        )
        self.from_selection_button.clicked.connect(self.use_selection)
        self.infill_button.clicked.connect(self.infill)
        session.doc.changed.connect(lambda _p: self._refresh_tracks())
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
        self._refresh_tracks()
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
        self.complete_button.setToolTip(why or COMPLETE_TIP)

    def _build(self) -> None:
        complete = QGroupBox("Complete the clip")
        c = QVBoxLayout(complete)
        parts = QHBoxLayout()
        parts.addWidget(QLabel("Parts to write:"))
        for box in self.part_boxes.values():
            parts.addWidget(box)
        c.addLayout(parts)
        c.addWidget(self.complete_button)
        infill = QGroupBox("Infill bars")
        f = QVBoxLayout(infill)
        bars = QHBoxLayout()
        bars.addWidget(QLabel("Bars"))
        bars.addWidget(self.first_bar)
        bars.addWidget(QLabel("to"))
        bars.addWidget(self.last_bar)
        bars.addStretch(1)
        bars.addWidget(self.from_selection_button)
        f.addLayout(bars)
        f.addWidget(QLabel("Tracks to rewrite:"))
        f.addLayout(self.track_list)
        f.addWidget(self.infill_button)
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
        layout.addWidget(infill)
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
            return gen.complete(clip, parts, temperature=g.model_temperature, key=g.key or "song")

        self.session.with_model(work, lambda r: self._show(r, f"{name} completed"), "Completing the clip")

    def _refresh_tracks(self) -> None:
        """One box per track of the current clip (ticks kept by position), bar range to its length."""
        clip = self.session.doc.pattern
        ticked = {i for i, box in enumerate(self.track_boxes) if box.isChecked()}
        for box in self.track_boxes:
            self.track_list.removeWidget(box)
            box.deleteLater()
        self.track_boxes = []
        for i, track in enumerate(clip.tracks):
            role = "drums" if track.is_drum else track.role.value
            name = track.name.strip()
            what = (
                f"{name} · {role}" if name and role not in name.lower() and role != "other" else name or role
            )
            box = QCheckBox(f"{i + 1}. {what}")
            box.setChecked(i in ticked)
            self.track_list.addWidget(box)
            self.track_boxes.append(box)
        bars = max(clip.bars, 1)
        for spin in (self.first_bar, self.last_bar):
            spin.setMaximum(bars)

    def use_selection(self) -> None:
        """Take the bars and tracks from the notes selected in the piano roll."""
        region = self.selection_source() if self.selection_source is not None else None
        if region is None:
            self.session.status.emit("Select notes in the piano roll first (click, or drag a box)")
            return
        (first, last), tracks = region
        self.last_bar.setValue(last)
        self.first_bar.setValue(first)
        self.last_bar.setValue(last)
        for i, box in enumerate(self.track_boxes):
            box.setChecked(i in tracks)

    def infill(self) -> None:
        clip = self._clip()
        if clip is None:
            return
        tracks = [i for i, box in enumerate(self.track_boxes) if box.isChecked()]
        if not tracks:
            self.session.status.emit("Tick the tracks to rewrite (or use From selection)")
            return
        bars = (self.first_bar.value(), self.last_bar.value())
        g, name = self.session.generation, self.session.doc.name
        where = f"bars {bars[0]}-{bars[1]}" if bars[1] > bars[0] else f"bar {bars[0]}"

        def work(gen: Generator, _ctx: object) -> Generated:
            return gen.infill(clip, bars, tracks, temperature=g.model_temperature, key=g.key or "song")

        self.session.with_model(work, lambda r: self._show(r, f"{name} infilled"), f"Infilling {where}")

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
