# SPDX-License-Identifier: MIT
"""Outputs that make no sound: `NullOutput` (no ports, no soundfont) and `RecordingOutput` (tests, GUI
tests): both satisfy `engine.playback.player.MidiOutput`."""

from __future__ import annotations

import threading
from collections.abc import Callable

import mido


def panic_messages() -> list[mido.Message]:
    """All sound off (CC120) and all notes off (CC123) on all 16 channels."""
    return [
        mido.Message("control_change", channel=c, control=cc, value=0) for c in range(16) for cc in (120, 123)
    ]


class NullOutput:
    """Accepts and drops every message; the app falls back to it when nothing else opens."""

    name = "none"

    def send(self, msg: mido.Message) -> None:
        pass

    def panic(self) -> None:
        pass

    def close(self) -> None:
        pass


class RecordingOutput:
    """Keeps every message with the time it was sent (from `clock`, e.g. a FakeTimer's `now`).

    Attributes:
        sent: (time, message) pairs in the order they were sent.
    """

    name = "recording"

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        self._clock = clock or (lambda: 0.0)
        self._lock = threading.Lock()
        self.sent: list[tuple[float, mido.Message]] = []
        self.closed = False

    def send(self, msg: mido.Message) -> None:
        with self._lock:
            self.sent.append((self._clock(), msg))

    def panic(self) -> None:
        for msg in panic_messages():
            self.send(msg)

    def close(self) -> None:
        self.closed = True

    @property
    def messages(self) -> list[mido.Message]:
        with self._lock:
            return [m for _, m in self.sent]
