# SPDX-License-Identifier: MIT
"""Recording into the current clip: the piano roll's ● Rec bar. Pick an input ("Bandmate In", a virtual
port your DAW or keyboard app plays into, or any MIDI input), how many bars and the count-in; the
metronome clicks on the sound output; the take becomes the clip in the roll (one undo step), ready to be
morph A/B, a blend corner, or the start for variations and Complete (engine.live.take)."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QMenu, QSpinBox, QToolButton, QWidget

from engine.live.take import Take
from engine.music.pattern import Pattern
from engine.playback.output import MidiOutput
from gui.document import ClipDocument

if TYPE_CHECKING:
    from synth.midi_in import MidiInput

BANDMATE_IN = "Bandmate In"
USE_TARGETS = {
    "A": "Use as morph A",
    "B": "Use as morph B",
    **{str(i): f"Put in blend corner {i + 1}" for i in range(4)},
}


class RecordBar(QWidget):
    """● Rec with its input, bars, count-in and click settings.

    Attributes:
        click: gives the output the metronome plays on (None: silent), set by the window.
        tempo: gives the transport tempo in BPM, set by the window.

    Signals:
        recorded(object): the take (a Pattern), already the current clip (or added to it: overdub).
        bar_one(int): milliseconds from now until the first recorded bar (the window starts the clip
            there, so you play along with it).
        use_as(str): "A"/"B" (morph) or "0".."3" (blend corner): use the current clip there.
        status(str): a one-line message (the port error, nothing played, the take).
    """

    recorded = Signal(object)
    bar_one = Signal(int)
    use_as = Signal(str)
    status = Signal(str)

    def __init__(self, doc: ClipDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.click: Callable[[], MidiOutput | None] = lambda: None
        self.tempo: Callable[[], float] = lambda: 120.0
        self.take: Take | None = None
        self._port: MidiInput | None = None
        self.input_box = QComboBox()
        self.input_box.addItem(BANDMATE_IN, None)
        self.input_box.setToolTip(
            f'Where the notes come from: "{BANDMATE_IN}" (a virtual port) or a MIDI input'
        )
        self.bars = QSpinBox()
        self.bars.setRange(1, 64)
        self.bars.setValue(4)
        self.bars.setSuffix(" bars")
        self.count_in = QSpinBox()
        self.count_in.setRange(0, 4)
        self.count_in.setValue(1)
        self.count_in.setPrefix("count-in ")
        self.metronome = QCheckBox("click")
        self.metronome.setChecked(True)
        self.overdub = QCheckBox("overdub")
        self.overdub.setToolTip("Add the take to the clip as a new part (else the take becomes the clip)")
        self.rec_button = QToolButton()
        self.rec_button.setText("● Rec")
        self.rec_button.setToolTip(
            "Record what you play into the clip (count-in, then the bars; click again to stop)"
        )
        self.use_button = QToolButton()
        self.use_button.setText("Use clip as…")
        self.use_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.use_button)
        for target, text in USE_TARGETS.items():
            menu.addAction(text, self._use_later(target))
        self.use_button.setMenu(menu)
        self.state = QLabel()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for w in (
            self.rec_button,
            self.input_box,
            self.bars,
            self.count_in,
            self.metronome,
            self.overdub,
            self.state,
            self.use_button,
        ):
            layout.addWidget(w)
        self.timer = QTimer(self)
        self.timer.setInterval(50)
        self.timer.timeout.connect(self._tick)
        self.rec_button.clicked.connect(self.toggle)
        self.input_box.showPopup = self._popup  # type: ignore[method-assign]

    def _use_later(self, target: str) -> Callable[[], None]:
        return lambda: self.use_as.emit(target)

    def _popup(self) -> None:
        """List the MIDI inputs each time the menu opens (devices come and go)."""
        current = self.input_box.currentData()
        self.input_box.clear()
        self.input_box.addItem(BANDMATE_IN, None)
        try:
            from synth.ports import list_ports

            for name in list_ports().inputs:
                if BANDMATE_IN not in name:
                    self.input_box.addItem(name, name)
        except Exception as e:  # noqa: BLE001 - no MIDI system: only the virtual port is offered
            self.status.emit(f"No MIDI inputs listed: {e}")
        index = self.input_box.findData(current)
        self.input_box.setCurrentIndex(max(0, index))
        QComboBox.showPopup(self.input_box)

    @property
    def recording(self) -> bool:
        return self.take is not None

    def toggle(self) -> None:
        self.stop() if self.recording else self.start()

    def start(self, port: str | None = None) -> bool:
        """Open the input (`port`, default the chosen one) and start the count-in; False (and a status
        line) when the input cannot be opened."""
        from synth.midi_in import MidiInput
        from synth.ports import PortError

        name = port if port is not None else self.input_box.currentData()
        take = Take(
            self.bars.value(),
            self.tempo(),
            self.count_in.value(),
            self.click() if self.metronome.isChecked() else None,
        )
        try:
            self._port = MidiInput.open(take.feed, name)
        except (PortError, RuntimeError, OSError) as e:
            self.status.emit(f"Cannot record: {e}")
            return False
        self.take = take
        take.start()
        to_bar_one = take.transport.time_of(0.0, time.monotonic()) - time.monotonic()
        self.bar_one.emit(max(0, round(1000 * to_bar_one)))
        self.rec_button.setText("■ Stop")
        self.timer.start()
        self.status.emit(
            f"Recording {take.bars} bars from {name or BANDMATE_IN} after {take.count_in} bar(s) of count-in"
        )
        return True

    def stop(self) -> None:
        """End the take now (what was played is kept)."""
        if self.take is not None:
            self.take.stop()
            self._finish()

    def _tick(self) -> None:
        take = self.take
        if take is None:
            return
        pos = take.position()
        if take.finished:
            self._finish()
        elif pos is not None:
            bar = pos // 16
            self.state.setText(
                f"count-in {int(-bar)}"
                if pos < 0
                else f"bar {int(bar) + 1}/{take.bars} · {take.notes_in} notes"
            )

    def _finish(self) -> None:
        take, self.take = self.take, None
        self.timer.stop()
        if self._port is not None:
            self._port.close()
            self._port = None
        self.rec_button.setText("● Rec")
        self.state.setText("")
        clip = take.clip() if take is not None else None
        if take is None or clip is None:
            self.status.emit(
                "Nothing was recorded: no notes arrived (is your keyboard connected to the input?)"
            )
            return
        current = self.doc.pattern
        if self.overdub.isChecked() and current.note_count:
            clip = overdubbed(current, clip)
            self.doc.replace(clip, f"{self.doc.name} + take")
            self.status.emit(f"Recorded {take.notes_in} notes, added to the clip as a new part")
        else:
            self.doc.replace(clip, "recorded take")
            self.status.emit(f"Recorded {clip.note_count} notes in {clip.bars} bars: it is the clip now")
        self.recorded.emit(clip)

    def close_input(self) -> None:
        if self.take is not None:
            self.take.stop()
            self.take = None
        if self._port is not None:
            self._port.close()
            self._port = None


def overdubbed(clip: Pattern, take: Pattern) -> Pattern:
    """`clip` with the take's parts added as tracks "take" / "take drums" (channels left to the writer),
    as long as the longer of the two; the clip's tempo and maps are kept."""
    steps = max(clip.steps, take.steps)
    added = [
        dataclasses.replace(t, name="take drums" if t.is_drum else "take", channel=None) for t in take.tracks
    ]
    return Pattern((*clip.tracks, *added), steps, clip.tempo, clip.meter, clip.tempo_map, clip.meter_map)
