# SPDX-License-Identifier: MIT
"""The playback transport: plays a Timeline (or a Pattern) to any `MidiOutput` on its own thread.

Play, stop, seek, loop a region, change the tempo, send MIDI clock or follow an external transport (a
DAW's MIDI clock, an Ableton Link session: engine/playback/transport.py). The GUI
reads `position()` (a thread-safe snapshot, in steps) from a 30-60 Hz timer. Every way playing ends
(stop, seek, reload, loop wrap, an output error) releases each sounding note, held pedal and bent wheel;
starting or seeking past step 0 first sends each channel's program and controllers as they stand there.
"""

from __future__ import annotations

import bisect
import contextlib
import math
import threading
from collections.abc import Callable

import mido

from engine.music.pattern import Pattern
from engine.playback.clock_follow import PULSES_PER_STEP
from engine.playback.output import PEDALS, MidiOutput, NoteGuard
from engine.playback.timeline import Timeline, timeline_from_pattern
from engine.playback.timer import MonotonicTimer, Timer, try_realtime
from engine.playback.transport import Transport

_TEMPO, _EVENT, _TICK, _BOUNDARY = 0, 1, 2, 3  # the order of items that fall on the same position
_CATCH_UP = 4.0  # steps (a beat): how late the player may notice a DAW start and still play from it
_EPS = 1e-7  # steps: float rounding between "when" and "where" must not leave an item undue


class Player:
    """Schedules a timeline's messages against a timer; all state changes are thread-safe.

    Callbacks (called on the player's thread; keep them short, e.g. emit a Qt signal):
        on_state(playing: bool), on_finished() (the end was reached, no loop), on_error(reason: str).
    """

    def __init__(
        self,
        output: MidiOutput,
        timer: Timer | None = None,
        *,
        send_clock: bool = False,
        follow: Transport | None = None,
        realtime: bool = True,
    ) -> None:
        self._notes = NoteGuard(output)
        self.realtime = realtime  # ask for real-time scheduling of the player thread (if allowed)
        self.timer: Timer = timer or MonotonicTimer()
        self.send_clock = send_clock
        self.follower = follow
        self.on_state: Callable[[bool], None] | None = None
        self.on_finished: Callable[[], None] | None = None
        self.on_error: Callable[[str], None] | None = None
        self._lock = threading.RLock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._stop_req = False
        self._playing = False
        self._timeline = Timeline(())
        self._positions: list[float] = []
        self._tempo_positions: list[float] = [0.0]
        self._loop: tuple[float, float] | None = None
        self._scale = 1.0
        self._stopped_at = 0.0
        self._t0 = self._lin0 = 0.0
        self._map_bpm = 120.0
        self._idx, self._tidx, self._off, self._tick_n = 0, 1, 0.0, 0
        self._exhausted = False
        self._generation = -1
        self._follow_live = False
        self._clock_started = False  # a start went out to follow a driving transport; a stop is owed
        if follow is not None:
            follow.on_change = self._wake.set

    # ----- public transport -------------------------------------------------------------------------
    def load(self, source: Pattern | Timeline, loop: tuple[float, float] | None = None) -> None:
        """Replace what is played (while playing too: sounding notes end, the position carries on)."""
        timeline = timeline_from_pattern(source) if isinstance(source, Pattern) else source
        with self._lock:
            here = self._local(self.timer.now()) if self._playing else 0.0
            if self._playing:
                self._silence(all_notes_off=True)
            self._timeline = timeline
            self._positions = timeline.positions
            self._tempo_positions = [p for p, _ in timeline.tempos]
            self._loop = self._checked_loop(loop)
            self._stopped_at = self._into_region(here)
            self._follow_live = False
            if self._playing and self.follower is None:
                self._jump(self._stopped_at)
            self._scale, self._map_bpm = 1.0, timeline.tempo_at(self._stopped_at)
        self._wake.set()

    def set_loop(self, loop: tuple[float, float] | None) -> None:
        """Loop steps [start, end) (None: play to the end and stop)."""
        with self._lock:
            self._loop = self._checked_loop(loop)
            if self._playing:
                here = self._local(self.timer.now())
                target = self._into_region(here)
                if target != here:
                    self._silence(all_notes_off=True)
                if self.follower is None:
                    self._jump(target)
                else:
                    self._follow_live = False
            else:
                self._stopped_at = self._into_region(self._stopped_at)
        self._wake.set()

    def play(self, start: float | None = None) -> None:
        """Start from `start` (steps; default: the loop start, else 0). With a follower: arm and wait
        for the external start."""
        if self.playing:
            return
        self._join()  # a previous run may still be finishing (outside the lock: it takes the lock)
        with self._lock:
            local = self._into_region(self._loop[0] if start is None and self._loop else (start or 0.0))
            self._stopped_at = local
            self._playing, self._stop_req = True, False
            if self.follower is None:
                self._begin_internal(local)
            else:
                self._generation, self._follow_live = -1, False
            self._thread = threading.Thread(target=self._run, name="bandmate-player", daemon=True)
            self._thread.start()
        self._notify_state(True)

    def stop(self) -> None:
        """Stop and release every sounding note (note-offs, then CC123 on each channel used)."""
        with self._lock:
            self._stop_req = True
        self._wake.set()
        self._join()

    def seek(self, step: float) -> None:
        """Jump to `step` (into the loop if one is set)."""
        with self._lock:
            target = self._into_region(step)
            if not self._playing or self.follower is not None:
                self._stopped_at = target
                return
            self._silence(all_notes_off=True)
            self._jump(target)
        self._wake.set()

    def set_tempo(self, bpm: float) -> None:
        """Play at `bpm` (a file's tempo changes keep their ratios). Ignored while following a clock."""
        if not 1.0 <= bpm <= 1000.0:
            raise ValueError(f"tempo {bpm} outside 1..1000 BPM")
        with self._lock:
            if not self._playing:
                self._scale = bpm / self._timeline.tempo_at(self._stopped_at)
                return
            now = self.timer.now()
            lin = self._lin_internal(now)
            self._scale = bpm / self._timeline.tempo_at(self._local_of(lin))
            self._t0, self._lin0 = now, lin
        self._wake.set()

    @property
    def tempo(self) -> float:
        """The tempo now (BPM): the follower's estimate while following."""
        with self._lock:
            if self.follower is not None and self.follower.tempo is not None:
                return self.follower.tempo
            return self._map_bpm * self._scale

    @property
    def output(self) -> MidiOutput:
        return self._notes.output

    @output.setter
    def output(self, output: MidiOutput) -> None:
        """Switch outputs (while playing too): the old one releases its notes first."""
        with self._lock:
            if self._playing:
                self._silence(all_notes_off=True)
            self._notes.output = output

    @property
    def playing(self) -> bool:
        with self._lock:
            return self._playing

    @property
    def loop(self) -> tuple[float, float] | None:
        return self._loop

    @property
    def timeline(self) -> Timeline:
        return self._timeline

    def position(self) -> float:
        """The playhead in steps (thread-safe snapshot)."""
        with self._lock:
            return self._local(self.timer.now()) if self._playing else self._stopped_at

    def wait(self, timeout: float | None = None) -> bool:
        """Block until playing ends; True if it has."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return not self.playing

    def close(self) -> None:
        """Stop and send a panic to the output (the output itself stays open)."""
        self.stop()
        with contextlib.suppress(Exception):
            self.output.panic()

    # ----- the thread -------------------------------------------------------------------------------
    def _run(self) -> None:
        error, finished = None, False
        # real time only against the real clock: a simulated one never sleeps
        if self.realtime and isinstance(self.timer, MonotonicTimer) and try_realtime():
            self.timer.spin = 0.0003  # real-time threads wake promptly: spin less
        try:
            while True:
                self._wake.clear()
                with self._lock:
                    if self._stop_req:
                        break
                    now = self.timer.now()
                    deadline = self._step_follow(now) if self.follower else self._step_internal(now)
                    if deadline is None:
                        finished = True
                        break
                self.timer.wait_until(deadline, self._wake)
        except Exception as e:  # noqa: BLE001 - a vanished port must not leave notes sounding
            error = str(e) or type(e).__name__
        self._finish(error, finished)

    def _finish(self, error: str | None, finished: bool) -> None:
        with self._lock:
            try:
                self._stopped_at = self._local(self.timer.now())
                self._silence(all_notes_off=True)
                if self.send_clock and self.follower is None:
                    self.output.send(mido.Message("stop"))
                self._clock_out_stop()
            except Exception as e:  # noqa: BLE001
                error = error or str(e) or type(e).__name__
                self._notes.sounding.clear()
                with contextlib.suppress(Exception):
                    self.output.panic()
            self._playing = False
        if error is not None and self.on_error is not None:
            self.on_error(error)
        if finished and self.on_finished is not None:
            self.on_finished()
        self._notify_state(False)

    def _step_internal(self, now: float) -> float | None:
        """Send everything due; return when to wake next, None at the end."""
        if not self._dispatch(self._lin_internal(now)):
            return None
        return self._t0 + (self._next_item()[0] - self._lin0) / self._rate()

    def _step_follow(self, now: float) -> float | None:
        assert self.follower is not None
        generation = self.follower.generation
        song = self.follower.song_position(now)
        if generation != self._generation or song is None:
            if self._follow_live:
                self._silence(all_notes_off=True)
            self._follow_live = False
        if song is None:
            self._clock_out_stop()
            return self.follower.wake_at(now)
        if not self._follow_live:
            self._generation, self._follow_live = generation, True
            start = self.follower.start_position
            # woken a little late after the DAW started: play the first notes late rather than never
            begin = start if 0 <= song - start < _CATCH_UP else song
            self._jump(self._into_region(begin) if self._loop else begin, lin=begin)
            self._clock_out_start(begin)
        self._dispatch(song)
        due = self.follower.time_of(self._next_item()[0], now)
        # due already: the item sits on a pulse that has not arrived; that pulse wakes us (no busy loop)
        return now + 0.25 if due <= now else min(due, now + 0.25)

    def _clocks_out(self) -> bool:
        """MIDI clock goes out on our own tempo or a driving transport (Link), never echoing a DAW's."""
        return self.send_clock and (self.follower is None or self.follower.drives_clock)

    def _clock_out_start(self, song: float) -> None:
        """Following a transport that drives the clock: song position and start, pulses from `song` on."""
        self._tick_n = math.ceil(song * PULSES_PER_STEP - 1e-9)
        if self._clocks_out() and self.follower is not None:
            self.output.send(mido.Message("songpos", pos=min(max(int(song), 0), 16383)))
            self.output.send(mido.Message("start" if song <= 0 else "continue"))
            self._clock_started = True

    def _clock_out_stop(self) -> None:
        if self._clock_started:
            self._clock_started = False
            self.output.send(mido.Message("stop"))

    def _dispatch(self, lin: float) -> bool:
        """Send every item up to linear position `lin`; False when the (unlooped) end is passed."""
        while True:
            at, kind = self._next_item()
            if at > lin + _EPS:
                return True
            if kind == _EVENT:
                self._notes.send(self._timeline.events[self._idx][1])
                self._idx += 1
            elif kind == _TEMPO:
                self._change_map_tempo(at)
            elif kind == _TICK:
                self.output.send(mido.Message("clock"))
                self._tick_n += 1
            elif self._loop is not None:
                self._silence(all_notes_off=False)
                self._restart_cursor(self._loop[0], at)
            elif self.follower is None:
                return False
            else:
                self._exhausted = True

    def _next_item(self) -> tuple[float, int]:
        if self._exhausted:
            return (math.inf, _BOUNDARY)
        end = self._loop[1] if self._loop else self._timeline.steps
        items = [(end + self._off, _BOUNDARY)]
        # looping, what falls on the loop end belongs to the next pass; unlooped, the last note-offs
        # may fall on the end itself
        if self._idx < len(self._positions) and (
            self._positions[self._idx] < end or not self._loop and self._positions[self._idx] <= end
        ):
            items.append((self._positions[self._idx] + self._off, _EVENT))
        if self.follower is None:
            if self._tidx < len(self._tempo_positions) and self._tempo_positions[self._tidx] < end:
                items.append((self._tempo_positions[self._tidx] + self._off, _TEMPO))
        if self._clocks_out() and (self.follower is None or self._follow_live):
            items.append((self._tick_n / PULSES_PER_STEP, _TICK))
        return min(items)

    # ----- helpers (called with the lock held) --------------------------------------------------------
    def _silence(self, all_notes_off: bool) -> None:
        """Release every sounding note; on stop, seek and reload also CC123 on each channel used.

        At a loop wrap only the note-offs go out: a DAW recording the port would collect a CC123 per pass.
        """
        self._notes.release(self._timeline.channels if all_notes_off else None)

    def _chase(self, local: float) -> None:
        """Starting past step 0: send each channel's program, controllers and pitch wheel as they stand at
        `local` (pedals stay up), so a start or a seek mid-clip plays the right instruments."""
        if local <= 0:
            return
        banks: dict[tuple[int, int], mido.Message] = {}  # (channel, controller) -> the last change
        controls: dict[tuple[int, int], mido.Message] = {}
        programs: dict[int, mido.Message] = {}  # channel -> the last change
        wheels: dict[int, mido.Message] = {}
        for _, msg in self._timeline.events[: bisect.bisect_left(self._positions, local)]:
            if msg.type == "program_change":
                programs[msg.channel] = msg
            elif msg.type == "pitchwheel":
                wheels[msg.channel] = msg
            elif msg.type == "control_change" and msg.control < 120 and msg.control not in PEDALS:
                (banks if msg.control in (0, 32) else controls)[(msg.channel, msg.control)] = msg
        for group in (banks, programs, controls, wheels):
            for msg in group.values():
                self._notes.send(msg)

    def _begin_internal(self, local: float) -> None:
        self._t0, self._lin0 = self.timer.now(), local
        self._chase(local)
        self._restart_cursor(local, local)
        self._map_bpm = self._timeline.tempo_at(local)
        self._tick_n = math.ceil(local * PULSES_PER_STEP - 1e-9)
        if self.send_clock:
            self.output.send(mido.Message("songpos", pos=min(int(local), 16383)))
            self.output.send(mido.Message("start" if local == 0 else "continue"))

    def _jump(self, local: float, lin: float | None = None) -> None:
        if lin is None:
            now = self.timer.now()
            lin = self._lin_internal(now)
            self._t0, self._lin0 = now, lin
        self._chase(local)
        self._restart_cursor(local, lin)
        self._map_bpm = self._timeline.tempo_at(local)

    def _restart_cursor(self, local: float, lin: float) -> None:
        self._off = lin - local
        self._idx = bisect.bisect_left(self._positions, local)
        self._tidx = bisect.bisect_right(self._tempo_positions, local)
        self._exhausted = False

    def _change_map_tempo(self, at: float) -> None:
        # anchor at the exact time the change falls on, so tempo changes do not accumulate drift
        self._t0 += (at - self._lin0) / self._rate()
        self._lin0 = at
        self._map_bpm = self._timeline.tempos[self._tidx][1]
        self._tidx += 1

    def _rate(self) -> float:
        return self._map_bpm * self._scale * 4 / 60

    def _lin_internal(self, now: float) -> float:
        return self._lin0 + (now - self._t0) * self._rate()

    def _local(self, now: float) -> float:
        if self.follower is not None:
            song = self.follower.song_position(now)
            return self._stopped_at if song is None or not self._follow_live else self._local_of(song)
        return self._local_of(self._lin_internal(now))

    def _local_of(self, lin: float) -> float:
        local = lin - self._off
        if self._loop is not None and local >= self._loop[1]:
            a, b = self._loop
            return a + (local - b) % (b - a)
        return min(local, self._timeline.steps)

    def _into_region(self, step: float) -> float:
        if self._loop is None:
            return min(max(step, 0.0), self._timeline.steps)
        a, b = self._loop
        return step if a <= step < b else a + (step - a) % (b - a) if step >= b else a

    def _checked_loop(self, loop: tuple[float, float] | None) -> tuple[float, float] | None:
        if loop is None:
            return None
        a, b = float(loop[0]), float(loop[1])
        if not 0 <= a < b:
            raise ValueError(f"bad loop region {a}..{b}")
        return (a, b)

    def _join(self) -> None:
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def _notify_state(self, playing: bool) -> None:
        if self.on_state is not None:
            self.on_state(playing)
