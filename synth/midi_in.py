# SPDX-License-Identifier: MIT
"""Live MIDI in: a virtual "Bandmate In" port (or any input by name) whose notes and controllers reach
a callback with their arrival time on time.monotonic's axis (rtmidi's own delta times, as in
synth/clock.py, so a busy Python thread does not smear the timing of a phrase)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import mido

from synth.ports import RtMidiIn, match_port, new_rtmidi

VIRTUAL_IN_NAME = "Bandmate In"
_MAX_LAG = 0.1  # seconds a message may be handed to Python late before the timestamps are re-anchored
_KEPT = ("note_on", "note_off", "control_change")


class MidiInput:
    """An rtmidi input calling `on_message(message, time)` from rtmidi's thread for notes and controllers.

    Attributes:
        name: the port's name as the MIDI system shows it.
    """

    def __init__(
        self, midiin: RtMidiIn, name: str, on_message: Callable[[mido.Message, float], None]
    ) -> None:
        self._in: RtMidiIn | None = midiin
        self._lock = threading.Lock()
        self._last: float | None = None
        self.name = name
        self.on_message = on_message
        midiin.ignore_types(sysex=True, timing=True, active_sense=True)
        midiin.set_callback(self._on_raw)

    @classmethod
    def open(
        cls,
        on_message: Callable[[mido.Message, float], None],
        name: str | None = None,
        api: str | None = None,
    ) -> MidiInput:
        """Listen on the input port containing `name`, or on a new virtual "Bandmate In" port (None).

        Raises PortError (with the list of inputs) when `name` matches none.
        """
        midiin, _ = new_rtmidi("in", api, "Bandmate-in")
        try:
            if name is None:
                midiin.open_virtual_port(VIRTUAL_IN_NAME)
                return cls(midiin, VIRTUAL_IN_NAME, on_message)
            ports = midiin.get_ports()
            index = match_port(name, ports, kind="input")
            midiin.open_port(index, VIRTUAL_IN_NAME)
            return cls(midiin, ports[index], on_message)
        except Exception:
            midiin.delete()
            raise

    def _on_raw(self, event: tuple[list[int], float], data: object = None) -> None:
        raw, delta = event
        now = time.monotonic()
        self._last = now if self._last is None else min(now, max(self._last + delta, now - _MAX_LAG))
        try:
            msg = mido.Message.from_bytes(raw)
        except (ValueError, TypeError, IndexError):
            return  # a malformed message from some device: ignore it rather than stop listening
        if msg.type in _KEPT:
            if msg.type == "note_on" and msg.velocity == 0:
                msg = mido.Message("note_off", channel=msg.channel, note=msg.note)
            self.on_message(msg, self._last)

    def close(self) -> None:
        with self._lock:
            midiin, self._in = self._in, None
        if midiin is not None:
            midiin.cancel_callback()
            midiin.close_port()
            midiin.delete()
