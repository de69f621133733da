# SPDX-License-Identifier: MIT
"""Catching what the musician plays: notes arriving live are placed on the song's 16th steps and cut
into a phrase at a bar boundary after a rest (or when a pedal/button says so), as a clip quantised to
the grid with the feel kept (each note's push or drag stays in `Note.offset`, its velocity as played)."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import mido

from engine.music.pattern import STEPS_PER_BAR, Note, Pattern, Role, Track
from engine.playback.transport import Transport
from models.vocab import DRUM_CHANNEL


@dataclass(frozen=True, slots=True)
class Played:
    """One note as played: song steps of its onset and release (None while held), pitch, velocity."""

    on: float
    off: float | None
    pitch: int
    velocity: int
    drum: bool


class PhraseCapture:
    """Notes fed live (from any thread), read as phrases.

    A phrase ends at bar boundary B when nothing sounds and nothing started or ended during the
    `rest` steps before B, or at the first boundary after the `end_cc` controller is pressed (value
    >= 64), e.g. a sustain or foot-switch pedal.
    """

    def __init__(
        self, transport: Transport, rest: float = 4.0, max_bars: int = 8, end_cc: int | None = None
    ) -> None:
        if rest <= 0 or rest > STEPS_PER_BAR:
            raise ValueError(f"rest {rest} steps: use more than 0 and at most a bar (16)")
        self.transport = transport
        self.rest = rest
        self.max_bars = max_bars
        self.end_cc = end_cc
        self._lock = threading.Lock()
        self._notes: list[Played] = []
        self._held: dict[int, int] = {}  # pitch -> index in _notes
        self._last_event = -math.inf  # song step of the last onset or release
        self._ended_at: float | None = None  # song step of a pedal press
        self.version = 0  # counts notes fed: a speculative answer checks nothing came in since

    def feed(self, msg: mido.Message, t: float) -> None:
        """One message arriving at time `t` (seconds, the transport's axis); ignored while stopped."""
        song = self.transport.song_position(t)
        if song is None:
            return
        with self._lock:
            if msg.type == "note_on" and msg.velocity > 0:
                self._release(msg.note, song)
                self._held[msg.note] = len(self._notes)
                self._notes.append(Played(song, None, msg.note, msg.velocity, msg.channel == DRUM_CHANNEL))
            elif msg.type in ("note_on", "note_off"):
                self._release(msg.note, song)
            elif msg.type == "control_change" and msg.control == self.end_cc and msg.value >= 64:
                self._ended_at = song
                self.version += 1
                return
            else:
                return
            self._last_event = max(self._last_event, song)
            self.version += 1

    def _release(self, pitch: int, song: float) -> None:
        index = self._held.pop(pitch, None)
        if index is not None:
            n = self._notes[index]
            self._notes[index] = Played(n.on, max(song, n.on + 0.25), n.pitch, n.velocity, n.drum)

    def ends_at(self, boundary: int) -> bool:
        """True if, as far as is known now, a phrase ends at bar `boundary` (more notes may still come)."""
        with self._lock:
            return self._ends_at(boundary)

    def _ends_at(self, boundary: int) -> bool:
        if not self._notes:
            return False
        at = boundary * STEPS_PER_BAR
        if self._ended_at is not None and self._ended_at <= at:
            return True
        return not self._held and self._last_event <= at - self.rest

    def pending_end(self, position: float, lead: float | None = None) -> int | None:
        """The bar boundary the phrase may end at, seen from song step `position`, or None.

        Within `rest` steps of the next boundary (default) it is that boundary if the rest has begun.
        A larger `lead` (steps) guesses earlier, for answers that take longer to compute: then any
        moment with nothing sounding counts, and `ends_at` decides at the boundary. A pressed pedal
        names the next boundary at once.
        """
        boundary = math.floor(position / STEPS_PER_BAR) + 1
        at = boundary * STEPS_PER_BAR
        lead = self.rest if lead is None else max(lead, self.rest)
        with self._lock:
            if self._ended_at is not None:
                return boundary if self._ends_at(boundary) else None
            if position < at - lead or not self._notes or self._held:
                return None
            if position >= at - self.rest:
                return boundary if self._ends_at(boundary) else None
            return boundary  # early guess: nothing sounds now; more notes would make it stale

    def clip(self, boundary: int, tempo: float, first_bar: int | None = None) -> Pattern | None:
        """The phrase ending at bar `boundary` as a clip (None without notes): from the bar of its first
        onset (or from `first_bar`, e.g. a recording's bar 0), at most `max_bars` bars, quantised with
        the feel kept."""
        with self._lock:
            notes = [n for n in self._notes if n.on < boundary * STEPS_PER_BAR]
        if not notes:
            return None
        if first_bar is not None:
            first = first_bar
        else:
            first = max(
                math.floor(min(n.on for n in notes) / STEPS_PER_BAR + 1 / 32), boundary - self.max_bars
            )
            first = min(first, boundary - 1)
        base = first * STEPS_PER_BAR
        steps = (boundary - first) * STEPS_PER_BAR
        pitched: list[Note] = []
        drums: list[Note] = []
        for n in notes:
            start = math.floor(n.on - base + 0.5)
            if not 0 <= start < steps:
                continue
            off = n.off if n.off is not None else boundary * STEPS_PER_BAR
            end = min(steps, max(start + 1, math.floor(off - base + 0.5)))
            offset = min(max(n.on - base - start, -0.5), 0.4999)
            (drums if n.drum else pitched).append(Note(n.pitch, start, end, n.velocity, offset))
        tracks = []
        if pitched:
            tracks.append(Track(tuple(pitched), 0, False, Role.LEAD, "played"))
        if drums:
            tracks.append(Track(tuple(drums), 0, True, Role.DRUMS, "played drums"))
        return Pattern(tuple(tracks), steps, tempo) if tracks else None

    def clear(self, boundary: int) -> None:
        """Forget the phrase ending at bar `boundary` (notes held across it stay for the next one)."""
        at = boundary * STEPS_PER_BAR
        with self._lock:
            keep = [n for n in self._notes if n.on >= at or n.off is None]
            self._held = {n.pitch: i for i, n in enumerate(keep) if n.off is None}
            self._notes = keep
            if self._ended_at is not None and self._ended_at <= at:
                self._ended_at = None
