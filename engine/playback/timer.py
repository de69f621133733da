# SPDX-License-Identifier: MIT
"""Timer hooks for the player: the real monotonic clock and a fake one for tests.

The player only calls `now()` and `wait_until(deadline, wake)`; swapping the timer makes the scheduler
deterministic in tests (as Frescobaldi's `midifile.player` overrides its `timer_*` methods).
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time
from collections.abc import Callable
from typing import Protocol


class Timer(Protocol):
    """Where the player's time comes from."""

    def now(self) -> float: ...

    def wait_until(self, deadline: float, wake: threading.Event) -> None:
        """Return at `deadline` (seconds, `now()`'s clock) or as soon as `wake` is set."""
        ...


class MonotonicTimer:
    """time.monotonic with a precise wake-up: sleep on the event, then yield-spin the last `spin` seconds."""

    def __init__(self, spin: float = 0.001) -> None:
        self.spin = spin

    def now(self) -> float:
        return time.monotonic()

    def wait_until(self, deadline: float, wake: threading.Event) -> None:
        while not wake.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            if left > self.spin:
                wake.wait(min(left - self.spin, 3600.0))
            else:
                time.sleep(0)  # yields the CPU; OS sleeps overshoot by up to ~1 ms


class FakeTimer:
    """Simulated time: waiting jumps straight to the deadline, so a clip plays in no real time.

    `on_wait(now)` is called before each jump (tests use it to press stop or change the tempo in
    mid-clip). An infinite deadline blocks (for real) until woken.
    """

    def __init__(self, start: float = 0.0, on_wait: Callable[[float], None] | None = None) -> None:
        self._now = start
        self.on_wait = on_wait
        self.waits = 0

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds

    def wait_until(self, deadline: float, wake: threading.Event) -> None:
        self.waits += 1
        if self.on_wait is not None:
            self.on_wait(self._now)
        if wake.is_set():
            return
        if math.isinf(deadline):
            wake.wait()
            return
        self._now = max(self._now, deadline)


def try_realtime(priority: int = 5) -> bool:
    """Ask for real-time (SCHED_FIFO) scheduling for the calling thread, below JACK's own threads.

    Linux applies it per thread; it needs root or an rtprio limit (audio group). False if refused.
    """
    with contextlib.suppress(AttributeError, OSError, PermissionError):
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(priority))
        return True
    return False
