# SPDX-License-Identifier: MIT
"""Following an external MIDI clock (24 per quarter) with start/stop/continue and song position.

`ClockFollower` is pure: feed it messages with their arrival times; it tells the player the DAW's song
position in 16th steps, estimated between clock pulses from the tempo (the median length of the latest beats).
"""

from __future__ import annotations

import math
import statistics
import threading
from collections import deque
from collections.abc import Callable

PULSES_PER_STEP = 6  # 24 per quarter, 4 steps per quarter
_MAX_GAP = 1.0  # seconds: a longer gap between pulses is a pause, not a tempo


class ClockFollower:
    """The song position and tempo of an external clock.

    Attributes:
        on_change: called (from the feeding thread) after every message, so the player can wake up.
        drives_clock: False: a player following a DAW's clock never sends clock back to it.
    """

    drives_clock = False

    def __init__(self, window: int = 24) -> None:
        self._lock = threading.Lock()
        self._times: deque[float] = deque(maxlen=window * 4 + 1)
        self._running = False
        self._pulses = -1
        self._last_t: float | None = None
        self._generation = 0
        self._start = 0.0
        self.on_change: Callable[[], None] | None = None

    def feed(self, kind: str, t: float, value: int = 0) -> None:
        """One message: kind is a mido type ("clock", "start", "stop", "continue", "songpos")."""
        with self._lock:
            if kind == "clock":
                self._pulse(t)
            elif kind == "start":
                self._running, self._pulses, self._start = True, -1, 0.0
                self._generation += 1
            elif kind == "continue":
                self._running, self._start = True, (self._pulses + 1) / PULSES_PER_STEP
                self._generation += 1
            elif kind == "stop":
                self._running = False
            elif kind == "songpos":
                self._pulses = value * PULSES_PER_STEP - 1
            else:
                return
        if self.on_change is not None:
            self.on_change()

    def _pulse(self, t: float) -> None:
        if self._times and not 0 <= t - self._times[-1] < _MAX_GAP:
            self._times.clear()  # a pause: the old pulses say nothing about the new tempo
        self._times.append(t)
        self._last_t = t
        if self._running:
            self._pulses += 1

    @property
    def tempo(self) -> float | None:
        """Beats per minute, or None before two pulses."""
        with self._lock:
            return self._tempo()

    def _tempo(self) -> float | None:
        """The median span of 24 pulses (one beat): pulses that reach us late (a busy machine) arrive
        in bursts that spoil single intervals, but few beat-long spans."""
        times = self._times
        if len(times) < 2:
            return None
        if len(times) <= 24:
            return 60.0 * (len(times) - 1) / (24 * (times[-1] - times[0]) or 1e-9)
        spans = [times[i + 24] - times[i] for i in range(len(times) - 24)]
        return 60.0 / max(statistics.median(spans), 1e-9)

    @property
    def running(self) -> bool:
        with self._lock:
            return self._running

    @property
    def generation(self) -> int:
        """Counts start/continue messages: a new value means the DAW (re)started."""
        with self._lock:
            return self._generation

    @property
    def start_position(self) -> float:
        """The song position (steps) of the latest start/continue."""
        with self._lock:
            return self._start

    def song_position(self, now: float) -> float | None:
        """Steps since the DAW's song start, or None while stopped or before the first pulse."""
        with self._lock:
            if not self._running or self._pulses < 0 or self._last_t is None:
                return None
            base = self._pulses / PULSES_PER_STEP
            tempo = self._tempo()
            if tempo is None:
                return base
            ahead = max(0.0, now - self._last_t) * tempo * 4 / 60
            # never run past the next pulse: if the DAW slows down we wait for it
            return base + min(ahead, 0.999 / PULSES_PER_STEP)

    def wake_at(self, now: float) -> float:
        """A DAW's clock starts only with a message (which calls `on_change`): never by itself."""
        return math.inf

    def time_of(self, position: float, now: float) -> float:
        """When the song should reach `position` (steps), predicted from the last pulse and the tempo."""
        with self._lock:
            tempo = self._tempo()
            if tempo is None or self._last_t is None or self._pulses < 0:
                return now + 0.05
            base = self._pulses / PULSES_PER_STEP
            return self._last_t + (position - base) * 60 / (tempo * 4)
