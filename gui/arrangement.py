# SPDX-License-Identifier: MIT
"""The arrangement strip: kept clips in a row (drag to reorder), played or exported as one clip."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from engine.music.pattern import Pattern
from engine.music.sessionfile import Lane, PlacedClip
from gui.dnd import DragOut, clip_mime
from gui.widgets.thumbnails import ClipList


class ArrangementStrip(QWidget):
    """Kept clips, chained left to right.

    Signals:
        play_requested(object): play the whole arrangement (a Pattern).
        export_requested(object, str): export this Pattern as "midi" or "wav".
        changed(): clips were added, removed or reordered.
    """

    play_requested = Signal(object)
    export_requested = Signal(object, str)
    changed = Signal()

    def __init__(self, folder: Callable[[], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.folder = folder
        self.list = ClipList(strip=True)
        self.list.mime_factory = lambda clips, name: clip_mime(clips, self.folder(), name)
        self.list.model().rowsMoved.connect(self.changed)
        self.summary = QLabel("Arrangement: keep clips (Ctrl+K) to chain them here")
        buttons = QHBoxLayout()
        self.play_button = QPushButton("Play all")
        self.remove_button = QPushButton("Remove")
        self.midi_button = QPushButton("Export MIDI…")
        self.wav_button = QPushButton("Export WAV…")
        self.drag = DragOut("⇲ drag arrangement to DAW", self.clips, folder, "arrangement")
        for b in (self.play_button, self.remove_button, self.midi_button, self.wav_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.drag)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        head = QHBoxLayout()
        head.addWidget(self.summary, 1)
        head.addLayout(buttons)
        layout.addLayout(head)
        layout.addWidget(self.list)
        self.play_button.clicked.connect(self._play)
        self.remove_button.clicked.connect(self.remove_selected)
        self.midi_button.clicked.connect(lambda: self._export("midi"))
        self.wav_button.clicked.connect(lambda: self._export("wav"))
        self.changed.connect(self._summarise)

    def add(self, clip: Pattern, name: str) -> None:
        self.list.add_clip(clip, name)
        self.changed.emit()

    # --- the arrangement as lanes (the session file's model; today one lane, clips end to end) ---------
    def lanes(self) -> list[Lane]:
        """The arrangement as lanes of clips placed at a start bar."""
        placed, bar = [], 0
        for i in range(self.list.count()):
            clip = self.list.clip(i)
            placed.append(PlacedClip(self.list.item(i).text(), clip, bar))
            bar += clip.bars
        return [Lane("", tuple(placed))] if placed else []

    def set_lanes(self, lanes: list[Lane]) -> None:
        """Replace the arrangement with `lanes` (clips of every lane in start-bar order, for one lane)."""
        self.list.clear()
        placed = sorted((c for lane in lanes for c in lane.clips), key=lambda c: c.start_bar)
        for c in placed:
            self.list.add_clip(c.pattern, c.name)
        self.changed.emit()

    def clips(self) -> list[Pattern]:
        return self.list.clips()

    def joined(self) -> Pattern | None:
        clips = self.clips()
        return Pattern.join(clips) if clips else None

    def remove_selected(self) -> None:
        for item in self.list.selectedItems():
            self.list.takeItem(self.list.row(item))
        self.changed.emit()

    def _summarise(self) -> None:
        joined = self.joined()
        self.summary.setText(
            f"Arrangement: {self.list.count()} clip(s), {joined.bars} bars"
            if joined
            else "Arrangement: keep clips (Ctrl+K) to chain them here"
        )

    def _play(self) -> None:
        joined = self.joined()
        if joined is not None:
            self.play_requested.emit(joined)

    def _export(self, kind: str) -> None:
        joined = self.joined()
        if joined is not None:
            self.export_requested.emit(joined, kind)
