# SPDX-License-Identifier: MIT
"""The `MidiOutput` protocol every sound output implements, and `NoteGuard`, which sends through one
while remembering which notes sound, which sustain pedals are down and which pitch wheels are bent, so
that every way of stopping can release them all."""

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


PEDALS = (64, 66, 67)  # sustain, sostenuto, soft: a pedal left down holds or colours every later note


class NoteGuard:
    """Sends to an output and remembers the sounding notes per (channel, note), the pedals held down
    and the bent pitch wheels per channel, and the channels used. Not thread-safe: the player calls it
    with its lock held."""

    def __init__(self, output: MidiOutput) -> None:
        self.output = output
        self.sounding: dict[tuple[int, int], int] = {}
        self.pedals: set[tuple[int, int]] = set()  # (channel, controller) held down
        self.bent: set[int] = set()
        self.used: set[int] = set()

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
        elif msg.type == "control_change" and msg.control in PEDALS:
            (self.pedals.add if msg.value >= 64 else self.pedals.discard)((msg.channel, msg.control))
        elif msg.type == "pitchwheel":
            (self.bent.add if msg.pitch else self.bent.discard)(msg.channel)
        if hasattr(msg, "channel"):
            self.used.add(msg.channel)
        self.output.send(msg)

    def release(self, channels: tuple[int, ...] | None) -> None:
        """Note-offs for every sounding note, pedals up and pitch wheels centred where they are down or
        bent. Unless `channels` is None (a loop wrap), also on those channels and every channel used:
        sustain pedal up (CC64 0), pitch bend centred, then all notes off (CC123)."""
        sounding, self.sounding = self.sounding, {}
        for (channel, note), count in sorted(sounding.items()):
            for _ in range(count):
                self.output.send(mido.Message("note_off", channel=channel, note=note, velocity=0))
        pedals, bent = self.pedals, self.bent
        self.pedals, self.bent = set(), set()
        if channels is not None:
            every = sorted(set(channels) | self.used | {c for c, _ in sounding})
            pedals |= {(c, 64) for c in every}
            bent |= set(every)
        for channel, control in sorted(pedals):
            self.output.send(mido.Message("control_change", channel=channel, control=control, value=0))
        for channel in sorted(bent):
            self.output.send(mido.Message("pitchwheel", channel=channel, pitch=0))
        if channels is not None:
            for channel in every:
                self.output.send(mido.Message("control_change", channel=channel, control=123, value=0))
            self.used = set()
