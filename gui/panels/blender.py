# SPDX-License-Identifier: MIT
"""Beat blender: four corner beats on an XY pad; dragging the puck changes the looping beat live."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from engine.midi.files import read_clip
from engine.music.pattern import Pattern
from gui.session import Session
from gui.widgets.xypad import XYPad
from gui.workers import Latest

BLEND_SEED = 11


class BlenderPanel(QWidget):
    """The XY pad plus ways to fill its corners: the current clip, dropped files, the first candidates."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.corners: list[Pattern | None] = [None] * 4
        self.names = [""] * 4
        self.latest = Latest(session.executor, self)
        self.pad = XYPad()
        self.corner_buttons = [QPushButton(c) for c in "1234"]
        row = QHBoxLayout()
        row.addWidget(QLabel("Current clip to corner:"))
        for i, b in enumerate(self.corner_buttons):
            b.setMaximumWidth(40)
            b.clicked.connect(lambda _=False, i=i: self.set_corner(i, session.doc.pattern, session.doc.name))
            row.addWidget(b)
        self.fill_button = QPushButton("Corners ← first 4 candidates")
        hint = QLabel("Drop .mid files on the corners, or fill them from clips; then drag the puck.")
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pad, 1)
        layout.addLayout(row)
        layout.addWidget(self.fill_button)
        layout.addWidget(hint)
        self.pad.moved.connect(self.blend_at)
        self.pad.corner_dropped.connect(self.load_corner)
        self.latest.finished.connect(self._show)
        self.latest.failed.connect(lambda r: self.session.status.emit(f"Blend failed: {r}"))

    def set_corner(self, index: int, clip: Pattern, name: str) -> None:
        if not clip.note_count:
            self.session.status.emit("That clip is empty: pick a beat with notes")
            return
        self.corners[index] = clip
        self.names[index] = name
        self.pad.set_label(index, f"{index + 1}: {name}")
        missing = sum(c is None for c in self.corners)
        self.session.status.emit(f"Corner {index + 1} set" + (f"; {missing} to go" if missing else "; drag"))

    def set_corners(self, clips: list[tuple[Pattern, str]]) -> None:
        for i, (clip, name) in enumerate(clips[:4]):
            self.set_corner(i, clip, name)

    def load_corner(self, index: int, path: str) -> None:
        """A MIDI file dropped on a corner (read here: files are small and capped by midi_io)."""
        try:
            clip = read_clip(path)
        except Exception as exc:  # noqa: BLE001 - any unreadable file is reported, not raised
            self.session.status.emit(f"{Path(path).name}: {exc}")
            return
        self.set_corner(index, clip, Path(path).stem)

    def blend_at(self, x: float, y: float) -> None:
        gen = self.session.generator
        corners = self.corners
        if gen is None or any(c is None for c in corners):
            missing = ", ".join(c for c, clip in zip("1234", corners, strict=True) if clip is None)
            self.session.status.emit(
                "Pick a model first" if gen is None else f"Fill corner(s) {missing} first"
            )
            return
        temp = self.session.generation.model_temperature
        chosen = [c for c in corners if c is not None]  # all four: checked above

        def blend(_ctx: object) -> tuple[float, float, Pattern]:
            with self.session.using(gen):
                return x, y, gen.blend(chosen, x, y, temperature=temp, seed=BLEND_SEED).clip

        self.latest.request(blend)

    def _show(self, result: tuple[float, float, Pattern]) -> None:
        x, y, clip = result
        self.session.show_clip(clip, f"blend {x:.2f},{y:.2f}", undoable=False)
        if not clip.note_count:  # the corners have notes (set_corner refuses empty clips)
            self.session.status.emit(f"The blend at {x:.2f},{y:.2f} came out silent (0 notes): move the puck")
