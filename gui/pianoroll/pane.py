# SPDX-License-Identifier: MIT
"""The piano roll with scroll bars, zoom buttons, the editing bar (grid, velocity of the selection,
quantize with strength) and the track list (gui.pianoroll.tracks) around it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollBar,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QWidget,
)

from engine.music.edit import GRIDS
from engine.music.pattern import Pattern, Role
from gui.document import ClipDocument
from gui.pianoroll.commands import SetPatternCommand
from gui.pianoroll.tracks import TrackList, program_name
from gui.pianoroll.view import PianoRollView
from gui.pianoroll.viewmodel import KEYS_W, RULER_H, VEL_H
from gui.record import RecordBar


class ElidedLabel(QLabel):
    """A one-line label that shows as much of its text as fits, ending in "…", with the whole text as its
    tooltip; `text()` is the whole text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(60)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt override
        self._full = text
        self.setToolTip(text)
        self._elide()

    def text(self) -> str:
        return self._full

    def shown(self) -> str:
        """What the label shows now (elided to its width)."""
        return super().text()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(0, self.contentsRect().width())
        super().setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, width))


class PianoRollPane(QWidget):
    """A `PianoRollView` plus scroll bars that follow its view model, zoom in/out/fit buttons, the editing
    bar and the track list.

    Signals:
        mix_changed(): Mute or Solo changed: what plays is `audible(pattern)`.
    """

    mix_changed = Signal()

    def __init__(self, doc: ClipDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = PianoRollView(doc)
        self.tracks = TrackList()
        self.grid_box = QComboBox()
        self.grid_box.addItems(list(GRIDS))
        self.grid_box.setToolTip("Grid: moves snap to it, new notes are one cell long, Quantize aims at it")
        self.velocity = QSpinBox()
        self.velocity.setRange(0, 127)
        self.velocity.setSpecialValueText("—")
        self.velocity.setToolTip("Velocity of the selected notes (several at once); new notes get it too")
        self.strength = QSpinBox()
        self.strength.setRange(0, 100)
        self.strength.setValue(100)
        self.strength.setSuffix(" %")
        self.strength.setToolTip("Quantize strength: 100 % puts notes on the grid, 50 % halves the distance")
        self.quantize_button = QToolButton()
        self.quantize_button.setText("Quantize")
        self.quantize_button.setToolTip(
            "Quantize the selected notes (all when none is selected) to the grid (Q)"
        )
        edit_bar = QHBoxLayout()
        edit_bar.setContentsMargins(4, 0, 4, 0)
        for label, widget in (
            ("Grid", self.grid_box),
            ("Velocity", self.velocity),
            ("", self.quantize_button),
            ("Strength", self.strength),
        ):
            if label:
                edit_bar.addWidget(QLabel(label))
            edit_bar.addWidget(widget)
        # the info line shares the editing bar (the Rec bar below needs the whole width at 1280 px); a long
        # name is elided with "…" and the whole line is its tooltip
        self.info = ElidedLabel()
        self.info.setStyleSheet("color: #7d848d;")
        edit_bar.addSpacing(8)
        edit_bar.addWidget(self.info, 1)
        self.record = RecordBar(doc)
        self.edit_bar = edit_bar
        self.hbar = QScrollBar(Qt.Orientation.Horizontal)
        self.vbar = QScrollBar(Qt.Orientation.Vertical)
        tools = QHBoxLayout()
        tools.setContentsMargins(4, 0, 4, 0)
        tools.addWidget(self.record)
        tools.addStretch(1)
        for text, tip, slot in (
            ("−", "Zoom out (Ctrl+wheel)", lambda: self.view.model.zoom_x(0.8)),
            ("+", "Zoom in (Ctrl+wheel)", lambda: self.view.model.zoom_x(1.25)),
            ("Fit", "Show the whole clip (Ctrl+0)", self.view.model.fit),
        ):
            button = QToolButton()
            button.setText(text)
            button.setToolTip(tip)
            button.clicked.connect(lambda _=False, s=slot: self.apply(s))
            tools.addWidget(button)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(0)
        grid.addLayout(edit_bar, 0, 0, 1, 3)
        grid.addWidget(self.tracks, 1, 0)
        grid.addWidget(self.view, 1, 1)
        grid.addWidget(self.vbar, 1, 2)
        grid.addWidget(self.hbar, 2, 1)
        grid.addLayout(tools, 3, 0, 1, 3)
        self.grid_box.currentTextChanged.connect(self._grid)
        self.velocity.valueChanged.connect(self._velocity)
        self.strength.valueChanged.connect(lambda v: setattr(self.view, "quantize_strength", v / 100))
        self.quantize_button.clicked.connect(
            lambda: self.apply(lambda: self.view.quantize(self.view.quantize_strength))
        )
        self.tracks.mix_changed.connect(self._mix)
        self.tracks.track_chosen.connect(lambda i: setattr(self.view, "active_track", i))
        self.tracks.program_chosen.connect(self.set_program)
        self.view.selection_changed.connect(lambda _n: self._show_selection())
        doc.changed.connect(self._show_tracks)
        self._show_tracks(doc.pattern)
        self.hbar.valueChanged.connect(self._scrolled)
        self.vbar.valueChanged.connect(self._scrolled)
        self.view.viewport_changed.connect(self.sync)
        doc.changed.connect(lambda _p: self.sync())
        self.sync()

    def apply(self, action: Callable[[], object]) -> None:
        action()
        self.view.update()
        self.sync()

    def sync(self) -> None:
        """Scroll bars and the info line follow the view model (zoom, scroll, clip size)."""
        m = self.view.model
        for bar, value, total, page in (
            (self.hbar, m.scroll_x, m.content_width, m.width - KEYS_W),
            (self.vbar, m.scroll_y, m.content_height, m.height - RULER_H - VEL_H),
        ):
            bar.blockSignals(True)
            bar.setRange(0, max(0, int(total - page)))
            bar.setPageStep(max(1, int(page)))
            bar.setValue(int(value))
            bar.blockSignals(False)
        p = m.pattern
        self.info.setText(
            f"{self.view.doc.name}: {p.bars} bar(s), {len(p.tracks)} track(s), {p.note_count} notes"
        )  # no tempo here: the transport's tempo is the one everything plays and exports at

    def audible(self, pattern: Pattern) -> Pattern:
        """What plays of `pattern`: the tracks not muted (or the soloed ones)."""
        return self.tracks.audible(pattern)

    def set_program(self, track: int, program: int) -> None:
        """Give `track` the General MIDI `program` 0..127 (one undo step). A Bass-family program makes it
        the bass part (Role.BASS: it keeps to the Bass lane and channel); leaving that family makes a
        bass part a lead."""
        doc = self.view.doc
        tracks = list(doc.pattern.tracks)
        t = tracks[track]
        role = t.role
        if 32 <= program <= 39:
            role = Role.BASS
        elif role == Role.BASS:
            role = Role.LEAD
        tracks[track] = dataclasses.replace(t, program=program, role=role)
        name = program_name(program)
        doc.undo_stack.push(SetPatternCommand(doc, doc.pattern.with_tracks(tracks), f"instrument {name}"))

    def _show_tracks(self, pattern: Pattern) -> None:
        self.tracks.show_pattern(pattern)
        # several tracks, or one pitched track (its instrument can be picked); a lone drum track needs none
        self.tracks.setVisible(len(pattern.tracks) > 1 or any(not t.is_drum for t in pattern.tracks))
        self.view.model.dimmed = self.tracks.silent(len(pattern.tracks))
        self._show_selection()

    def _mix(self) -> None:
        self.view.model.dimmed = self.tracks.silent(len(self.view.model.pattern.tracks))
        self.view.update()
        self.mix_changed.emit()

    def _grid(self, name: str) -> None:
        self.view.model.grid = GRIDS[name]

    def _show_selection(self) -> None:
        """The velocity box shows the selection's velocity (— when the notes differ or none is chosen)."""
        values = {r.note.velocity for r in self.view.model.selection}
        self.velocity.blockSignals(True)
        self.velocity.setValue(values.pop() if len(values) == 1 else 0)
        self.velocity.blockSignals(False)

    def _velocity(self, value: int) -> None:
        if value <= 0:
            return
        if self.view.model.selection:
            self.view.set_velocity(value)
        else:
            self.view.new_velocity = value

    def _scrolled(self) -> None:
        m = self.view.model
        m.scroll_x, m.scroll_y = float(self.hbar.value()), float(self.vbar.value())
        m.scroll_by(0, 0)
        self.view.update()
