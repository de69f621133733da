# SPDX-License-Identifier: MIT
"""Following an Ableton Link session: its tempo, its beat grid (bars of `quantum` beats) and its
start/stop, as a `Transport` any player can follow.

The binding itself (synth/link.py, an optional extra) hands out `LinkSnapshot`s on the player timer's
axis; everything here is plain arithmetic on them, so tests drive it with a scripted session. The model
is Link's own (Ableton Link documentation, "Timeline" and "Start/Stop"): peers share a tempo and a beat
grid whose phase within the quantum is the same everywhere; a start maps beat 0 of the starting peer to
the next bar of the shared phase.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from engine.music.pattern import STEPS_PER_QUARTER

_EPS = 1e-6  # beats: float rounding at a bar boundary
_SAME_START = 1e-3  # seconds: two captures of one start differ by less


@dataclass(frozen=True, slots=True)
class LinkSnapshot:
    """One capture of the session.

    Attributes:
        tempo: beats (quarter notes) per minute.
        time: when the capture was taken (seconds, the player timer's axis).
        beat: the session beat at `time`.
        playing: the session's start/stop state.
        play_time: when `playing` last changed (seconds, same axis).
        peers: other Link apps in the session.
    """

    tempo: float
    time: float
    beat: float
    playing: bool = False
    play_time: float = 0.0
    peers: int = 0

    def beat_at(self, t: float) -> float:
        """The session beat at time `t` (seconds)."""
        return self.beat + (t - self.time) * self.tempo / 60.0

    def time_at(self, beat: float) -> float:
        """The time (seconds) of session beat `beat`."""
        return self.time + (beat - self.beat) * 60.0 / self.tempo


class LinkSession(Protocol):
    """What Bandmate needs from a Link binding (synth/link.py implements it).

    Attributes:
        on_change: called from the binding's thread when the tempo, start/stop state or peers change.
    """

    on_change: Callable[[], None] | None

    def snapshot(self) -> LinkSnapshot: ...

    def request_tempo(self, bpm: float) -> None:
        """Propose a tempo to the session (as a leader does)."""
        ...

    def request_playing(self, playing: bool) -> None:
        """Start (on the next bar) or stop every peer that syncs start/stop."""
        ...

    def close(self) -> None: ...


class LinkFollower:
    """A Link session as a `Transport`: song steps count from the bar where the session started.

    With `start_stop` (the default) Bandmate plays while the session plays, from the first bar at or after
    the start; without, it plays whenever joined, placed on the session's bars (song step 0 is beat 0).
    """

    drives_clock = True

    def __init__(self, session: LinkSession, quantum: float = 4.0, start_stop: bool = True) -> None:
        if quantum <= 0:
            raise ValueError(f"quantum {quantum} must be positive (beats per bar)")
        self.session = session
        self.quantum = float(quantum)
        self.start_stop = start_stop
        self.on_change: Callable[[], None] | None = None
        self._lock = threading.Lock()
        self._generation = 0 if start_stop else 1
        self._seen: tuple[bool, float] = (False, math.nan)
        self._origin = 0.0  # the session beat where song step 0 falls
        session.on_change = self._session_changed

    def _session_changed(self) -> None:
        self._snap()
        if self.on_change is not None:
            self.on_change()

    def _snap(self) -> LinkSnapshot:
        """Capture the session and notice a (re)start: the origin moves to the start's bar."""
        snap = self.session.snapshot()
        if not self.start_stop:
            return snap
        with self._lock:
            state = (snap.playing, snap.play_time)
            # the binding moves Link's clock onto ours at each capture: the same start may shift by a few us
            same = self._seen[0] == snap.playing and abs(self._seen[1] - snap.play_time) < _SAME_START
            if snap.playing and not same:
                start = snap.beat_at(snap.play_time)
                self._origin = self.quantum * math.ceil(start / self.quantum - _EPS)
                self._generation += 1
            self._seen = state
        return snap

    @property
    def tempo(self) -> float | None:
        return self.session.snapshot().tempo

    @property
    def generation(self) -> int:
        self._snap()
        with self._lock:
            return self._generation

    @property
    def start_position(self) -> float:
        return 0.0

    @property
    def peers(self) -> int:
        return self.session.snapshot().peers

    def song_position(self, now: float) -> float | None:
        """Steps since the start's bar; None while the session is stopped or before that bar."""
        snap = self._snap()
        if self.start_stop and not snap.playing:
            return None
        with self._lock:
            beats = snap.beat_at(now) - self._origin
        return None if beats < -_EPS else max(beats, 0.0) * STEPS_PER_QUARTER

    def time_of(self, position: float, now: float) -> float:
        snap = self._snap()
        with self._lock:
            return snap.time_at(self._origin + position / STEPS_PER_QUARTER)

    def wake_at(self, now: float) -> float:
        """Playing but before the start's bar: wake at that bar."""
        snap = self._snap()
        if self.start_stop and not snap.playing:
            return math.inf
        with self._lock:
            at = snap.time_at(self._origin)
        return at if at > now else now + 0.25

    def request_tempo(self, bpm: float) -> None:
        """Lead: propose `bpm` to the session (ValueError outside 20..999, Link's range)."""
        if not 20.0 <= bpm <= 999.0:
            raise ValueError(f"tempo {bpm} outside Link's 20..999 BPM")
        self.session.request_tempo(bpm)

    def request_playing(self, playing: bool) -> None:
        """Lead: start the session on the next bar, or stop it."""
        self.session.request_playing(playing)
