# SPDX-License-Identifier: MIT
"""External transports: what a player follows instead of its own clock (a DAW's MIDI clock, an Ableton
Link session, or Bandmate's own steady tempo), behind one small interface.

Positions are 16th steps since the transport's song start; times are seconds on the player timer's axis
(time.monotonic for the real timer).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import Protocol

from engine.music.pattern import STEPS_PER_QUARTER


class Transport(Protocol):
    """A song position that runs by itself; `ClockFollower`, `LinkFollower` and `InternalTransport`.

    Attributes:
        on_change: called (from any thread) when the position jumps, the tempo changes or the transport
            starts or stops, so the player wakes up and looks again.
        drives_clock: True when a player may send MIDI clock derived from this transport (Link, its own
            tempo); False when the transport *is* an incoming MIDI clock, which is never echoed.
    """

    on_change: Callable[[], None] | None
    drives_clock: bool

    @property
    def tempo(self) -> float | None:
        """Beats per minute, None before it is known."""
        ...

    @property
    def generation(self) -> int:
        """Counts starts: a new value means the transport (re)started."""
        ...

    @property
    def start_position(self) -> float:
        """The song position (steps) of the latest start."""
        ...

    def song_position(self, now: float) -> float | None:
        """Steps since the song start at time `now` (seconds), or None while stopped."""
        ...

    def time_of(self, position: float, now: float) -> float:
        """When (seconds) the song reaches `position` (steps), predicted at time `now`."""
        ...

    def wake_at(self, now: float) -> float:
        """While stopped: when (seconds) the transport starts by itself (a Link start waits for the next
        bar), so a sleeping player looks again then; math.inf when only `on_change` can start it."""
        ...


class InternalTransport:
    """Bandmate's own steady tempo as a `Transport`: start, stop and change the tempo by hand.

    Tempo changes keep the position continuous (the song re-anchors at the moment of the change).
    """

    drives_clock = True

    def __init__(self, tempo: float = 120.0, clock: Callable[[], float] | None = None) -> None:
        """`clock` gives the time in seconds (the player's timer `now`; default time.monotonic)."""
        import time

        _check_tempo(tempo)
        self._clock = clock or time.monotonic
        self._lock = threading.Lock()
        self._tempo = float(tempo)
        self._running = False
        self._t0 = 0.0
        self._pos0 = 0.0
        self._generation = 0
        self.on_change: Callable[[], None] | None = None

    def start(self, position: float = 0.0, at: float | None = None) -> None:
        """Start the song at `position` (steps) at time `at` (seconds, default now)."""
        with self._lock:
            self._t0 = self._clock() if at is None else at
            self._pos0 = float(position)
            self._running = True
            self._generation += 1
        self._changed()

    def stop(self) -> None:
        with self._lock:
            if self._running:
                self._pos0 = self._position(self._clock())
            self._running = False
        self._changed()

    def set_tempo(self, bpm: float) -> None:
        """Play on at `bpm` from now (ValueError outside 1..1000)."""
        _check_tempo(bpm)
        with self._lock:
            if self._running:
                now = self._clock()
                self._pos0, self._t0 = self._position(now), now
            self._tempo = float(bpm)
        self._changed()

    @property
    def running(self) -> bool:
        with self._lock:
            return self._running

    @property
    def tempo(self) -> float:
        with self._lock:
            return self._tempo

    @property
    def generation(self) -> int:
        with self._lock:
            return self._generation

    @property
    def start_position(self) -> float:
        with self._lock:
            return self._pos0 if self._running else 0.0

    def song_position(self, now: float) -> float | None:
        with self._lock:
            return self._position(now) if self._running else None

    def time_of(self, position: float, now: float) -> float:
        with self._lock:
            if not self._running:
                return now + 0.05
            return self._t0 + (position - self._pos0) * steps_to_seconds(self._tempo)

    def wake_at(self, now: float) -> float:
        return math.inf

    def _position(self, now: float) -> float:
        return self._pos0 + (now - self._t0) / steps_to_seconds(self._tempo)

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()


def steps_to_seconds(bpm: float) -> float:
    """Seconds per 16th step at `bpm` quarter notes per minute."""
    return 60.0 / (bpm * STEPS_PER_QUARTER)


def _check_tempo(bpm: float) -> None:
    if not 1.0 <= bpm <= 1000.0:
        raise ValueError(f"tempo {bpm} outside 1..1000 BPM")
