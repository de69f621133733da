# SPDX-License-Identifier: MIT
"""The arrangement panel: lanes of kept clips on a bar grid (gui.lanes), with undo for every change, play
from a bar or loop a range, export or drag out the whole arrangement or the range.

The value lives in an engine `Arrangement` (engine.music.arrangement); every edit is an
`ArrangementCommand` on the shared undo stack, so Ctrl+Z undoes arrangement edits and note edits in the
order they were made (one history, as in a DAW).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QMimeData, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine.music.arrangement import Arrangement, ArrangementError
from engine.music.pattern import Pattern
from gui.dnd import DragOut, clip_mime
from gui.lanes import LANE_H, RULER_H, LaneView

EMPTY_TEXT = "Arrangement: keep clips (Ctrl+K) to place them in lanes"


class ArrangementCommand(QUndoCommand):
    """Swap the arrangement for another value (every lane edit is one of these)."""

    def __init__(self, strip: ArrangementStrip, after: Arrangement, text: str) -> None:
        super().__init__(text)
        self.strip, self.before, self.after = strip, strip.arrangement, after

    def redo(self) -> None:
        self.strip.set_arrangement(self.after)

    def undo(self) -> None:
        self.strip.set_arrangement(self.before)


class ArrangementStrip(QWidget):
    """Lanes of kept clips with their buttons.

    Signals:
        play_requested(object): play this Pattern (the arrangement from the play-from bar, or the range).
        export_requested(object, str): export this Pattern as "midi" or "wav".
        clip_opened(object, str): a placed clip was double-clicked (Pattern, name).
        status(str): a one-line message for the status area (why Play or Export did nothing).
        changed(): the arrangement changed (any edit, undo or redo).
    """

    play_requested = Signal(object)
    export_requested = Signal(object, str)
    clip_opened = Signal(object, str)
    status = Signal(str)
    changed = Signal()

    def __init__(
        self, folder: Callable[[], str], undo_stack: QUndoStack | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.folder = folder
        self.undo_stack = undo_stack if undo_stack is not None else QUndoStack(self)
        self.arrangement = Arrangement()
        self.view = LaneView()
        self.mime_factory: Callable[[list[Pattern], str], QMimeData] = lambda clips, name: clip_mime(
            clips, self.folder(), name
        )
        self.summary = QLabel(EMPTY_TEXT)
        self.summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # may elide
        self.summary.setMinimumWidth(120)
        self.play_button = QPushButton("Play")
        self.play_button.setToolTip(
            "Play from the green cursor (click the bar ruler), or loop the marked range"
        )
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected clip (Delete; Ctrl+Z brings it back)")
        self.lane_button = QToolButton()
        self.lane_button.setText("+ lane")
        self.lane_button.setToolTip("Add a lane")
        self.midi_button = QPushButton("Export MIDI…")
        self.wav_button = QPushButton("Export WAV…")
        for export in (self.midi_button, self.wav_button):
            export.setToolTip("Export the marked range (drag on the bar ruler), or the whole arrangement")
        self.drag = DragOut("⇲ drag to DAW", self._drag_clips, folder, "arrangement")
        self.drag.setToolTip("Drag the range (or the whole arrangement) into your DAW as one .mid file")
        head = QHBoxLayout()
        head.addWidget(self.summary, 1)
        for b in (self.play_button, self.remove_button, self.lane_button, self.midi_button, self.wav_button):
            head.addWidget(b)
        head.addWidget(self.drag)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidget(self.view)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setMinimumHeight(RULER_H + 2 * LANE_H + 4)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addLayout(head)
        layout.addWidget(self.scroll_area, 1)
        self.play_button.clicked.connect(self.play)
        self.remove_button.clicked.connect(self.remove_selected)
        self.lane_button.clicked.connect(self._add_lane)
        self.midi_button.clicked.connect(lambda: self.export("midi"))
        self.wav_button.clicked.connect(lambda: self.export("wav"))
        v = self.view
        v.move_requested.connect(self.move_clip)
        v.remove_requested.connect(self.remove)
        v.mute_requested.connect(self.set_muted)
        v.solo_requested.connect(self.set_solo)
        v.lane_move_requested.connect(self.move_lane)
        v.lane_remove_requested.connect(self.remove_lane)
        v.trim_requested.connect(self.trim)
        v.rename_requested.connect(self._rename)
        v.clip_opened.connect(lambda lane, i: self.clip_opened.emit(*self._clip(lane, i)))
        v.cursor_changed.connect(self._summarise)
        v.files_dropped.connect(self.place_files)
        self.set_arrangement(self.arrangement)

    # --- the value -----------------------------------------------------------------------------
    def set_arrangement(self, arrangement: Arrangement) -> None:
        """Show `arrangement` (no undo step: the commands and a session load call this)."""
        self.arrangement = arrangement
        self.view.set_arrangement(arrangement)
        self._summarise()
        self.changed.emit()

    def edit(self, after: Arrangement, text: str) -> None:
        """Make `after` the arrangement as one undo step."""
        if after != self.arrangement:
            self.undo_stack.push(ArrangementCommand(self, after, text))

    # --- edits -----------------------------------------------------------------------------------
    def add(self, clip: Pattern, name: str) -> None:
        """Append `clip` to the lane of its kind (drums, bass, lead, band)."""
        after, lane = self.arrangement.add(clip, name)
        self.edit(after, f"keep {name} in {after.lanes[lane].name}")

    def move_clip(self, lane: int, index: int, to_lane: int, start_bar: int) -> None:
        """Move a placed clip to `to_lane` at `start_bar` (see Arrangement.move), one undo step."""
        moving = self.arrangement.placement(lane, index)
        after = self.arrangement.move(lane, index, to_lane, start_bar)
        self.edit(after, f"move {moving.name} to bar {start_bar + 1}")
        placed = after.lanes[to_lane].placements
        self.view.selected = next((to_lane, i) for i, p in enumerate(placed) if p.clip is moving.clip)
        self.view.update()

    def place_files(self, lane: int, start_bar: int, paths: list[str]) -> None:
        """Read .mid files and place them one after another in `lane` from `start_bar` (one undo step);
        a file that cannot be read is named in the status line and skipped."""
        from engine.midi.files import MidiError, read_clip

        after, at, placed = self.arrangement, start_bar, []
        for path in paths:
            try:
                clip = read_clip(path)
            except (MidiError, OSError) as e:
                self._say(f"Cannot place {Path(path).name}: {e}")
                continue
            if not clip.note_count:
                self._say(f"Cannot place {Path(path).name}: it has no notes")
                continue
            after = after.place(lane, clip, Path(path).stem, at)
            at = max(p.end_bar for p in after.lanes[lane].placements if p.clip is clip)
            placed.append(Path(path).stem)
        if placed:
            self.edit(after, f"place {', '.join(placed)}")

    def remove(self, lane: int, index: int) -> None:
        name = self.arrangement.placement(lane, index).name
        self.view.selected = None
        self.edit(self.arrangement.remove(lane, index), f"remove {name}")

    def remove_selected(self) -> None:
        if self.view.selected is None:
            self.status.emit("Select a clip in the arrangement first (click it)")
            return
        self.remove(*self.view.selected)

    def set_muted(self, lane: int, muted: bool) -> None:
        name = self.arrangement.lanes[lane].name
        self.edit(self.arrangement.set_muted(lane, muted), f"{'mute' if muted else 'unmute'} {name}")

    def set_solo(self, lane: int, solo: bool) -> None:
        name = self.arrangement.lanes[lane].name
        self.edit(self.arrangement.set_solo(lane, solo), f"{'solo' if solo else 'unsolo'} {name}")

    def move_lane(self, lane: int, to: int) -> None:
        """Move lane `lane` to position `to` (top = 0), one undo step; the selection moves with it."""
        if not 0 <= to < len(self.arrangement.lanes) or to == lane:
            return
        name = self.arrangement.lanes[lane].name
        selected = self.view.selected
        self.edit(self.arrangement.move_lane(lane, to), f"move lane {name}")
        self.view.selected = (to, selected[1]) if selected is not None and selected[0] == lane else None
        self.view.update()

    def remove_lane(self, lane: int) -> None:
        """Remove an empty lane (one undo step); a lane with clips says why it stays."""
        target = self.arrangement.lanes[lane]
        if target.placements:
            self._say(f"Lane {target.name} holds clips: remove or move them first")
            return
        self.edit(self.arrangement.remove_lane(lane), f"remove lane {target.name}")

    def trim(self, lane: int, index: int, start_bar: int, end_bar: int) -> None:
        """Show only bars [start_bar, end_bar) of a placed clip (its edges dragged), one undo step."""
        p = self.arrangement.placement(lane, index)
        try:
            after = self.arrangement.trim(lane, index, start_bar, end_bar)
        except ArrangementError as e:
            self._say(f"Cannot trim {p.name}: {e}")
            return
        self.edit(after, f"trim {p.name} to bars {start_bar + 1}-{end_bar}")

    def _add_lane(self) -> None:
        self.edit(self.arrangement.add_lane(f"Lane {len(self.arrangement.lanes) + 1}"), "add lane")

    def _rename(self, lane: int) -> None:
        old = self.arrangement.lanes[lane].name
        name, ok = QInputDialog.getText(self, "Rename lane", "Lane name:", text=old)
        if ok and name.strip():
            self.edit(self.arrangement.rename_lane(lane, name.strip()), f"rename {old}")

    # --- reading ---------------------------------------------------------------------------------
    def clips(self) -> list[Pattern]:
        """Every placed clip, lane by lane, left to right."""
        return [p.clip for lane in self.arrangement.lanes for p in lane.placements]

    def names(self) -> list[str]:
        return [p.name for lane in self.arrangement.lanes for p in lane.placements]

    def count(self) -> int:
        return self.arrangement.clip_count

    def joined(self) -> Pattern | None:
        """The whole arrangement mixed (None when empty)."""
        return None if self.arrangement.is_empty() else self.arrangement.render()

    def rendered(self, from_cursor: bool = False) -> Pattern:
        """The marked range, else the whole arrangement (from the play-from bar when `from_cursor`).
        Raises ArrangementError saying why there is nothing."""
        arr, view = self.arrangement, self.view
        if view.range is not None:
            return arr.render(*view.range)  # the lanes that sound (solo, mute) over the range
        start = self.start_bar(from_cursor)
        if not arr.is_empty() and start >= arr.bars:
            raise ArrangementError(f"the arrangement ends at bar {arr.bars}: play from an earlier bar")
        return arr.render(start)

    def _clip(self, lane: int, index: int) -> tuple[Pattern, str]:
        p = self.arrangement.placement(lane, index)
        return p.clip, p.name

    # --- play and export ---------------------------------------------------------------------------
    def start_bar(self, from_cursor: bool = True) -> int:
        """The bar (0-based) `rendered` starts at: the range's first bar, else the play-from bar."""
        view = self.view
        return view.range[0] if view.range is not None else (view.cursor_bar if from_cursor else 0)

    def play(self) -> None:
        try:
            self.play_requested.emit(self.rendered(from_cursor=True))
        except ArrangementError as e:
            self._say(f"Nothing to play: {e}")

    def export(self, kind: str) -> None:
        try:
            self.export_requested.emit(self.rendered(), kind)
        except ArrangementError as e:
            self._say(f"Nothing to export: {e}")

    def _drag_clips(self) -> list[Pattern]:
        try:
            return [self.rendered()]
        except ArrangementError as e:
            self._say(f"Nothing to drag: {e}")
            return []

    def _say(self, text: str) -> None:
        self.summary.setText(text)
        self.status.emit(text)

    def _summarise(self) -> None:
        arr, view = self.arrangement, self.view
        if arr.is_empty():
            self.summary.setText(EMPTY_TEXT)
            return
        where = (
            f"range bars {view.range[0] + 1}-{view.range[1]}"
            if view.range is not None
            else f"play from bar {view.cursor_bar + 1}"
        )
        soloed = [lane.name for lane in arr.lanes if lane.solo]
        muted = [lane.name for lane in arr.lanes if lane.muted and not soloed]
        mix = f"; solo {', '.join(soloed)}" if soloed else (f"; muted {', '.join(muted)}" if muted else "")
        self.summary.setText(
            f"Arrangement: {arr.clip_count} clip(s) in {len(arr.lanes)} lanes, {arr.bars} bars; {where}{mix}"
        )
