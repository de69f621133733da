# SPDX-License-Identifier: MIT
"""The piano roll with scroll bars and zoom buttons around it."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QScrollBar, QToolButton, QWidget

from gui.document import ClipDocument
from gui.pianoroll.view import PianoRollView
from gui.pianoroll.viewmodel import KEYS_W, RULER_H, VEL_H


class PianoRollPane(QWidget):
    """A `PianoRollView` plus scroll bars that follow its view model, and zoom in/out/fit buttons."""

    def __init__(self, doc: ClipDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = PianoRollView(doc)
        self.hbar = QScrollBar(Qt.Orientation.Horizontal)
        self.vbar = QScrollBar(Qt.Orientation.Vertical)
        self.info = QLabel()
        self.info.setStyleSheet("color: #7d848d;")
        tools = QHBoxLayout()
        tools.setContentsMargins(4, 0, 4, 0)
        tools.addWidget(self.info, 1)
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
        grid.addWidget(self.view, 0, 0)
        grid.addWidget(self.vbar, 0, 1)
        grid.addWidget(self.hbar, 1, 0)
        grid.addLayout(tools, 2, 0, 1, 2)
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

    def _scrolled(self) -> None:
        m = self.view.model
        m.scroll_x, m.scroll_y = float(self.hbar.value()), float(self.vbar.value())
        m.scroll_by(0, 0)
        self.view.update()
