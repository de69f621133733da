# SPDX-License-Identifier: MIT
"""Answers to what you play: when a phrase ends (a bar after a rest, or a pedal), Bandmate plays back a
variation of it, a continuation, or the band around it, starting on the bar where the phrase ended.

The answer is computed ahead: the part of the phrase the model reads (its own length) is answered as
soon as it is complete, and the answer's bars are laid out while the rest is still running (the last
`rest` steps before the boundary, a beat by default), so it is ready when the boundary comes; a note
played in that last beat means the phrase goes on, and the guess is thrown away. `Answerer` is the
stream's `BarSource`; `pump()` does the work (a worker thread calls it every few ms, tests call it from a
fake clock's hook).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

import mido

from engine.live.bars import clip_bars, merge
from engine.live.mixer import Mix
from engine.live.models import LiveModels, key_of
from engine.live.phrase import PhraseCapture
from engine.live.recorder import Recorder
from engine.live.stream import Bar, LiveNote, StreamPlayer
from engine.music.pattern import STEPS_PER_BAR, Pattern, Role
from engine.playback.output import MidiOutput
from engine.playback.timer import Timer
from engine.playback.transport import InternalTransport, Transport

MODES = ("variation", "continuation", "band")
POLL = 0.005  # seconds between the worker's looks at the song position
BAND_LEAD = 8.0  # steps: the band takes ~0.55 s to write (multitrack_1bar, one CPU thread), more than a
# beat at 120 BPM, so its guesses start half a bar before the boundary, whenever nothing sounds


class Answerer:
    """Listens through `capture` and answers in `mode` (see MODES).

    Attributes:
        answers: (boundary bar, bars, the phrase caught, the answer) of each answer played, in order.
        on_answer: called on the stream's thread with the boundary bar when an answer starts.
        on_error: called with a reason when an answer fails (the phrase is dropped, listening goes on).
    """

    def __init__(
        self,
        models: LiveModels,
        capture: PhraseCapture,
        mode: str = "variation",
        *,
        seed: int = 0,
        amount: float = 0.3,
        key: str | None = None,
        tempo: float = 120.0,
        position: Callable[[], float | None] | None = None,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"answer mode {mode!r}: use one of {', '.join(MODES)}")
        self.models, self.capture, self.mode = models, capture, mode
        self.seed, self.amount, self.key, self.tempo = seed, amount, key_of(key), tempo
        self.position = position
        self.lead = BAND_LEAD if mode == "band" else capture.rest if capture is not None else 4.0
        self.mix = Mix()
        self.answers: list[tuple[int, int, Pattern, Pattern]] = []
        self.on_answer: Callable[[int], None] | None = None
        self.on_error: Callable[[str], None] | None = None
        self._lock = threading.Lock()
        # boundary, capture version, bars, phrase, answer
        self._guess: tuple[int, int, list[Bar], Pattern, Pattern] | None = None
        self._queued: dict[int, Bar] = {}
        self._quit = threading.Event()
        self._worker: threading.Thread | None = None
        self._started_at = -1  # the bar where the latest answer starts
        self._made: dict[tuple[Pattern, int], Pattern] = {}  # (window, seed) -> the model's answer

    # ----- BarSource -----------------------------------------------------------------------------
    def bar(self, index: int) -> Bar:
        with self._lock:
            guess = self._guess
            if guess is not None and guess[0] == index:
                self._guess = None
                if guess[1] == self.capture.version and self.capture.ends_at(index):
                    self._commit(index, *guess[2:])
            for old in [k for k in self._queued if k < index]:
                del self._queued[old]
            bar = self._queued.pop(index, None)
        if bar is not None and index == self._started_at and self.on_answer is not None:
            self.on_answer(index)
        return bar or Bar()

    def admit(self, note: LiveNote) -> int | None:
        return self.mix.admit(note)

    def _commit(self, boundary: int, bars: list[Bar], phrase: Pattern, answer: Pattern) -> None:
        self.capture.clear(boundary)
        for i, bar in enumerate(bars):
            self._queued[boundary + i] = bar
        self._started_at = boundary
        self.answers.append((boundary, len(bars), phrase, answer))

    # ----- the work ------------------------------------------------------------------------------
    def pump(self) -> bool:
        """If a phrase is about to end, compute its answer now; True if it did some work.

        While a phrase goes on, the part the model reads (its own length from the phrase's start: one
        bar for multitrack_1bar) is answered as soon as it is complete, so a slow model's answer is
        ready when the phrase ends however short the rest.
        """
        song = self.position() if self.position is not None else None
        if song is None:
            return False
        boundary = self.capture.pending_end(song, self.lead)
        if boundary is None:
            return self._early(song)
        with self._lock:
            if self._guess is not None and self._guess[:2] == (boundary, self.capture.version):
                return False
            version = self.capture.version
        clip = self.capture.clip(boundary, self.tempo)
        if clip is None:
            return False
        try:
            answer, bars = self._answer(clip)
        except Exception as e:  # noqa: BLE001 - a failed answer must not stop listening
            self.capture.clear(boundary)
            if self.on_error is not None:
                self.on_error(str(e) or type(e).__name__)
            return False
        with self._lock:
            self._guess = (boundary, version, bars, clip, answer)
        return True

    def _early(self, song: float) -> bool:
        clip = self.capture.clip(int(song // STEPS_PER_BAR), self.tempo)  # the bars complete so far
        if clip is None:
            return False
        try:
            window = self._window(clip)
            if window.steps < self.models.window_steps(clip, self.mode) or self._key(window) in self._made:
                return False
            self._make(window)
        except Exception:  # noqa: BLE001 - the answer at the phrase's end will say what went wrong
            return False
        return True

    def _window(self, clip: Pattern) -> Pattern:
        """The part of the phrase the answering model reads (it cuts longer clips to its length)."""
        steps = self.models.window_steps(clip, self.mode)
        return clip.slice(0, steps) if clip.steps > steps else clip

    def _key(self, window: Pattern) -> tuple[Pattern, int]:
        return window, self.seed * 100_003 + len(self.answers)  # one seed per phrase, early or late

    def _make(self, window: Pattern) -> Pattern:
        key = self._key(window)
        made = self._made.get(key)
        if made is None:
            seed = key[1]
            if self.mode == "band":
                made = self.models.band_around(window, seed)
            elif self.mode == "variation":
                made = self.models.vary(window, self.amount, seed, self.key)
            else:
                made = self.models.continue_(window, seed, self.key)
            self._made = {**dict(list(self._made.items())[-3:]), key: made}
        return made

    def _answer(self, clip: Pattern) -> tuple[Pattern, list[Bar]]:
        """The answer to the phrase `clip` and its bars (as many as the phrase has)."""
        window = self._window(clip)
        made = self._make(window)
        seed, bars = self._key(window)[1], clip.steps // STEPS_PER_BAR
        if self.mode == "band":
            given = {t.notes for t in window.tracks}
            new = [t for t in made.tracks if t.notes and t.notes not in given]
            parts = [clip_bars(made.with_tracks([t]), _part(t.role), bars, seed) for t in new]
            return made, [merge(*(p[i] for p in parts)) for i in range(bars)]
        part = "drums" if all(t.is_drum for t in made.tracks if t.notes) else "answer"
        return made, clip_bars(made, part, bars, seed)

    def warm_up(self, tempo: float = 120.0) -> None:
        """Answer a one-bar phrase once and forget it: a model's first call is several times slower."""
        from engine.music.pattern import Note, Track

        notes = tuple(Note(60 + 2 * i, 4 * i, 4 * i + 3, 90) for i in range(4))
        with contextlib.suppress(Exception):
            self._answer(Pattern((Track(notes, 0, False, Role.LEAD, "warm-up"),), STEPS_PER_BAR, tempo))
        self._made = {}

    def start_worker(self) -> None:
        """Warm the model up, then look at the song position every POLL seconds on a thread."""
        if self._worker is not None:
            return
        self._quit.clear()
        self._worker = threading.Thread(target=self._work, name="bandmate-answer", daemon=True)
        self._worker.start()

    def stop_worker(self) -> None:
        self._quit.set()
        if self._worker is not None:
            self._worker.join()
            self._worker = None

    def _work(self) -> None:
        self.warm_up(self.tempo)
        while not self._quit.wait(POLL):
            self.pump()


def _part(role: Role) -> str:
    return {Role.DRUMS: "drums", Role.BASS: "bass"}.get(role, "answer")


class LiveAnswer:
    """Listening and answering live: a PhraseCapture fed by a MIDI input (`feed`), the Answerer on its
    worker, a StreamPlayer on `output`, a Recorder; an InternalTransport starts and stops with it."""

    def __init__(
        self,
        models: LiveModels,
        output: MidiOutput,
        transport: Transport,
        mode: str = "variation",
        *,
        seed: int = 0,
        amount: float = 0.3,
        key: str | None = None,
        rest: float = 4.0,
        end_cc: int | None = None,
        tempo: float = 120.0,
        timer: Timer | None = None,
        send_clock: bool = False,
    ) -> None:
        self.transport = transport
        self.capture = PhraseCapture(transport, rest=rest, end_cc=end_cc)
        self.answerer = Answerer(models, self.capture, mode, seed=seed, amount=amount, key=key, tempo=tempo)
        self.stream = StreamPlayer(output, transport, self.answerer, timer, send_clock=send_clock)
        self.answerer.position = self.stream.position
        self.recorder = Recorder(tempo)
        self.stream.on_note = self.recorder.add

    def feed(self, msg: mido.Message, t: float) -> None:
        """A message played in at time `t` (seconds, the transport's axis): the MIDI input's callback."""
        self.capture.feed(msg, t)

    def start(self) -> None:
        self.answerer.start_worker()
        self.stream.play()
        if isinstance(self.transport, InternalTransport) and not self.transport.running:
            self.transport.start()

    def stop(self) -> None:
        """Stop answering; every sounding note is released."""
        if isinstance(self.transport, InternalTransport):
            self.transport.stop()
        self.stream.stop()
        self.answerer.stop_worker()
