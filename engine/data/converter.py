# SPDX-License-Identifier: MIT
"""The Converter base class and the window helpers the MusicVAE converters share."""

from __future__ import annotations

import bisect
import threading
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np

from engine.data.codec import monophonic
from engine.music.pattern import STEPS_PER_BAR, Meter, Note, Pattern, Role, Track
from models.spec import ModelSpec
from models.vocab import FIRST_PITCH_TOKEN, MAX_PITCH, MIN_PITCH, NO_EVENT, NOTE_OFF

CONVERTER_VERSION = 4  # bump when any converter's output changes: it keys the prepare cache
MAX_GAP_STEPS = STEPS_PER_BAR  # Magenta's gap_bars=1: a window with a whole bar of silence is skipped
GAP_BARS = 2  # Magenta's trio gap_bars: a part may rest this many bars and still count as playing
BASS_PROGRAM = 33  # GM electric bass (finger), what decoded bass lines play


class SegmentMemo:
    """What a converter computes from a segment, kept for the `size` latest (segment, key) pairs: prepare
    asks for it twice (the examples, then the coverage) and the band configs share theirs. Each entry
    holds its segment, so that the segment's id is not reused while it is kept. Values are shared: the
    callers treat them as read-only. Thread-safe."""

    def __init__(self, size: int = 16) -> None:
        self._items: dict[tuple[int, Hashable], tuple[Pattern, Any]] = {}
        self._size = size
        self._lock = threading.Lock()

    def clear(self) -> None:
        """Forget every entry (prepare does after each file: kept objects would only cost memory and
        garbage-collection time)."""
        with self._lock:
            self._items.clear()

    def get(self, segment: Pattern, key: Hashable, make: Callable[[], Any]) -> Any:
        """The value kept for (segment, key), else `make()` (kept for next time)."""
        with self._lock:
            hit = self._items.get((id(segment), key))
        if hit is not None and hit[0] is segment:
            return hit[1]
        value = make()
        with self._lock:
            while len(self._items) >= self._size:
                del self._items[next(iter(self._items))]
            self._items[(id(segment), key)] = (segment, value)
        return value


MEMO = SegmentMemo()


def _start(note: Note) -> int:
    return note.start


def _end(note: Note) -> int:
    return note.end


def slice_track(track: Track, start: int, end: int) -> Track:
    """Notes of `track` starting in [start, end), moved to start at 0 and clipped to the window."""
    lo = bisect.bisect_left(track.notes, start, key=_start)
    hi = bisect.bisect_left(track.notes, end, lo, key=_start)
    notes = [
        Note(n.pitch, n.start - start, min(n.end, end) - start, n.velocity, n.offset)
        for n in track.notes[lo:hi]
    ]
    return track.with_notes(notes)


def bar_coverage(track: Track, bars: int, gap: int = 0) -> np.ndarray:
    """bool (bars,): bars in which `track` sounds, each widened by `gap` bars on both sides (Magenta's
    coverage with gap_bars, data.py `TrioConverter`)."""
    sounding = np.zeros(bars, dtype=bool)
    if track.notes and bars > 0:
        count = len(track.notes)
        start = np.fromiter(map(_start, track.notes), dtype=np.int64, count=count)
        end = np.fromiter(map(_end, track.notes), dtype=np.int64, count=count)
        lo = np.maximum(start // STEPS_PER_BAR, 0)
        hi = np.minimum((np.maximum(end, start + 1) - 1) // STEPS_PER_BAR + 1, bars)
        spans = lo < hi  # each note sounds in bars [lo, hi): count the spans open at each bar
        opened = np.bincount(lo[spans], minlength=bars + 1) - np.bincount(hi[spans], minlength=bars + 1)
        sounding = np.cumsum(opened[:bars]) > 0
    if not gap:
        return sounding
    padded = np.concatenate([np.zeros(gap, dtype=bool), sounding, np.zeros(gap, dtype=bool)])
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * gap + 1)  # (bars, 2 * gap + 1)
    return np.asarray(windows.any(axis=1), dtype=bool)


def window_line(tokens: np.ndarray, start: int, end: int) -> np.ndarray:
    """Melody tokens [start, end) of a whole line, as encoding the window alone gives them: the note-offs
    of notes that began before the window are dropped."""
    window = tokens[start:end].copy()
    onsets = np.flatnonzero(window >= FIRST_PITCH_TOKEN)
    first = onsets[0] if len(onsets) else len(window)
    window[:first][window[:first] == NOTE_OFF] = NO_EVENT
    return window


def window_lines(tokens: np.ndarray, starts: np.ndarray, steps: int) -> np.ndarray:
    """`window_line` of every window [start, start + steps) of a whole line at once: int64 (W, steps)."""
    windows = tokens[starts[:, None] + np.arange(steps)]
    before_first = ~np.logical_or.accumulate(windows >= FIRST_PITCH_TOKEN, axis=1)
    windows[before_first & (windows == NOTE_OFF)] = NO_EVENT
    return windows


def longest_gap(onsets: Sequence[tuple[int, int]] | np.ndarray, steps: int) -> int:
    """Longest run of steps covered by no (start, end) span (0 <= start, end in steps; or an int64 (N, 2)
    array of them) in a window of `steps`. Spans are marked by counting starts and ends (a 16-bar trio's
    ~400 notes: no loop)."""
    covered = np.zeros(steps + 2, dtype=bool)
    covered[0] = covered[-1] = True
    if len(onsets):
        spans = np.asarray(onsets, dtype=np.int64).reshape(-1, 2)
        lo, hi = 1 + np.maximum(spans[:, 0], 0), 1 + np.minimum(spans[:, 1], steps)
        lo, hi = lo[hi > lo], hi[hi > lo]  # empty spans (and spans past the window) cover nothing
        depth = np.cumsum(np.bincount(lo, minlength=steps + 2) - np.bincount(hi, minlength=steps + 2))
        covered |= depth[: steps + 2] > 0
    edges = np.flatnonzero(covered)
    return int(np.max(np.diff(edges)) - 1) if len(edges) > 1 else steps


def longest_gaps(covered: np.ndarray) -> np.ndarray:
    """int64 (W,): for each row of a bool (W, steps) coverage, the longest run of uncovered steps; the
    same number `longest_gap` gives for that window's spans, for many windows at once."""
    if covered.shape[1] == 0:
        return np.zeros(len(covered), dtype=np.int64)
    run = np.cumsum(~covered, axis=1)
    gaps: np.ndarray = (run - np.maximum.accumulate(np.where(covered, run, 0), axis=1)).max(axis=1)
    return gaps


def window_starts(bars: int, window_bars: int) -> np.ndarray:
    """int64 (W,): the first step of each window of `window_bars` bars, sliding by one bar over `bars`."""
    return np.arange(max(0, bars - window_bars + 1), dtype=np.int64) * STEPS_PER_BAR


def merged_drums(tracks: Sequence[Track]) -> Track:
    """All drum tracks as one drum track."""
    notes = [n for t in tracks if t.is_drum for n in t.notes]
    return Track(tuple(notes), 0, True, Role.DRUMS, "drums")


def pitched_line(pattern: Pattern, role: Role, top: bool = True, bass_as_lead: bool = False) -> Track | None:
    """The track with `role` reduced to one line. For LEAD without one: the highest pitched non-bass track,
    or with `bass_as_lead` (mel_2bar: any line is a melody) the bass track when nothing else plays."""
    track = pattern.track_for(role)
    if track is None and role == Role.LEAD:
        pitched = [t for t in pattern.tracks if not t.is_drum and t.notes]
        upper = [t for t in pitched if t.role != Role.BASS]
        candidates = upper or (pitched if bass_as_lead else [])
        track = max(candidates, key=lambda t: sum(n.pitch for n in t.notes) / len(t.notes), default=None)
    if track is None or track.is_drum:
        return None
    return track.with_notes(monophonic(track.notes, top=top))


class Converter:
    """Base: made for one config's `ModelSpec`; `name`, `steps` (the window) and `pitched` (the arrays
    holding pitches, which `transpose` moves) come from it."""

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec
        self.name = spec.name
        self.steps = spec.steps
        self.pitched = spec.maskable

    @property
    def bars(self) -> int:
        return self.spec.window_bars

    @property
    def cost_steps(self) -> int:
        """What one example costs to score, in 16th steps of a one-track window (the report card takes
        fewer of the costly ones): its steps."""
        return self.steps

    def window_steps(self, meter: Meter) -> int:
        """Steps of one window in `meter`: the 4/4 window for the 4/4 models (the band converter reads
        every band meter)."""
        return self.steps

    def to_tensors(self, window: Pattern) -> dict[str, np.ndarray]:
        """One example's arrays (shapes per CONTRIBUTING.md) plus `tempo` f32 ()."""
        if window.steps != self.steps:
            raise ValueError(f"{self.name} needs a window of {self.steps} steps, not {window.steps}")
        arrays = self._encode(window)
        arrays["tempo"] = np.array(window.tempo, dtype=np.float32)  # shape ()
        return arrays

    def from_tensors(self, arrays: dict[str, np.ndarray], tempo: float = 120.0) -> Pattern:
        """A Pattern from one example's arrays (no batch axis); arrays["tempo"], if present, wins."""
        bpm = float(arrays["tempo"]) if "tempo" in arrays else tempo
        return Pattern(tuple(self._decode(arrays)), self.steps, min(max(bpm, 1.0), 1000.0))

    def windows(self, segment: Pattern) -> list[Pattern]:
        """Usable training windows of a 4/4 segment, sliding by one bar."""
        return [w for _, w in self.placed_windows(segment)]

    def placed_windows(self, segment: Pattern) -> list[tuple[int, Pattern]]:
        """(first step in the segment, window) of every usable training window (what `windows` gives);
        `engine.data.coverage` places the notes each window keeps back in the segment with it."""
        out = []
        segment = self._parts(segment)
        for bar in range(segment.bars - self.bars + 1):
            start = bar * STEPS_PER_BAR
            window = self._window(segment, start, start + self.steps)
            if window is not None:
                out.append((start, window))
        return out

    def examples(self, segment: Pattern) -> list[dict[str, np.ndarray]]:
        """`to_tensors` of every window of `segment` (converters may compute it faster, same result)."""
        return [self.to_tensors(w) for w in self.windows(segment)]

    def stacked_examples(self, segment: Pattern) -> dict[str, np.ndarray]:
        """`examples(segment)` stacked on a new axis 0 (N, ...); zero examples give `empty_arrays()`.
        Converters that make all windows at once give them without the per-window dicts."""
        examples = self.examples(segment)
        if not examples:
            return self.empty_arrays()
        return {k: np.stack([e[k] for e in examples]) for k in examples[0]}

    def empty_arrays(self) -> dict[str, np.ndarray]:
        """Zero examples, shaped (0, ...) with the arrays' dtypes and trailing shapes."""
        return {k: np.asarray(v)[None][:0] for k, v in self.to_tensors(Pattern((), self.steps)).items()}

    def transpose(
        self, arrays: dict[str, np.ndarray], shift: int
    ) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Stacked arrays (N, ...) moved by `shift` semitones (pitched parts only) and a bool (N,) mask of
        the examples whose notes all stay within 21..108."""
        out, ok = dict(arrays), np.ones(len(arrays["tempo"]), dtype=bool)
        for key in self.pitched:
            tokens = arrays[key]
            note_on = tokens >= FIRST_PITCH_TOKEN
            moved = np.where(note_on, tokens + shift, tokens)
            bad = note_on & (
                (moved < FIRST_PITCH_TOKEN) | (moved > FIRST_PITCH_TOKEN + MAX_PITCH - MIN_PITCH)
            )
            ok &= ~bad.reshape(len(ok), -1).any(axis=1)
            out[key] = moved
        return out, ok

    def parts(self, segment: Pattern) -> Pattern:
        """The segment as the tracks windows are cut from: the lines and drums the model reads."""
        return self._parts(segment)

    def _parts(self, segment: Pattern) -> Pattern:
        """The segment as the tracks windows are cut from (done once per segment, not per window)."""
        return segment

    def _window(self, segment: Pattern, start: int, end: int) -> Pattern | None:
        raise NotImplementedError

    def _encode(self, window: Pattern) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def _decode(self, arrays: dict[str, np.ndarray]) -> list[Track]:
        raise NotImplementedError
