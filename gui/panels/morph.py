# SPDX-License-Identifier: MIT
"""Morph panel: pick clip A and clip B, then drag the latent slider; the piano roll and loop follow.
Or make N steps from A to B (the `interpolate` command) and keep them in a row: a Latent Loop.

A and B are encoded once (a worker computes 101 codes along the slerp path); each drag position decodes
one code in a worker, and `Latest` drops stale positions so only the newest one is decoded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.generation.runner import Generated
from engine.music.pattern import Pattern
from gui.panels.clips import ClipsPanel
from gui.session import Session
from gui.widgets.latent_slider import STEPS, LatentSlider
from gui.widgets.thumbnails import ClipList, paint_thumbnail
from gui.workers import Latest

if TYPE_CHECKING:
    import torch

    from engine.generation.generator import Generator
    from engine.music.keys import Key

MORPH_SEED = 7  # one seed for all positions, so neighbouring positions differ only by the code


class MorphPanel(ClipsPanel):
    """Clip A, clip B, a slider between them, and the steps from A to B as clips; clicking a step
    auditions it (`audition`), Keep all steps adds them to the arrangement (`keep`)."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.clips: list[Pattern | None] = [None, None]
        self.names = ["", ""]
        self.path: torch.Tensor | None = None  # (STEPS + 1, Z) codes from A to B
        self.path_gen: Generator | None = None  # the Generator that encoded `path`
        self.auto_key: Key | None = None  # Key "Auto" for A and B (their key, else the training music's)
        self.latest = Latest(session.executor, self)
        self.slider = LatentSlider()
        self.slider.setEnabled(False)
        self.labels = [QLabel("A: not set"), QLabel("B: not set")]
        self.set_buttons = [QPushButton("Use current clip as A"), QPushButton("Use current clip as B")]
        self.hint = QLabel("Pick two clips (generate, click a candidate, then use it as A or B), then drag.")
        self.hint.setWordWrap(True)
        self.thumbs = [QLabel(), QLabel()]
        grid = QGridLayout()
        for i in range(2):
            grid.addWidget(self.thumbs[i], 0, i)
            grid.addWidget(self.labels[i], 1, i)
            grid.addWidget(self.set_buttons[i], 2, i)
            self.set_buttons[i].clicked.connect(lambda _=False, i=i: self.set_clip(i, *self._current()))
        self.steps = QSpinBox()
        self.steps.setRange(2, 32)
        self.steps.setValue(8)
        self.steps.setPrefix("Steps: ")
        self.steps_button = QPushButton("Make steps A → B")
        self.steps_button.setToolTip("Clips morphing from A into B, each a step further (Latent Loops)")
        self.steps_list = ClipList()
        self.keep_steps_button = QPushButton("Keep all steps in a row")
        self.keep_steps_button.setToolTip("Add every step to the arrangement, A first: play them as one loop")
        row = QHBoxLayout()
        row.addWidget(self.steps)
        row.addWidget(self.steps_button, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.slider)
        layout.addWidget(self.hint)
        layout.addLayout(row)
        layout.addWidget(self.steps_list, 1)
        layout.addWidget(self.keep_steps_button)
        self.steps_button.clicked.connect(self.make_steps)
        self.keep_steps_button.clicked.connect(self.keep_steps)
        self.audition_on_click(self.steps_list)
        self.slider.moved.connect(self.morph_to)
        self.latest.finished.connect(self._show)
        self.latest.failed.connect(lambda r: self.session.status.emit(f"Morph failed: {r}"))
        session.model_changed.connect(lambda _g: self._encode())

    def _current(self) -> tuple[Pattern, str]:
        return self.session.doc.pattern, self.session.doc.name

    def set_clip(self, index: int, clip: Pattern, name: str) -> None:
        if not clip.note_count:
            self.session.status.emit("That clip is empty: pick a clip with notes")
            return
        self.clips[index], self.names[index] = clip, name
        self.labels[index].setText(f"{'AB'[index]}: {name}")
        self.thumbs[index].setPixmap(paint_thumbnail(clip))
        self.slider.set_names(f"A {self.names[0]}"[:24], f"B {self.names[1]}"[:24])
        self._encode()

    def _encode(self) -> None:
        a, b = self.clips
        self.path = None
        self.slider.setEnabled(False)
        if a is None or b is None:
            return

        def encode(gen: Generator, _ctx: object) -> tuple[Generator, torch.Tensor, Key | None]:
            auto_key = gen.resolve_key("auto", a.concat(b))  # what Key "Auto" means for A and B
            return gen, gen.interpolation_path(a, b, STEPS + 1), auto_key

        self.session.with_model(encode, self._encoded, "Encoding A and B")

    def _encoded(self, result: tuple[Generator, torch.Tensor, Key | None]) -> None:
        gen, path, auto_key = result
        if gen is not self.session.generator:  # the model changed meanwhile: its own encoding follows
            return
        self.path_gen, self.path, self.auto_key = gen, path, auto_key
        self.slider.setEnabled(True)
        self.session.status.emit("Drag the slider to morph from A to B")

    def morph_to(self, t: float) -> None:
        """Decode the code at position t (0 = A, 1 = B) in a worker; the newest request wins."""
        gen, path, a = self.path_gen, self.path, self.clips[0]
        if gen is None or path is None or a is None or gen is not self.session.generator:
            return
        i = round(t * STEPS)
        temp, key = self.session.generation.model_temperature, self.session.generation.key
        resolved: Key | str | None = key
        if key == "auto":
            resolved = self.auto_key  # resolved once when A and B were encoded, not on every drag position

        def decode(_ctx: object) -> tuple[float, Pattern]:
            with self.session.using(gen):
                return t, gen.decode(path[i : i + 1], temp, resolved, seed=MORPH_SEED, tempo=a.tempo).clip

        self.latest.request(decode)

    def _show(self, result: tuple[float, Pattern]) -> None:
        t, clip = result
        self.session.show_clip(clip, f"morph {t:.0%}", undoable=False)
        if not clip.note_count:  # A and B have notes (empty clips are refused)
            self.session.status.emit(f"The morph at {t:.0%} came out silent (0 notes): move the slider")

    def make_steps(self) -> None:
        """`interpolate` A to B into the chosen number of steps, in a worker; they fill the steps list."""
        a, b = self.clips
        if a is None or b is None:
            self.session.status.emit("Set clips A and B first")
            return
        n, g = self.steps.value(), self.session.generation

        def work(gen: Generator, _ctx: object) -> Generated:
            return gen.interpolate(a, b, n, temperature=g.model_temperature, seed=MORPH_SEED, key=g.key)

        self.session.with_model(work, self._show_steps, f"Morphing A into B in {n} steps")

    def _show_steps(self, result: Generated) -> None:
        clips, notices = result.clips, list(result.notices)
        self.steps_list.clear()
        for i, clip in enumerate(clips):
            silent = "" if clip.note_count else " (silent)"
            self.steps_list.add_clip(clip, f"step {i + 1}/{len(clips)}{silent}")
        self.session.status.emit(
            "; ".join(notices + [f"{len(clips)} steps from A to B: click one to hear it, or keep them all"])
        )

    def keep_steps(self) -> None:
        if not self.steps_list.count():
            self.session.status.emit("Make the steps first")
            return
        for i in range(self.steps_list.count()):
            self.keep.emit(self.steps_list.clip(i), self.steps_list.item(i).text())
