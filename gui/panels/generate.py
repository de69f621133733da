# SPDX-License-Identifier: MIT
"""Generate panel: count, temperature (and each part's), top-k, seed → candidate thumbnails; click to
audition, keep favourites."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.generation.runner import MAX_TOP_K, Generated, parse_part_temperatures
from engine.music.keys import key_choices
from gui.panels.clips import ClipsPanel
from gui.session import GenerationSettings, Session
from gui.status import app_words
from gui.widgets.thumbnails import CLIP_ROLE, ClipList, mark_copy
from models.vocab import BAND_METERS

if TYPE_CHECKING:
    from engine.generation.generator import Generator


class GeneratePanel(ClipsPanel):
    """Asks the model for new clips (or variations of the current one) and lists them as thumbnails;
    clicking one auditions it (`audition`), Keep adds it to the arrangement (`keep`)."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.count = QSpinBox()
        self.count.setRange(1, 32)
        self.count.setValue(8)
        self.temperature = QDoubleSpinBox()
        self.temperature.setRange(0.0, 2.0)
        self.temperature.setSingleStep(0.1)
        self.temperature.setValue(0.5)
        self.temperature.setToolTip("0 = the most likely notes; higher = wilder; sets every part")
        self.part_temperatures = QLineEdit()
        self.part_temperatures.setPlaceholderText("e.g. melody=0.9, drums=0.6")
        self.part_temperatures.setToolTip(
            "Each part's own temperature (a model's report card suggests them and loading it sets them); "
            "empty: every part at the temperature above. Band and multitrack models also take velocity=T, "
            "how much each instrument's loudness varies (0: one loudness per instrument; the report card "
            "suggests it, else band 0.4, multitrack 1; the temperature above leaves it alone)"
        )
        self.top_k = QSpinBox()
        self.top_k.setRange(0, MAX_TOP_K)
        self.top_k.setSpecialValueText("off")
        self.top_k.setToolTip(
            "Leave out all but the N likeliest notes at each step: fewer wild leaps. 0 = off. A model's "
            "report card may suggest one (loading it sets it); Generate, Variations, Morph and Complete "
            "all use it"
        )
        self.seed = QSpinBox()
        self.seed.setRange(-1, 2**31 - 1)
        self.seed.setSpecialValueText("random")
        self.seed.setValue(-1)
        self.key = QComboBox()
        self.key.addItem("Any notes, in the training music's keys", None)
        self.key.addItem("Any notes, as the model writes them", "none")
        self.key.addItem("Auto: the clip's or the training music's key", "auto")
        for label, value in key_choices():
            self.key.addItem(label, value)
        self.key.setToolTip(
            "Keep melody and bass in this scale while the model writes (Generate, Variations, Morph, "
            "Complete); drums are never affected. 'Any notes, in the training music's keys': Generate "
            "moves each new clip up or down (at most 5 semitones) to where your songs' notes lie, since "
            "the model learned your songs in many keys"
        )
        self.feel = QCheckBox("Play it like the training music")
        self.feel.setChecked(True)
        self.feel.setToolTip(
            "New notes get the loudness and timing of the music the model learned from; "
            "off: every note at velocity 100, exactly on the grid"
        )
        self.checked = QCheckBox("Redraw faulty clips")
        self.checked.setChecked(True)
        self.checked.setToolTip(
            "Before you get a clip, Bandmate checks it: a part the model plays (melody, bass, drums) left "
            "silent, a bar far busier than your music ever gets, a note held longer than your music holds "
            "one, notes well outside a part's range, or silence. Such clips are drawn again, and the line "
            "below says how many and why. Untick to get every clip as the model writes it."
        )
        self.novel = QCheckBox("Redraw copies of my music")
        self.novel.setToolTip(
            "Also draw again any clip with a bar that copies a bar of the music the model learned from, "
            "note for note (pitch and 16th of every instrument; moved to another key counts too). "
            "Copies are marked (copy) in the list either way: hover one to see which file and bar it copies."
        )
        self.bars = QSpinBox()
        self.bars.setRange(0, 64)
        self.bars.setSpecialValueText("model length")
        self.bars.setToolTip("chain clips along a smooth path into this many bars")
        self.meter = QComboBox()
        for n, d in BAND_METERS:
            self.meter.addItem(f"{n}/{d}", f"{n}/{d}")
        self.meter.setToolTip(
            "Time signature of new clips: the band models (band_1bar, band_4bar, band_16bar) write any of "
            "these; the other models write 4/4"
        )
        self.generate_button = QPushButton("Generate")
        self.generate_button.setToolTip("New clips from the model (Ctrl+G)")
        self.amount = QDoubleSpinBox()
        self.amount.setRange(0.0, 1.0)
        self.amount.setSingleStep(0.05)
        self.amount.setValue(0.3)
        self.amount.setToolTip("How far variations move from the current clip: 0 = the same, 1 = far")
        self.vary_button = QPushButton("Variations of current")
        self.keep_button = QPushButton("Keep ★")
        self.keep_button.setToolTip("Add the clip in the piano roll to the arrangement (Ctrl+K)")
        self.candidates = ClipList()
        self.info = QLabel("")
        self.info.setWordWrap(True)
        self._build()
        self._show_generation(session.generation)
        self.temperature.valueChanged.connect(lambda v: session.set_generation(temperature=v, parts=()))
        self.part_temperatures.editingFinished.connect(self._parts_edited)
        self.top_k.valueChanged.connect(lambda v: session.set_generation(top_k=v))
        # a session opened, a loaded model's suggested temperatures
        session.generation_changed.connect(self._show_generation)
        self.feel.toggled.connect(lambda on: session.set_generation(feel=on))
        self.key.currentIndexChanged.connect(lambda _i: session.set_generation(key=self.key.currentData()))
        self.amount.valueChanged.connect(lambda v: session.set_generation(amount=v))
        self.checked.toggled.connect(self._checks_changed)
        self.novel.toggled.connect(lambda on: session.set_generation(novel=on))
        self.generate_button.clicked.connect(self.generate)
        self.vary_button.clicked.connect(self.variations)
        self.keep_button.clicked.connect(self.keep_selected)
        self.audition_on_click(self.candidates)

    def _build(self) -> None:
        form = QFormLayout()
        form.addRow("How many", self.count)
        form.addRow("Temperature", self.temperature)
        form.addRow("Per part", self.part_temperatures)
        form.addRow("Top-k", self.top_k)
        form.addRow("Seed", self.seed)
        form.addRow("Bars", self.bars)
        form.addRow("Meter", self.meter)
        form.addRow("Variation amount", self.amount)
        form.addRow("Key", self.key)
        form.addRow("Feel", self.feel)
        form.addRow("Checks", self.checked)
        form.addRow("", self.novel)
        buttons = QHBoxLayout()
        for b in (self.generate_button, self.vary_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(QLabel("Candidates: click to hear, drag into your DAW"))
        layout.addWidget(self.candidates, 1)
        layout.addWidget(self.keep_button)
        layout.addWidget(self.info)

    def _show_generation(self, g: GenerationSettings) -> None:
        """The session's generation settings in this panel's controls (which edit them); the controls'
        own signals are held meanwhile, so showing a setting never edits another."""
        controls = (
            self.temperature, self.part_temperatures, self.top_k, self.feel, self.key, self.amount,
            self.checked, self.novel,
        )  # fmt: skip
        for c in controls:
            c.blockSignals(True)
        try:
            self.temperature.setValue(g.temperature)
            self.part_temperatures.setText(g.parts_text)
            self.top_k.setValue(g.top_k)
            self.feel.setChecked(g.feel)
            self.key.setCurrentIndex(max(0, self.key.findData(g.key)))
            self.amount.setValue(g.amount)
            self.checked.setChecked(g.checked)
            self.novel.setChecked(g.novel)
            self.novel.setEnabled(g.checked)
        finally:
            for c in controls:
                c.blockSignals(False)

    def _checks_changed(self, on: bool) -> None:
        self.novel.setEnabled(on)
        self.session.set_generation(checked=on)

    def _parts_edited(self) -> None:
        text = self.part_temperatures.text().strip()
        try:
            parts = tuple(parse_part_temperatures(text).items()) if text else ()
        except ValueError as e:
            self.session.status.emit(f"Per-part temperature: {e}")
            self.part_temperatures.setText(self.session.generation.parts_text)
            return
        if parts != self.session.generation.parts:
            self.session.set_generation(parts=parts)

    def _seed(self) -> int | None:
        return None if self.seed.value() < 0 else self.seed.value()

    def generate(self) -> None:
        n, seed, bars, g = (
            self.count.value(),
            self._seed(),
            self.bars.value() or None,
            self.session.generation,
        )
        meter = self.meter.currentData()

        def work(gen: Generator, _ctx: object) -> Generated:
            return gen.sample(
                n,
                g.model_temperature,
                seed,
                bars=bars,
                key=g.key,
                checked=g.checked,
                novel=g.novel,
                meter=meter,
            )

        self.session.with_model(work, self.show_candidates, f"Generating {n} clip(s)")

    def variations(self) -> None:
        clip = self.session.doc.pattern
        if not clip.note_count:
            self.session.status.emit("The current clip is empty: generate or open one first")
            return
        n, seed, g = self.count.value(), self._seed(), self.session.generation

        def work(gen: Generator, _ctx: object) -> Generated:
            return gen.variations(
                clip,
                n,
                g.amount,
                seed,
                temperature=g.model_temperature,
                key=g.key,
                checked=g.checked,
                novel=g.novel,
            )

        self.session.with_model(work, self.show_candidates, f"Making {n} variation(s)")

    def show_candidates(self, result: Generated) -> None:
        """The clips as thumbnails (a copy of the training music marked, naming its file and bar), and
        what the checks redrew."""
        clips, seed, notices = result.clips, result.seed, result.notices
        checked = result.checked
        self.candidates.clear()
        for i, clip in enumerate(clips):
            item = self.candidates.add_clip(clip, f"seed {seed} #{i + 1}")
            copied = checked.copy_note(i) if checked else None
            if copied:
                mark_copy(item, f"Copies your training music note for note: {copied}")
        redrawn = checked.note if checked else None
        lines = [redrawn[0].upper() + redrawn[1:] + "."] if redrawn else []
        self.info.setText("\n".join(lines + [app_words(n) for n in notices]))  # one notice a line
        status = f"{len(clips)} candidate(s) from seed {seed}: click one to hear it"
        if checked and len(clips) < checked.asked:
            status += f" (only {len(clips)} of {checked.asked} passed the checks)"
        elif checked and checked.rejected:
            status += f" ({len(checked.rejected)} redrawn)"
        self.session.status.emit(status)
        if clips:
            self.candidates.setCurrentRow(0)
            self._clicked(self.candidates.item(0))

    def keep_selected(self) -> None:
        """Keep the clip in the piano roll (with your edits), or all selected candidates when several are."""
        items = self.candidates.selectedItems()
        if len(items) > 1:
            for item in sorted(items, key=self.candidates.row):
                self.keep.emit(item.data(CLIP_ROLE), item.text())
        elif self.session.doc.pattern.note_count:
            self.keep.emit(self.session.doc.pattern, self.session.doc.name)
