# SPDX-License-Identifier: MIT
"""The `MidiOutput` protocol every sound output implements, and `NoteGuard`, which sends through one
while remembering which notes sound, so that every way of stopping can release them all."""

from __future__ import annotations

from typing import Protocol

import mido


class MidiOutput(Protocol):
    """Where messages go: rtmidi, FluidSynth, nothing. Implementations lock around the port."""

    def send(self, msg: mido.Message) -> None: ...

    def panic(self) -> None:
        """All notes off (CC123) and all sound off (CC120) on all 16 channels."""
        ...

    def close(self) -> None: ...


class NoteGuard:
    """Sends to an output and counts the sounding notes per (channel, note). Not thread-safe: the
    player calls it with its lock held."""

    def __init__(self, output: MidiOutput) -> None:
        self.output = output
        self.sounding: dict[tuple[int, int], int] = {}

    def send(self, msg: mido.Message) -> None:
        """Send `msg`; a note-off whose note is not sounding (its note-on was before a start, a seek or
        a wrap, so it was already released) is dropped."""
        if msg.type == "note_on" and msg.velocity > 0:
            key = (msg.channel, msg.note)
            self.sounding[key] = self.sounding.get(key, 0) + 1
        elif msg.type in ("note_off", "note_on"):
            key = (msg.channel, msg.note)
            if not self.sounding.get(key):
                return
            self.sounding[key] -= 1
        self.output.send(msg)

    def release(self, channels: tuple[int, ...] | None) -> None:
        """Note-offs for every sounding note; then, unless `channels` is None, CC123 on those channels
        and on every channel that had a note sounding."""
        sounding, self.sounding = self.sounding, {}
        for (channel, note), count in sorted(sounding.items()):
            for _ in range(count):
                self.output.send(mido.Message("note_off", channel=channel, note=note, velocity=0))
        if channels is not None:
            for channel in sorted(set(channels) | {c for c, _ in sounding}):
                self.output.send(mido.Message("control_change", channel=channel, control=123, value=0))
