# SPDX-License-Identifier: MIT
"""The track list beside the piano roll: each track's colour, name, General MIDI program name, and Mute
and Solo buttons (what plays follows them: engine.music.edit.audible); clicking a track makes it the one
new notes go to; double-clicking a pitched track's program offers the 128 General MIDI programs by family
(a recorded take can become the bass it was played as)."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QWidget,
)

from engine.midi.roles import program_name as gm_name
from engine.music.edit import audible
from engine.music.pattern import Pattern
from gui.pianoroll.painter import track_colour

COLUMNS = ("", "Track", "Program", "M", "S")


@cache
def program_name(program: int, is_drum: bool = False) -> str:
    """The General MIDI name of `program` 0..127 ("Standard Drum Kit" on the drum channel), from
    pretty_midi's GM table."""
    return "Standard Drum Kit" if is_drum else gm_name(program)


@cache
def program_family(program: int) -> str:
    """The General MIDI family of `program` 0..127 ("Piano", "Bass", "Strings"…; 16 families of 8)."""
    import pretty_midi

    return str(pretty_midi.program_to_instrument_class(program))


class TrackList(QTableWidget):
    """One row per track of the clip.

    Signals:
        mix_changed(): a Mute or Solo button changed (what plays changes).
        track_chosen(int): a track was clicked (new notes go to it).
        program_chosen(int, int): (track, program 0..127) picked from the Program menu.
    """

    mix_changed = Signal()
    track_chosen = Signal(int)
    program_chosen = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.muted: set[int] = set()
        self.solo: set[int] = set()
        self._shape: tuple[tuple[str, int, bool], ...] = ()
        self.setHorizontalHeaderLabels(COLUMNS)
        self.verticalHeader().hide()
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setWordWrap(False)  # one line a track: a long program name is elided
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)  # the track's name shows whole; a
        # long program name is elided (its tooltip and the name column say which instrument it is)
        self.setMinimumWidth(200)
        self.setMaximumWidth(260)
        self.cellClicked.connect(lambda row, _col: self.track_chosen.emit(row))
        self.cellDoubleClicked.connect(self._cell_double_clicked)
        self._drums: tuple[bool, ...] = ()

    def _cell_double_clicked(self, row: int, col: int) -> None:
        item = self.item(row, 2)
        if col == 2 and item is not None:
            rect = self.visualItemRect(item)
            self.program_menu(row).popup(self.viewport().mapToGlobal(rect.bottomLeft()))

    def program_menu(self, track: int) -> QMenu:
        """The General MIDI programs in 16 family submenus; picking one emits `program_chosen`. A drum
        track has no programs to pick (the menu says so)."""
        menu = QMenu(self)
        if track < len(self._drums) and self._drums[track]:
            menu.addAction("Drums play on MIDI channel 10: no program to pick").setEnabled(False)
            return menu
        for first in range(0, 128, 8):
            family = menu.addMenu(program_family(first))
            for program in range(first, first + 8):
                action = family.addAction(f"{program + 1} {program_name(program)}")
                action.triggered.connect(lambda _=False, p=program: self.program_chosen.emit(track, p))
        return menu

    def show_pattern(self, pattern: Pattern) -> None:
        """Rows for the clip's tracks; mute and solo stay while the tracks are the same ones."""
        shape = tuple((t.name, t.program, t.is_drum) for t in pattern.tracks)
        if shape == self._shape:
            return
        if len(shape) != len(self._shape):
            self.muted, self.solo = set(), set()
        self._shape = shape
        self._drums = tuple(t.is_drum for t in pattern.tracks)
        for row in range(self.rowCount()):  # the old buttons go now, not at Qt's next deferred delete
            for col in (3, 4):
                old = self.cellWidget(row, col)
                if old is not None:
                    old.hide()
        self.setRowCount(len(pattern.tracks))
        for i, t in enumerate(pattern.tracks):
            swatch = QTableWidgetItem()
            swatch.setBackground(track_colour(pattern, i))
            self.setItem(i, 0, swatch)
            self.setItem(i, 1, QTableWidgetItem(t.name or t.role.value))
            program = QTableWidgetItem(program_name(t.program, t.is_drum))
            program.setToolTip(
                f"General MIDI program {t.program + 1} (double-click to change)"
                if not t.is_drum
                else "MIDI channel 10"
            )
            self.setItem(i, 2, program)
            for col, chosen, text, colour in (
                (3, self.muted, "M", "#d9a13b"),
                (4, self.solo, "S", "#4fb0c6"),
            ):
                button = QToolButton()
                button.setText(text)
                button.setCheckable(True)
                button.setChecked(i in chosen)
                button.setToolTip(("Mute" if text == "M" else "Solo") + f" {t.name or 'this track'}")
                button.setStyleSheet(f"QToolButton:checked {{ background: {colour}; color: black; }}")
                button.toggled.connect(lambda on, i=i, chosen=chosen: self._toggle(chosen, i, on))
                self.setCellWidget(i, col, button)
        self.resizeRowsToContents()

    def _toggle(self, chosen: set[int], track: int, on: bool) -> None:
        (chosen.add if on else chosen.discard)(track)
        self.mix_changed.emit()

    def set_muted(self, track: int, on: bool) -> None:
        self._button(track, 3).setChecked(on)

    def set_solo(self, track: int, on: bool) -> None:
        self._button(track, 4).setChecked(on)

    def _button(self, track: int, col: int) -> QToolButton:
        widget = self.cellWidget(track, col)
        assert isinstance(widget, QToolButton)
        return widget

    def audible(self, pattern: Pattern) -> Pattern:
        """`pattern` with only the tracks that sound (engine.music.edit.audible)."""
        return audible(pattern, self.muted, self.solo)

    def silent(self, count: int) -> set[int]:
        """Track indexes that do not sound (to paint faint)."""
        return {i for i in range(count) if (i not in self.solo if self.solo else i in self.muted)}
