# SPDX-License-Identifier: MIT
"""The band representation (band_1bar, band_4bar, band_16bar): every instrument polyphonic, in any meter.

A window of `bars` bars in one meter holds up to 8 instruments (`models.vocab.BAND_SLOTS`: the drums
merged into one kit, the busiest pitched tracks); each (bar, instrument) is one sequence of compound note
events (models/vocab.py): `[POS p] PITCH k DUR d [VEL b] [MICRO m]`, closed by END. Chords keep every
note (they share one POS), velocity is kept to a 16th of its range and micro-timing to an eighth of a
step; a note is the onset step, pitch, duration in steps (up to 64), velocity bin and offset.

Against Magenta's multi-instrument performance encoding (`hier-multiperf_vel_1bar`: per instrument and
bar NOTE_ON / NOTE_OFF / TIME_SHIFT / VELOCITY events, at most 64, engine/data/multiperf.py) a note costs
2-5 events instead of 2-4 spread over time shifts, a chord's notes share their onset, and the event
count is per bar, not per note-off. `benchmarks/bench_band.py` measures both round trips.

Arrays of one example, uint8 (the 249 event classes fit a byte: a folder's transposed examples take an
eighth of the memory int64 would): `program` (slots,) GM program, 128 drum kit, 129 empty slot; `meter`
() the meter class (models.vocab.BAND_METERS); `events` (bars, slots, L) with L = the spec's
`bar_events`. The model reads them as int64.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Iterator, Sequence

import numpy as np

from engine.data.converter import MEMO, Converter, merged_drums
from engine.midi.roles import gm_named, with_roles
from engine.music.pattern import STEPS_PER_BAR, Meter, Note, Pattern, Role, Track
from models.spec import ModelSpec
from models.vocab import (
    BAND_DUR,
    BAND_END,
    BAND_MAX_BAR_STEPS,
    BAND_MAX_DURATION,
    BAND_METERS,
    BAND_MICRO,
    BAND_PITCH,
    BAND_POS,
    BAND_VEL,
    BAND_VOCAB,
    DRUM_CLASS_OF,
    DRUM_KIT,
    EMPTY_SLOT,
    GM_PROGRAMS,
    MICRO_BINS,
    VELOCITY_BINS,
    bin_velocity,
    meter_class,
    meter_steps,
    velocity_bin,
)

MICRO_SCALE = MICRO_BINS  # micro-timing unit: 1/8 of a 16th step
_HALF_MICRO = MICRO_BINS // 2


def micro_of(offset: float) -> int:
    """A note's offset in steps [-0.5, 0.5) -> its micro-timing bin -4..3 (eighths of a step)."""
    return min(_HALF_MICRO - 1, max(-_HALF_MICRO, int(np.floor(offset * MICRO_SCALE + 0.5))))


def bar_events(notes: Sequence[Note], bar_start: int, limit: int) -> tuple[list[int], int]:
    """One (bar, instrument) sequence: notes (onsets in the bar, sorted by start then pitch) -> event
    tokens (at most `limit`, whole notes only) and how many notes they hold."""
    out: list[int] = []
    pos = vel = None
    kept = 0
    for n in notes:
        p = n.start - bar_start
        toks = [] if p == pos else [BAND_POS + p]
        toks += [BAND_PITCH + n.pitch, BAND_DUR + min(n.end - n.start, BAND_MAX_DURATION) - 1]
        b = velocity_bin(n.velocity)
        if b != vel:
            toks.append(BAND_VEL + b)
        m = micro_of(n.offset)
        if m:
            toks.append(BAND_MICRO + m + _HALF_MICRO)
        if len(out) + len(toks) > limit:
            break
        out += toks
        pos, vel, kept = p, b, kept + 1
    return out, kept


_VELOCITY_OF_BIN = tuple(bin_velocity(b) for b in range(VELOCITY_BINS))  # bin_velocity, looked up


def event_notes(tokens: Sequence[int], bar_start: int, bar_steps: int, window_steps: int) -> list[Note]:
    """Event tokens of one (bar, instrument) back to notes; reading stops at the first END.

    Robust to any token order (a sampled sequence may break the grammar): a PITCH starts a note at the
    current position with duration 1 and the current velocity until its DUR / VEL / MICRO come; events
    without a note are skipped, and onsets past the bar (or the window) are dropped.
    """
    # one pass with the open note in locals (pitch < 0: none); this runs on every event of a decode
    notes: list[Note] = []
    pos, vel = 0, velocity_bin(100)
    pitch = start = dur = b = m = -1
    for t in tokens:
        t = int(t)
        if t == BAND_END:
            break
        if t < BAND_DUR:  # POS or PITCH: the open note is complete
            if pitch >= 0 and start - bar_start < bar_steps and start < window_steps:
                notes.append(
                    Note(pitch, start, min(start + dur, window_steps), _VELOCITY_OF_BIN[b], m / MICRO_SCALE)
                )
            if t < BAND_PITCH:
                pitch, pos = -1, t - BAND_POS
            else:
                pitch, start, dur, b, m = t - BAND_PITCH, bar_start + pos, 1, vel, 0
        elif t < BAND_VEL:
            dur = t - BAND_DUR + 1
        elif t < BAND_MICRO:
            vel = b = t - BAND_VEL
        elif t < BAND_VOCAB:
            m = t - BAND_MICRO - _HALF_MICRO
    if pitch >= 0 and start - bar_start < bar_steps and start < window_steps:
        notes.append(Note(pitch, start, min(start + dur, window_steps), _VELOCITY_OF_BIN[b], m / MICRO_SCALE))
    return notes


def _distinct(notes: Sequence[Note]) -> list[Note]:
    """One note per (start, pitch), the loudest (a doubled note sounds as one)."""
    best: dict[tuple[int, int], Note] = {}
    for n in notes:
        old = best.get((n.start, n.pitch))
        if old is None or n.velocity > old.velocity:
            best[(n.start, n.pitch)] = n
    return sorted(best.values(), key=lambda n: (n.start, n.pitch))


def band_slots(tracks: Sequence[Track], slots: int) -> list[Track]:
    """At most `slots` instruments: the drums merged into one kit, the busiest pitched tracks; in a total
    order of what the events keep (program, then notes), so that decoding and encoding again gives the
    same slots; the kit comes after the pitched tracks."""
    pitched = sorted((t for t in tracks if not t.is_drum and t.notes), key=lambda t: -len(t.notes))
    drums = merged_drums(tracks)
    room = slots - (1 if drums.notes else 0)
    chosen = sorted(pitched[:room], key=lambda t: (t.program, [(n.start, n.pitch) for n in t.notes]))
    return chosen + ([drums] if drums.notes else [])


class BandConverter(Converter):
    """Windows of `spec.window_bars` bars in any band meter (models.vocab.BAND_METERS) ⇄ the band arrays.

    `steps` is the 4/4 window (bars x 16); a window in another meter has bars x its bar steps
    (`window_steps`). Arrays: `program` int64 (slots,), `meter` int64 (), `events` int64 (bars, slots, L).
    """

    def __init__(self, spec: ModelSpec) -> None:
        super().__init__(spec)
        self.slots = spec.segments
        self.events = spec.bar_events

    @property
    def cost_steps(self) -> int:
        """Up to 8 instruments of note events a bar: scored like a one-track window 4x as long."""
        return 4 * self.steps

    def window_steps(self, meter: Meter) -> int:
        """Steps of one window in `meter`; ValueError for a meter the band models do not read."""
        return self.bars * meter_steps(self.meter_class(meter))

    def meter_class(self, meter: Meter) -> int:
        """The meter class of `meter` (ValueError naming the meters a band model reads otherwise)."""
        mc = meter_class(meter.numerator, meter.denominator)
        if mc is None:
            known = ", ".join(f"{n}/{d}" for n, d in BAND_METERS)
            raise ValueError(f"{self.name} reads bars in {known}, not {meter}")
        return mc

    def to_tensors(self, window: Pattern) -> dict[str, np.ndarray]:
        steps = self.window_steps(window.meter)
        if window.steps != steps:
            raise ValueError(
                f"{self.name} needs a window of {steps} steps in {window.meter}, not {window.steps}"
            )
        arrays = self._encode(window)
        arrays["tempo"] = np.asarray(window.tempo, dtype=np.float32)
        return arrays

    def from_tensors(self, arrays: dict[str, np.ndarray], tempo: float = 120.0) -> Pattern:
        bpm = float(arrays["tempo"]) if "tempo" in arrays else tempo
        mc = int(arrays.get("meter", 0))
        meter = Meter(*BAND_METERS[mc])
        steps = self.bars * meter_steps(mc)
        return Pattern(tuple(self._decode(arrays)), steps, min(max(bpm, 1.0), 1000.0), meter)

    def windows(self, segment: Pattern) -> list[Pattern]:
        """Windows of a one-meter segment sliding by one bar; a segment shorter than a window gives one
        window padded with rest, so that a short song or a short run in 7/8 still counts."""
        bar = meter_steps(self.meter_class(segment.meter))
        segment = self._parts(segment)
        bars = -(-segment.steps // bar)
        starts = range(max(bars - self.bars, 0) + 1)
        out = []
        for b in starts:
            window = self._window(segment, b * bar, b * bar + self.bars * bar)
            if window is not None:
                out.append(window)
        return out

    def examples(self, segment: Pattern) -> list[dict[str, np.ndarray]]:
        """`to_tensors` of every window of `windows(segment)`, in the same order (`stacked_examples`,
        one dict per window)."""
        stacked = self.stacked_examples(segment)
        return [{k: v[i, ...] for k, v in stacked.items()} for i in range(len(stacked["tempo"]))]

    def stacked_examples(self, segment: Pattern) -> dict[str, np.ndarray]:
        """`to_tensors` of every window of `windows(segment)` stacked (N, ...), made without the windows:
        each (instrument, bar)'s events are made once for the segment (`_BandPlan`) and all windows take
        their slots' rows in one gather (a 16-bar window would otherwise encode every bar 16 times).
        Same examples, same order (tests check)."""
        bar = meter_steps(self.meter_class(segment.meter))
        parts, plan = self._plan(segment, bar)
        bars = -(-parts.steps // bar)
        starts = [b * bar for b in range(max(bars - self.bars, 0) + 1)]
        placed = plan.windows(starts, self.bars, self.slots)
        if not placed:
            return self.empty_arrays()
        tracks = len(parts.tracks)
        chosen = np.full((len(placed), self.slots), tracks, dtype=np.int64)  # `tracks`: an empty slot
        for w, (_, slots) in enumerate(placed):
            chosen[w, : len(slots)] = slots
        first = np.array([start for start, _ in placed], dtype=np.int64) // bar
        rows = np.zeros((plan.bars + self.bars, tracks + 1, self.events), dtype=np.uint8)
        rows[: plan.bars, :tracks] = plan.rows
        events = rows[
            first[:, None, None] + np.arange(self.bars)[:, None], chosen[:, None, :]
        ]  # (N, bars, slots, L)
        plan.cut(first * bar, chosen, events)
        programs = [DRUM_KIT if t.is_drum else t.program for t in parts.tracks] + [EMPTY_SLOT]
        return {
            "program": np.asarray(programs, dtype=np.uint8)[chosen],
            "meter": np.full(len(placed), self.meter_class(segment.meter), dtype=np.uint8),
            "events": events,
            "tempo": np.array([parts.tempo_at(start) for start, _ in placed], dtype=np.float32),
        }

    def kept_notes(self, segment: Pattern) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The notes of a 4/4 `segment` that its training windows (`placed_windows`) give back after a
        round trip through the arrays: (pitch, or drum class for drums (-1 outside the classes), onset
        step, drum) as int64 arrays, one row per kept note, repeats possible. The same notes as encoding
        and decoding each window (engine.data.coverage; a test checks): a note comes back when its
        instrument takes a slot in a window holding its bar and its bar's events have room for it."""
        bar = meter_steps(self.meter_class(segment.meter))
        parts, plan = self._plan(segment, bar)
        starts = [b * STEPS_PER_BAR for b in range(segment.bars - self.bars + 1)]
        used = np.zeros((len(parts.tracks), plan.bars + self.bars), dtype=bool)
        for start, slots in plan.windows(starts, self.bars, self.slots):
            used[slots, start // bar : start // bar + self.bars] = True
        keys, steps, drums = [], [], []
        for k, track in enumerate(parts.tracks):
            notes = plan.tracks[k]
            if notes is None:
                continue
            mask = notes.kept & used[k, notes.bar]
            pitch = notes.pitch[mask]
            keys.append(_CLASS_OF[pitch] if track.is_drum else pitch)
            steps.append(notes.start[mask])
            drums.append(np.full(len(pitch), track.is_drum, dtype=bool))
        if not keys:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0, dtype=bool)
        return np.concatenate(keys), np.concatenate(steps), np.concatenate(drums)

    def _plan(self, segment: Pattern, bar: int) -> tuple[Pattern, _BandPlan]:
        """`_parts(segment)` and its `_BandPlan`, kept (engine.data.converter.MEMO) and shared by the band
        configs (the plan does not depend on the window length): prepare asks for the same segment's
        plan six times (3 configs, examples and coverage)."""

        def make() -> tuple[Pattern, _BandPlan]:
            parts = self._parts(segment)
            return parts, _BandPlan(parts, bar, self.events)

        plan: tuple[Pattern, _BandPlan] = MEMO.get(segment, ("band", bar, self.events), make)
        return plan

    def _parts(self, segment: Pattern) -> Pattern:
        drums = merged_drums(segment.tracks)
        pitched = [t for t in segment.tracks if not t.is_drum]
        return segment.with_tracks(pitched + ([drums] if drums.notes else []))

    def _window(self, segment: Pattern, start: int, end: int) -> Pattern | None:
        window = segment.slice(start, end)
        if window.steps != end - start or window.meter != segment.meter:
            window = dataclasses.replace(window, steps=end - start, meter=segment.meter, meter_map=())
        tracks = tuple(t for t in window.tracks if t.notes)
        return dataclasses.replace(window, tracks=tracks, source=None) if tracks else None

    def encode_counts(self, window: Pattern) -> tuple[dict[str, np.ndarray], int, int]:
        """`to_tensors` of `window` plus the distinct notes it holds and how many of them the arrays keep."""
        arrays = self.to_tensors(window)
        total = sum(len(_distinct(t.notes)) for t in window.tracks if not t.is_drum)
        total += len(_distinct(merged_drums(window.tracks).notes))
        return arrays, total, self._kept

    def _encode(self, window: Pattern) -> dict[str, np.ndarray]:
        arrays, self._kept = self.encode_slots(band_slots(window.tracks, self.slots), window.meter)
        return arrays

    def encode_slots(self, tracks: Sequence[Track], meter: Meter) -> tuple[dict[str, np.ndarray], int]:
        """The arrays (uint8, as `_encode` gives them, no tempo) of a window whose instruments are `tracks`
        in slot order (at most `slots`; a drum track is the kit, notes at window steps, onsets past the
        window's bars dropped) and how many notes the events keep. Infilling (engine/generation/infill.py)
        chooses the slots itself. ValueError for more tracks than slots or a meter the models do not read."""
        if len(tracks) > self.slots:
            raise ValueError(f"{self.name} holds {self.slots} instruments, not {len(tracks)}")
        mc = self.meter_class(meter)
        bar = meter_steps(mc)
        program = np.full(self.slots, EMPTY_SLOT, dtype=np.uint8)
        events = np.zeros((self.bars, self.slots, self.events), dtype=np.uint8)
        kept = 0
        for slot, track in enumerate(tracks):
            program[slot] = DRUM_KIT if track.is_drum else track.program
            notes = _distinct(track.notes)
            by_bar: list[list[Note]] = [[] for _ in range(self.bars)]
            for n in notes:
                b = n.start // bar
                if 0 <= b < self.bars:
                    by_bar[b].append(n)
            for b, bar_notes in enumerate(by_bar):
                toks, count = bar_events(bar_notes, b * bar, self.events)
                events[b, slot, : len(toks)] = toks
                kept += count
        return {"program": program, "meter": np.asarray(mc, dtype=np.uint8), "events": events}, kept

    def _decode(self, arrays: dict[str, np.ndarray]) -> list[Track]:
        mc = int(arrays.get("meter", 0))
        bar = meter_steps(mc)
        steps = self.bars * bar
        events = np.asarray(arrays["events"])  # (bars, slots, L)
        tracks = []
        for slot, program in enumerate(np.asarray(arrays["program"]).tolist()):
            if program == EMPTY_SLOT or not 0 <= program <= DRUM_KIT:
                continue
            rows = events[:, slot].tolist()  # Python ints, the played slots' only: the loop reads them
            notes: list[Note] = []
            for b in range(self.bars):
                notes += event_notes(rows[b], b * bar, bar, steps)
            if program == DRUM_KIT:
                tracks.append(Track(tuple(notes), 0, True, Role.DRUMS, "drums"))
            elif program < GM_PROGRAMS:
                tracks.append(Track(tuple(notes), program, False, Role.OTHER, ""))
        return gm_named(with_roles(tracks))  # roles from the notes alone, then the GM names

    def transpose(
        self, arrays: dict[str, np.ndarray], shift: int
    ) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Pitched slots' PITCH events moved by `shift`; the mask drops examples leaving MIDI 0..127."""
        events = arrays["events"]  # (N, bars, slots, L) uint8
        pitched_slot = (arrays["program"] < DRUM_KIT)[:, None, :, None]  # (N, 1, slots, 1)
        pitch = pitched_slot & (events >= BAND_PITCH) & (events < BAND_DUR)
        moved = np.where(pitch, events.astype(np.int16) + shift, events)
        bad = pitch & ((moved < BAND_PITCH) | (moved >= BAND_DUR))
        moved = np.where(bad, events, moved).astype(events.dtype)  # the dropped examples stay in range
        return {**arrays, "events": moved}, np.asarray(~bad.reshape(len(events), -1).any(axis=1))


_ATTR = {a: operator.attrgetter(a) for a in ("start", "pitch", "end", "velocity", "offset")}
_CLASS_OF = np.array([DRUM_CLASS_OF.get(p, -1) for p in range(128)], dtype=np.int64)


@dataclasses.dataclass(frozen=True, slots=True)
class _TrackEvents:
    """One instrument's distinct notes (`_distinct`: the loudest per (onset, pitch), by onset then pitch)
    over a whole segment, as int64 arrays (N,): `start`, `pitch`, `end` (steps, not clipped to a window),
    `bar` (start // bar steps), `kept` (the bar's events have room for it; the kept notes of a bar are a
    prefix of its notes), `dur_at` (where its DUR token sits in the bar's row of events); `crossing` the
    indices of the kept notes that outlast their bar (only they can be cut by a window's end); and
    `all_start`, `all_keys` (start, and start * 128 + pitch as big-endian uint64, of every note,
    distinct or not, in the track's order: the windows' note counts and the slots' tie-break)."""

    start: np.ndarray
    pitch: np.ndarray
    end: np.ndarray
    bar: np.ndarray
    kept: np.ndarray
    dur_at: np.ndarray
    crossing: np.ndarray
    all_start: np.ndarray
    all_keys: np.ndarray


class _BandPlan:
    """A segment's band events made once: `rows` uint8 (bars, tracks, L), each (instrument, bar)'s events
    as `bar_events` gives them for a window that reaches past the notes' ends; a window takes its slots'
    rows and shortens the DUR of the notes it cuts (`events`). The slot choice is `band_slots`'s
    (`windows`). Vectorised (NumPy) per track: a note's tokens depend only on the note before it in its
    bar (POS and VEL are left out when they repeat), and a bar keeps whole notes while they fit."""

    def __init__(self, parts: Pattern, bar: int, limit: int) -> None:
        self.parts, self.bar, self.limit = parts, bar, limit
        self.bars = -(-parts.steps // bar)
        self.steps = parts.steps
        self.rows = np.zeros((self.bars, len(parts.tracks), limit), dtype=np.uint8)
        self.tracks: list[_TrackEvents | None] = [self._track(k, t) for k, t in enumerate(parts.tracks)]
        # notes (all of them, as len(track.notes) counts them) per track starting before each bar
        counts = np.zeros((len(parts.tracks), self.bars + 1), dtype=np.int64)
        for k, notes in enumerate(self.tracks):
            if notes is not None:
                per_bar = np.bincount(notes.all_start // bar, minlength=self.bars)[: self.bars]
                counts[k, 1:] = np.cumsum(per_bar)
        self.counts = counts
        self._placed: dict[tuple[tuple[int, ...], int, int], list[tuple[int, list[int]]]] = {}

    def _track(self, k: int, track: Track) -> _TrackEvents | None:
        if not track.notes:
            return None
        notes, n = track.notes, len(track.notes)
        start, pitch, end, velocity = (
            np.fromiter(map(_ATTR[a], notes), dtype=np.int64, count=n)
            for a in ("start", "pitch", "end", "velocity")
        )
        offset = np.fromiter(map(_ATTR["offset"], notes), dtype=np.float64, count=n)
        all_start, all_keys = start, (start * 128 + pitch).astype(">u8")  # see _notes_key
        # _distinct: per (start, pitch) (consecutive: notes are sorted by start, pitch, end) the loudest,
        # the first of equals
        group = np.cumsum(np.concatenate(([True], all_keys[1:] != all_keys[:-1]))) - 1
        order = np.lexsort((np.arange(len(group)), -velocity, group))
        pick = order[np.concatenate(([True], group[order][1:] != group[order][:-1]))]
        start, pitch, end, velocity, offset = (
            start[pick],
            pitch[pick],
            end[pick],
            velocity[pick],
            offset[pick],
        )
        bar = start // self.bar
        first = np.concatenate(([True], bar[1:] != bar[:-1]))  # the first note of its bar
        vbin = np.minimum(VELOCITY_BINS - 1, np.maximum(0, (velocity - 1) * VELOCITY_BINS // 127))
        micro = np.minimum(_HALF_MICRO - 1, np.maximum(-_HALF_MICRO, np.floor(offset * MICRO_SCALE + 0.5)))
        micro = micro.astype(np.int64)
        has_pos = first | (start != np.concatenate(([-1], start[:-1])))
        has_vel = first | (vbin != np.concatenate(([-1], vbin[:-1])))
        has_micro = micro != 0
        count = has_pos.astype(np.int64) + 2 + has_vel + has_micro
        total = np.cumsum(count)
        before_bar = (total - count)[first]  # tokens of earlier bars
        total -= np.repeat(before_bar, np.diff(np.concatenate((np.flatnonzero(first), [len(first)]))))
        kept = total <= self.limit
        at = (total - count)[kept]
        row = self.rows[:, k]  # (bars, L), a view
        b, hp, hv, hm = bar[kept], has_pos[kept], has_vel[kept], has_micro[kept]
        row[b[hp], at[hp]] = BAND_POS + (start[kept] - b * self.bar)[hp]
        at = at + hp
        row[b, at] = BAND_PITCH + pitch[kept]
        dur_at = np.full(len(start), -1, dtype=np.int64)
        dur_at[kept] = at + 1
        row[b, at + 1] = BAND_DUR + np.minimum(end[kept] - start[kept], BAND_MAX_DURATION) - 1
        at = at + 2
        row[b[hv], at[hv]] = BAND_VEL + vbin[kept][hv]
        at = at + hv
        row[b[hm], at[hm]] = BAND_MICRO + micro[kept][hm] + _HALF_MICRO
        crossing = np.flatnonzero(kept & (end > (bar + 1) * self.bar))
        return _TrackEvents(start, pitch, end, bar, kept, dur_at, crossing, all_start, all_keys)

    def windows(self, starts: Sequence[int], bars: int, slots: int) -> list[tuple[int, list[int]]]:
        """(start, slot tracks) of each window of `bars` bars from `starts` (steps, multiples of a bar)
        that holds a note: `band_slots` of its tracks, as indices into the parts' tracks. Kept: the
        examples and the coverage ask for the same windows. Read-only."""
        key = (tuple(starts), bars, slots)
        if key not in self._placed:
            self._placed[key] = list(self._windows(starts, bars, slots))
        return self._placed[key]

    def _windows(self, starts: Sequence[int], bars: int, slots: int) -> Iterator[tuple[int, list[int]]]:
        tracks = self.parts.tracks
        drum = next((k for k, t in enumerate(tracks) if t.is_drum and t.notes), None)
        pitched_tracks = [k for k, t in enumerate(tracks) if not t.is_drum and t.notes]
        first = np.asarray(starts, dtype=np.int64) // self.bar
        lo, hi = np.minimum(first, self.bars), np.minimum(first + bars, self.bars)
        notes_in = (self.counts[:, hi] - self.counts[:, lo]).T.tolist()  # (windows, tracks)
        program = [t.program for t in tracks]
        distinct = len({program[k] for k in pitched_tracks}) == len(pitched_tracks)
        spans: dict[int, list[tuple[int, int]]] = {}  # per track: each window's notes, as (lo, hi)
        for w, (start, here) in enumerate(zip(starts, notes_in, strict=True)):
            kit = [drum] if drum is not None and here[drum] > 0 else []
            # the busiest first (ties in track order: sorted is stable, also in reverse)
            pitched = sorted([k for k in pitched_tracks if here[k]], key=here.__getitem__, reverse=True)
            if not pitched and not kit:
                continue
            chosen = pitched[: slots - len(kit)]
            if distinct or len({program[k] for k in chosen}) == len(chosen):
                chosen.sort(key=program.__getitem__)
            else:  # a tie: the notes decide, as band_slots's key (program, [(start, pitch), ...]) does
                for k in chosen:
                    if k not in spans:
                        spans[k] = self._spans(k, np.asarray(starts, dtype=np.int64), bars * self.bar)
                chosen.sort(key=lambda k: (program[k], self._notes_key(k, *spans[k][w])))
            yield start, chosen + kit

    def _spans(self, k: int, starts: np.ndarray, steps: int) -> list[tuple[int, int]]:
        """Per window [start, start + steps) of `starts` (steps, int64): the slice (lo, hi) of track k's
        notes (`all_start`, `all_keys`) that start in it."""
        notes = self.tracks[k]
        assert notes is not None
        lo = np.searchsorted(notes.all_start, starts).tolist()
        return list(zip(lo, np.searchsorted(notes.all_start, starts + steps).tolist(), strict=True))

    def _notes_key(self, k: int, lo: int, hi: int) -> bytes:
        """Track k's notes lo:hi (`_spans`: those in a window) as bytes that sort as the list
        [(start, pitch), ...] does: each note's start * 128 + pitch, big-endian, 8 bytes (a shorter
        prefix sorts first in both)."""
        notes = self.tracks[k]
        assert notes is not None
        return notes.all_keys[lo:hi].tobytes()

    def cut(self, starts: np.ndarray, chosen: np.ndarray, events: np.ndarray) -> None:
        """Shorten, in the events uint8 (N, bars, slots, L) of windows from `starts` int64 (N,) whose slots
        hold the tracks `chosen` int64 (N, slots) (their rows), the DUR of each note a window cuts short
        (`Pattern.slice` clips the notes to the window). Only notes that outlast their bar can outlast a
        window: per track, every (window, such note) pair at once."""
        ends = starts + events.shape[1] * self.bar
        whole = (starts == 0) & (ends == self.steps)  # the whole segment: Pattern.slice gives it unchanged
        for k, notes in enumerate(self.tracks):
            if notes is None or not len(notes.crossing):
                continue
            windows, slot = np.nonzero((chosen == k) & ~whole[:, None])
            at = notes.crossing
            on, off = notes.start[at], notes.end[at]
            for lo in range(0, len(windows), 256):  # a bounded (windows, notes) table at a time
                w, sl = windows[lo : lo + 256], slot[lo : lo + 256]
                s, e = starts[w][:, None], ends[w][:, None]
                pair, note = np.nonzero((on >= s) & (on < e) & (off > e) & (e - on < BAND_MAX_DURATION))
                if len(pair):
                    ww, n = w[pair], at[note]
                    bar = notes.bar[n] - starts[ww] // self.bar
                    events[ww, bar, sl[pair], notes.dur_at[n]] = BAND_DUR + ends[ww] - notes.start[n] - 1


assert BAND_MAX_BAR_STEPS >= max(meter_steps(i) for i in range(len(BAND_METERS)))
