# SPDX-License-Identifier: MIT
"""The endless jam: drums wander the blend square of four beats, bass and lead wander a latent loop,
phrase by phrase, every bar computed ahead of the playhead on a worker thread.

`JamPlanner` is the stream's `BarSource`. Material changes only at phrase boundaries (4 or 8 bars),
read from the settings when the phrase is planned; the `Mix` (energy, density, parts) is applied per note
as it plays. `pump()` does one piece of work and returns; the worker thread calls it in a loop, tests
call it inline (as a fake clock's wait hook), so the planning is the same code either way.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from engine.live.bars import clip_bars, merge, to_bass
from engine.live.mixer import Mix
from engine.live.models import LiveModels, key_of
from engine.live.stream import Bar, LiveNote
from engine.live.wander import Wander, latent_loop, loop_point
from engine.music.pattern import STEPS_PER_BAR, Pattern

PHRASE_BARS = (4, 8)


@dataclass(frozen=True, slots=True)
class JamSettings:
    """What the next phrase is made of.

    Attributes:
        x, y: the pad's point on the blend square (0..1; A (0,0), B (1,0), C (0,1), D (1,1)).
        speed: 0..1, how far the drums roam from that point and how fast bass and lead turn round the loop.
        phrase_bars: 4 or 8: material changes only at these boundaries.
        key: bass and lead stay in this key ("C:minor"), None: any notes.
        temperature: the models' temperature 0..2.
        tempo: BPM written into decoded clips and recordings (playback follows the transport).
    """

    x: float = 0.5
    y: float = 0.5
    speed: float = 0.3
    phrase_bars: int = 4
    key: str | None = None
    temperature: float = 0.5
    tempo: float = 120.0

    def __post_init__(self) -> None:
        if not (0.0 <= self.x <= 1.0 and 0.0 <= self.y <= 1.0):
            raise ValueError(f"pad point {self.x},{self.y} outside the square 0..1")
        if not 0.0 <= self.speed <= 1.0:
            raise ValueError(f"speed {self.speed} outside 0..1")
        if self.phrase_bars not in PHRASE_BARS:
            raise ValueError(f"phrase length {self.phrase_bars} bars: use 4 or 8")
        if not 0.0 <= self.temperature <= 2.0:
            raise ValueError(f"temperature {self.temperature} outside 0..2")
        key_of(self.key)  # KeyNameError for a bad name, now rather than mid-jam


class JamPlanner:
    """Plans phrases ahead of the playhead and hands out their bars.

    Attributes:
        ahead: bars planned beyond the bar playing now (at least 2, so each bar is ready a bar early).
        ready_margin: bar index -> steps between the moment the bar was ready and its start (recorded
            for bars planned while the song ran; the target is >= 16, one bar).
        phrases: (first bar, bars, x, y, angle) of each phrase planned, in order.
        on_error: called with a reason when planning a phrase fails (the jam plays on silently).
        on_phrase: called on the planning thread after each phrase is planned, with its first bar.
    """

    def __init__(
        self,
        models: LiveModels,
        corners: Sequence[Pattern],
        settings: JamSettings | None = None,
        mix: Mix | None = None,
        seed: int = 0,
        ahead: int = 2,
        position: Callable[[], float | None] | None = None,
    ) -> None:
        if len(corners) != 4:
            raise ValueError(f"a jam needs 4 corner beats, got {len(corners)}")
        if ahead < 2:
            raise ValueError("plan at least 2 bars ahead")
        self.models = models
        self.corners = tuple(corners)
        self.settings = settings or JamSettings()
        self.mix = mix or Mix()
        self.seed = seed
        self.ahead = ahead
        self.position = position
        self.ready_margin: dict[int, float] = {}
        self.phrases: list[tuple[int, int, float, float, float]] = []
        self.on_error: Callable[[str], None] | None = None
        self.on_phrase: Callable[[int], None] | None = None
        self._bars: dict[int, Bar] = {}
        self._planned = 0  # bars [0, _planned) are planned
        self._playhead = -1
        self._lock = threading.Lock()
        self._pumping = threading.Lock()
        self._wake = threading.Event()
        self._worker: threading.Thread | None = None
        self._quit = threading.Event()
        self._wander = Wander(seed)
        size = models.melody_size if models.melody is not None else 0
        self._lead_loop = latent_loop(size, seed * 2 + 1) if size else None
        self._bass_loop = latent_loop(size, seed * 2 + 2) if size else None

    # ----- BarSource -----------------------------------------------------------------------------
    def bar(self, index: int) -> Bar | None:
        with self._lock:
            self._playhead = index
            bar = self._bars.pop(index, None)
            for old in [k for k in self._bars if k < index]:
                del self._bars[old]
        self._wake.set()
        return bar

    def admit(self, note: LiveNote) -> int | None:
        return self.mix.admit(note)

    # ----- steering (any thread) -----------------------------------------------------------------
    def steer(self, **changes: object) -> JamSettings:
        """Change settings (JamSettings fields); heard from the next phrase not yet planned."""
        with self._lock:
            self.settings = dataclasses.replace(self.settings, **changes)  # type: ignore[arg-type]
            return self.settings

    def set_mix(self, **changes: object) -> Mix:
        """Change the live controls (Mix fields); heard from the next note."""
        self.mix = dataclasses.replace(self.mix, **changes)  # type: ignore[arg-type]
        return self.mix

    # ----- planning ------------------------------------------------------------------------------
    def pump(self) -> bool:
        """Plan the next phrase if the playhead needs it; True if it did some work (one caller at a
        time: the worker and a test's inline pump never plan the same phrase twice)."""
        with self._pumping:
            return self._pump()

    def _pump(self) -> bool:
        with self._lock:
            due = self._planned <= max(self._playhead, 0) + self.ahead
            start, settings = self._planned, self.settings
        if not due:
            return False
        try:
            bars, where = self._plan(start, settings)
        except Exception as e:  # noqa: BLE001 - a failing model must not stop the music thread
            bars, where = [Bar()] * settings.phrase_bars, (settings.x, settings.y, 0.0)
            if self.on_error is not None:
                self.on_error(str(e) or type(e).__name__)
        song = self.position() if self.position is not None else None
        with self._lock:
            for i, bar in enumerate(bars):
                self._bars[start + i] = bar
                if song is not None:
                    self.ready_margin[start + i] = (start + i) * STEPS_PER_BAR - song
            self._planned = start + len(bars)
            self.phrases.append((start, len(bars), *where))
        if self.on_phrase is not None:
            self.on_phrase(start)
        return True

    def prepare(self) -> None:
        """Plan the opening bars now (before the song starts), so bar 0 is ready."""
        while self.pump():
            pass

    def _plan(self, start: int, s: JamSettings) -> tuple[list[Bar], tuple[float, float, float]]:
        phrase = len(self.phrases)
        x, y, angle = self._wander.step(s.x, s.y, s.speed)
        seed = self.seed * 100_003 + phrase
        key = key_of(s.key)
        parts: list[list[Bar]] = []
        if self.models.drums is not None:
            beat = self.models.blend_drums(self.corners, x, y, s.temperature, seed)
            parts.append(clip_bars(beat, "drums", s.phrase_bars, seed))
        if self._lead_loop is not None and self._bass_loop is not None:
            lead = self.models.decode_melody(
                loop_point(self._lead_loop, angle), s.temperature, key, seed, s.tempo
            )
            bass = self.models.decode_melody(
                loop_point(self._bass_loop, angle), s.temperature, key, seed + 1, s.tempo
            )
            parts.append(clip_bars(lead, "lead", s.phrase_bars, seed, program=81))
            parts.append(clip_bars(to_bass(bass), "bass", s.phrase_bars, seed, program=38))
        bars = [merge(*(p[i] for p in parts)) for i in range(s.phrase_bars)]
        return bars, (x, y, angle)

    # ----- the worker ----------------------------------------------------------------------------
    def start_worker(self) -> None:
        """Plan on a thread of its own, woken as each bar begins."""
        if self._worker is not None:
            return
        self._quit.clear()
        self._worker = threading.Thread(target=self._work, name="bandmate-jam-planner", daemon=True)
        self._worker.start()

    def stop_worker(self) -> None:
        self._quit.set()
        self._wake.set()
        if self._worker is not None:
            self._worker.join()
            self._worker = None

    def _work(self) -> None:
        while not self._quit.is_set():
            if not self.pump():
                self._wake.wait(0.5)
                self._wake.clear()

    # ----- offline -------------------------------------------------------------------------------
    def render(self, bars: int) -> Pattern:
        """`bars` bars as one clip, planned as fast as the models allow, with the Mix applied."""
        if bars < 1:
            raise ValueError(f"--bars {bars}: render at least one bar")
        from engine.live.recorder import Recorder

        recorder = Recorder(self.settings.tempo)
        for index in range(bars):
            while self._planned <= index:
                self._playhead = index
                self.pump()
            bar = self.bar(index) or Bar()
            for note in bar.notes:
                velocity = self.admit(note)
                if velocity is not None:
                    recorder.add(index * STEPS_PER_BAR + note.on, note, velocity)
        return recorder.pattern(end_bar=bars)
