# SPDX-License-Identifier: MIT
"""The stream player: plays an endless run of bars, each fetched from a `BarSource` as it begins,
locked to a `Transport` (Bandmate's own tempo, a DAW's MIDI clock, a Link session).

Bars are computed ahead by the source (the jam planner, the answerer); the stream only reads them, so
its thread never waits for a model. Each note is put to the source's `admit` as it falls due, which is
how the jam's live controls (energy, density, parts) are heard from the next note on. Every way playing
ends (stop, the transport stopping or jumping, an output error) releases each sounding note.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import mido

from engine.music.pattern import STEPS_PER_BAR
from engine.playback.clock_follow import PULSES_PER_STEP
from engine.playback.output import MidiOutput, NoteGuard
from engine.playback.timer import MonotonicTimer, Timer, try_realtime
from engine.playback.transport import Transport

_CATCH_UP = 4.0  # steps: how late the stream may notice a start and still play its first bar from the top
_EPS = 1e-7
_START, _PROGRAM, _TICK, _OFF, _ON = 0, 1, 2, 3, 4  # order of items on one position
_FETCH = -1  # a bar is fetched before anything on its first step


@dataclass(frozen=True, slots=True)
class LiveNote:
    """One note of a bar as the stream plays it.

    Attributes:
        on: onset in steps from the bar start, micro-timing included (>= 0).
        off: release in steps from the bar start (> on; may reach into the next bars).
        pitch: MIDI note 0..127; velocity: 1..127 before the mixer; channel: 0..15 (9 = drums).
        part: "drums", "bass", "lead", "answer", ...: the mixer switches parts on and off.
        weight: 0..1; the density control keeps notes with weight below it (0: always kept).
    """

    on: float
    off: float
    pitch: int
    velocity: int
    channel: int
    part: str
    weight: float = 0.0


# What a heap item carries: None (start), (channel, program), (channel, pitch) for a note-off, a LiveNote
_Payload = tuple[int, int] | LiveNote | None


@dataclass(frozen=True, slots=True)
class Bar:
    """The notes starting in one bar, and the programs (channel, GM program 0..127) its parts use."""

    notes: tuple[LiveNote, ...] = ()
    programs: tuple[tuple[int, int], ...] = ()


class BarSource(Protocol):
    """Where the stream's bars come from."""

    def bar(self, index: int) -> Bar | None:
        """Bar `index` (0 = the song's first bar), or None if it is not ready: that bar stays silent."""
        ...

    def admit(self, note: LiveNote) -> int | None:
        """The velocity to play `note` at now, or None to leave it out (called as it falls due)."""
        ...


class StreamPlayer:
    """Plays bars from `source` against `transport` on its own thread.

    Callbacks (on the stream's thread; keep them short): on_bar(index) as each bar begins,
    on_note(song_step, note, velocity) for each note played, on_state(playing), on_error(reason).

    Attributes:
        misses: bars that were not ready when they began (each played as silence).
    """

    def __init__(
        self,
        output: MidiOutput,
        transport: Transport,
        source: BarSource,
        timer: Timer | None = None,
        *,
        send_clock: bool = False,
        realtime: bool = True,
    ) -> None:
        self._notes = NoteGuard(output)
        self.transport = transport
        self.source = source
        self.timer: Timer = timer or MonotonicTimer()
        self.send_clock = send_clock
        self.realtime = realtime
        self.on_bar: Callable[[int], None] | None = None
        self.on_note: Callable[[float, LiveNote, int], None] | None = None
        self.on_state: Callable[[bool], None] | None = None
        self.on_error: Callable[[str], None] | None = None
        self.misses = 0
        self._lock = threading.RLock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._stop_req = False
        self._playing = False
        self._live = False
        self._generation = -1
        self._next_bar = 0
        self._tick_n = 0
        self._heap: list[tuple[float, int, int, _Payload]] = []
        self._seq = itertools.count()
        self._programs: dict[int, int] = {}
        self._channels: set[int] = set()
        self._clock_started = False
        transport.on_change = self._wake.set

    # ----- public --------------------------------------------------------------------------------
    def play(self) -> None:
        """Start the thread: it plays whenever the transport runs (bar by bar from its start)."""
        if self.playing:
            return
        self._join()
        with self._lock:
            self._playing, self._stop_req, self._live, self._generation = True, False, False, -1
            self._thread = threading.Thread(target=self._run, name="bandmate-stream", daemon=True)
            self._thread.start()
        if self.on_state is not None:
            self.on_state(True)

    def stop(self) -> None:
        """Stop and release every sounding note (note-offs, then CC123 on each channel used)."""
        with self._lock:
            self._stop_req = True
        self._wake.set()
        self._join()

    def release(self, channels: set[int]) -> None:
        """End now the notes sounding on `channels` (a part switched off), keeping everything else."""
        with self._lock:
            keep = {k: v for k, v in self._notes.sounding.items() if k[0] not in channels}
            self._notes.sounding = {k: v for k, v in self._notes.sounding.items() if k[0] in channels}
            self._notes.release(None)
            self._notes.sounding = keep

    def wake(self) -> None:
        """Look at the transport again now (after a control change that must be heard at once)."""
        self._wake.set()

    @property
    def playing(self) -> bool:
        with self._lock:
            return self._playing

    @property
    def output(self) -> MidiOutput:
        return self._notes.output

    @output.setter
    def output(self, output: MidiOutput) -> None:
        """Switch outputs while playing: the old one releases its notes, the new one gets the programs."""
        with self._lock:
            self._notes.release(tuple(sorted(self._channels)))
            self._notes.output = output
            self._programs.clear()

    def position(self) -> float | None:
        """The song position in steps now, None while the transport is stopped (thread-safe)."""
        return self.transport.song_position(self.timer.now())

    def wait(self, timeout: float | None = None) -> bool:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return not self.playing

    # ----- the thread ----------------------------------------------------------------------------
    def _run(self) -> None:
        error = None
        if self.realtime and isinstance(self.timer, MonotonicTimer) and try_realtime():
            self.timer.spin = 0.0003
        try:
            while True:
                self._wake.clear()
                with self._lock:
                    if self._stop_req:
                        break
                    deadline = self._step(self.timer.now())
                self.timer.wait_until(deadline, self._wake)
        except Exception as e:  # noqa: BLE001 - a vanished port must not leave notes sounding
            error = str(e) or type(e).__name__
        with self._lock:
            try:
                self._release(all_notes_off=True)
            except Exception as e:  # noqa: BLE001
                error = error or str(e) or type(e).__name__
                self._notes.sounding.clear()
                with contextlib.suppress(Exception):
                    self.output.panic()
            self._playing = False
        if error is not None and self.on_error is not None:
            self.on_error(error)
        if self.on_state is not None:
            self.on_state(False)

    def _step(self, now: float) -> float:
        """Send everything due; return when to wake next (seconds)."""
        generation = self.transport.generation
        song = self.transport.song_position(now)
        if self._live and (song is None or generation != self._generation):
            self._release(all_notes_off=True)
        if song is None:
            return self.transport.wake_at(now)
        if not self._live:
            self._begin(song, generation)
        self._dispatch(song)
        due = self.transport.time_of(self._next_position(), now)
        return now + 0.25 if due <= now else min(due, now + 0.25)

    def _begin(self, song: float, generation: int) -> None:
        start = self.transport.start_position
        if 0 <= song - start < _CATCH_UP:  # woken a little late after the start: play the first bar late
            first = math.floor(start / STEPS_PER_BAR + _EPS)
        else:  # joined a running song: begin on its next bar
            first = math.ceil(song / STEPS_PER_BAR - _EPS)
        self._live, self._generation, self._next_bar = True, generation, first
        self._heap.clear()
        self._tick_n = first * STEPS_PER_BAR * PULSES_PER_STEP
        if self._clocks_out():
            self._push(first * STEPS_PER_BAR, _START, None)

    def _next_position(self) -> float:
        items: list[float] = [self._next_bar * STEPS_PER_BAR]
        if self._heap:
            items.append(self._heap[0][0])
        if self._clocks_out() and self._clock_started:
            items.append(self._tick_n / PULSES_PER_STEP)
        return min(items)

    def _dispatch(self, song: float) -> None:
        while True:
            fetch = self._next_bar * STEPS_PER_BAR
            tick = self._tick_n / PULSES_PER_STEP if self._clocks_out() and self._clock_started else math.inf
            top = self._heap[0][:2] if self._heap else (math.inf, 99)
            at, kind = min((fetch, _FETCH), (tick, _TICK), top)
            if at > song + _EPS:
                return
            if kind == _FETCH:
                self._fetch(self._next_bar)
                self._next_bar += 1
            elif kind == _TICK:
                self.output.send(mido.Message("clock"))
                self._tick_n += 1
            else:
                self._handle(*heapq.heappop(self._heap))

    def _fetch(self, index: int) -> None:
        bar = self.source.bar(index)
        if self.on_bar is not None:
            self.on_bar(index)
        if bar is None:
            self.misses += 1
            return
        base = index * STEPS_PER_BAR
        for channel, program in bar.programs:
            if self._programs.get(channel) != program:
                self._push(base, _PROGRAM, (channel, program))
        for note in bar.notes:
            self._push(base + note.on, _ON, note)

    def _handle(self, at: float, kind: int, _seq: int, payload: _Payload) -> None:
        if kind == _START:
            self.output.send(mido.Message("songpos", pos=min(int(at), 16383)))
            self.output.send(mido.Message("start" if at <= 0 else "continue"))
            self._clock_started = True
        elif kind == _PROGRAM:
            assert isinstance(payload, tuple)  # (channel, program), pushed by _fetch
            channel, program = payload
            self._programs[channel] = program
            self.output.send(mido.Message("program_change", channel=channel, program=program))
        elif kind == _OFF:
            assert isinstance(payload, tuple)  # (channel, pitch), pushed by _handle
            channel, pitch = payload
            self._notes.send(mido.Message("note_off", channel=channel, note=pitch, velocity=0))
        else:
            assert isinstance(payload, LiveNote)
            note = payload
            velocity = self.source.admit(note)
            if velocity is None:
                return
            self._channels.add(note.channel)
            self._notes.send(
                mido.Message("note_on", channel=note.channel, note=note.pitch, velocity=velocity)
            )
            self._push(at - note.on + note.off, _OFF, (note.channel, note.pitch))
            if self.on_note is not None:
                self.on_note(at, note, velocity)

    def _push(self, at: float, kind: int, payload: _Payload) -> None:
        heapq.heappush(self._heap, (at, kind, next(self._seq), payload))

    def _clocks_out(self) -> bool:
        return self.send_clock and self.transport.drives_clock

    def _release(self, all_notes_off: bool) -> None:
        """Every sounding note off (and CC123 on every channel used); a started clock gets its stop."""
        self._notes.release(tuple(sorted(self._channels)) if all_notes_off else None)
        self._heap.clear()
        self._live = False
        if self._clock_started:
            self._clock_started = False
            self.output.send(mido.Message("stop"))

    def _join(self) -> None:
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()
