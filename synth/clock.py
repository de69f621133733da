# SPDX-License-Identifier: MIT
"""MIDI clock input: listens on a port (or a virtual "Bandmate Sync" port) and feeds a ClockFollower,
so the player follows the DAW's tempo, start, stop and song position."""

from __future__ import annotations

import threading
import time

import mido

from engine.playback.clock_follow import ClockFollower
from synth.ports import RtMidiIn, match_port, new_rtmidi

VIRTUAL_IN_NAME = "Bandmate Sync"
_MAX_LAG = 0.1  # seconds a message may be handed to Python late before the timestamps are re-anchored
_KINDS = {0xF8: "clock", 0xFA: "start", 0xFB: "continue", 0xFC: "stop"}


class ClockInput:
    """An rtmidi input feeding `follower` from rtmidi's thread (times on the time.monotonic axis)."""

    def __init__(self, midiin: RtMidiIn, name: str, follower: ClockFollower) -> None:
        self._in: RtMidiIn | None = midiin
        self._lock = threading.Lock()
        self.name = name
        self.follower = follower
        self._last: float | None = None
        midiin.ignore_types(sysex=True, timing=False, active_sense=True)
        midiin.set_callback(self._on_message)

    @classmethod
    def open(cls, follower: ClockFollower, name: str | None = None, api: str | None = None) -> ClockInput:
        """Listen on the input port containing `name`, or on a new virtual port (name None)."""
        midiin, _ = new_rtmidi("in", api, "Bandmate-sync")
        try:
            if name is None:
                midiin.open_virtual_port(VIRTUAL_IN_NAME)
                return cls(midiin, VIRTUAL_IN_NAME, follower)
            ports = midiin.get_ports()
            index = match_port(name, ports, kind="input")
            midiin.open_port(index, VIRTUAL_IN_NAME)
            return cls(midiin, ports[index], follower)
        except Exception:
            midiin.delete()
            raise

    def _on_message(self, event: tuple[list[int], float], data: object = None) -> None:
        raw, delta = event
        if not raw:
            return
        now = self._timestamp(delta)
        if raw[0] in _KINDS:
            self.follower.feed(_KINDS[raw[0]], now)
        elif raw[0] == 0xF2 and len(raw) == 3:
            self.follower.feed("songpos", now, mido.Message.from_bytes(raw).pos)

    def _timestamp(self, delta: float) -> float:
        """Arrival time from the MIDI system's own delta times (exact even when Python runs late and
        several pulses arrive at once), kept within _MAX_LAG of the monotonic clock."""
        now = time.monotonic()
        if self._last is None:
            self._last = now
        else:
            self._last = min(now, max(self._last + delta, now - _MAX_LAG))
        return self._last

    def close(self) -> None:
        with self._lock:
            midiin, self._in = self._in, None
        if midiin is not None:
            midiin.cancel_callback()
            midiin.close_port()
            midiin.delete()
