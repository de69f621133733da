# SPDX-License-Identifier: MIT
"""Per-config Pattern ⇄ tensor converters (`CONVERTERS`), Magenta's MusicVAE representations.

Each converter turns a window of exactly `steps` 16th steps into a dict of numpy arrays (the data contract
in CONTRIBUTING.md), turns such arrays back into a Pattern, and cuts a 4/4 segment into training windows.
One converter object per spec of models/spec.py; `spec.converter` names its class in `KINDS`, so a config
of another length that reads like an existing one (a 4-bar melody) needs no new class.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping, Sequence
from types import MappingProxyType

import numpy as np

from engine.data.band import BandConverter
from engine.data.codec import (
    decode_line,
    drum_grid,
    drum_notes,
    drum_tokens,
    encode_line,
    fit_pitch,
    monophonic,
)
from engine.data.converter import (
    BASS_PROGRAM,
    CONVERTER_VERSION,
    GAP_BARS,
    MAX_GAP_STEPS,
    MEMO,
    Converter,
    bar_coverage,
    longest_gap,
    longest_gaps,
    merged_drums,
    pitched_line,
    slice_track,
    window_lines,
    window_starts,
)
from engine.midi.roles import BASS_PROGRAMS, NOT_LEAD, gm_named, with_roles
from engine.music.pattern import STEPS_PER_BAR, Note, Pattern, Role, Track
from models.spec import SPECS
from models.vocab import (
    DRUM_CLASS_OF,
    DRUM_KIT,
    EMPTY_SLOT,
    FIRST_PITCH_TOKEN,
    GM_PROGRAMS,
    MELODY_VOCAB,
    MIN_PITCH,
    NO_EVENT,
    NOTE_OFF,
)

__all__ = ["CONVERTERS", "Converter", "CONVERTER_VERSION", "MAX_GAP_STEPS"]

MAX_TRIO_COMBINATIONS = 16  # (melody, bass) pairs of one segment a trio reads; see trio_parts


class MelodyConverter(Converter):
    """One monophonic line (mel_2bar); every pitched track's top line gives examples (as Magenta does).

    Arrays: `melody` int64 (steps,).
    """

    def placed_windows(self, segment: Pattern) -> list[tuple[int, Pattern]]:
        out = []
        for track in segment.tracks:
            if track.is_drum or not track.notes:
                continue
            line = dataclasses.replace(track, notes=tuple(monophonic(track.notes)), role=Role.LEAD)
            out += super().placed_windows(Pattern((line,), segment.steps, segment.tempo))
        return out

    def examples(self, segment: Pattern) -> list[dict[str, np.ndarray]]:
        """`to_tensors` of every window, computed per line: each line is encoded once and its tokens are
        sliced (what encoding a window alone gives: `window_line`), the gap test runs on all windows at
        once. Same examples, same order as `windows`."""
        out: list[dict[str, np.ndarray]] = []
        tempo = np.array(segment.tempo, dtype=np.float32)  # shape ()
        for line, starts in self.line_windows(segment):
            if len(starts):
                total = max(segment.steps, int(starts[-1]) + self.steps)
                for melody in window_lines(encode_line(line, total), starts, self.steps):
                    out.append({"melody": melody, "tempo": tempo})
        return out

    def line_windows(self, segment: Pattern) -> list[tuple[list[Note], np.ndarray]]:
        """Each pitched track's top line (`monophonic`) and the first steps (int64, increasing) of its
        usable windows (notes in it, no whole bar of silence), the gap test on all windows at once. Kept
        for the coverage (engine.data.converter.MEMO): read-only."""
        lines: list[tuple[list[Note], np.ndarray]] = MEMO.get(
            segment, ("melody", self.name), lambda: self._line_windows(segment)
        )
        return lines

    def _line_windows(self, segment: Pattern) -> list[tuple[list[Note], np.ndarray]]:
        out: list[tuple[list[Note], np.ndarray]] = []
        starts = window_starts(segment.bars, self.bars)
        if not len(starts):
            return out
        total = max(segment.steps, int(starts[-1]) + self.steps)
        offsets = np.arange(self.steps)
        for track in segment.tracks:
            if track.is_drum or not track.notes:
                continue
            line = monophonic(track.notes)
            onsets = np.array([n.start for n in line], dtype=np.int64)
            owner = np.full(total, -1, dtype=np.int64)  # the line's note sounding at each step (one at most)
            for i, n in enumerate(line):
                owner[n.start : n.end] = i
            lo = np.searchsorted(onsets, starts)
            hi = np.searchsorted(onsets, starts + self.steps)
            covered = owner[starts[:, None] + offsets] >= lo[:, None]  # by the window's own notes
            keep = (hi > lo) & (longest_gaps(covered) < MAX_GAP_STEPS)
            out.append((line, starts[keep]))
        return out

    def _window(self, segment: Pattern, start: int, end: int) -> Pattern | None:
        track = slice_track(segment.tracks[0], start, end)
        if (
            not track.notes
            or longest_gap([(n.start, n.end) for n in track.notes], self.steps) >= MAX_GAP_STEPS
        ):
            return None
        return Pattern((track,), self.steps, segment.tempo)

    def _encode(self, window: Pattern) -> dict[str, np.ndarray]:
        line = pitched_line(window, Role.LEAD, bass_as_lead=True)
        return {"melody": encode_line(line.notes if line else [], self.steps)}

    def _decode(self, arrays: dict[str, np.ndarray]) -> list[Track]:
        return [Track(tuple(decode_line(arrays["melody"])), 0, False, Role.LEAD, "melody")]


class DrumsConverter(Converter):
    """Drums (drums_2bar): 9-class hits as 512 tokens, with GrooVAE's velocity and micro-timing per hit.

    Arrays: `drums` int64 (steps,); `hits`, `velocity`, `offset` f32 (steps, 9).
    """

    def _parts(self, segment: Pattern) -> Pattern:
        return segment.with_tracks([merged_drums(segment.tracks)])

    def examples(self, segment: Pattern) -> list[dict[str, np.ndarray]]:
        """`to_tensors` of every window, from one grid of the whole segment sliced per window (a step's
        loudest hit per class is the same in both); same examples, same order as `windows`."""
        starts, hits, velocity, offset = self._grid_windows(segment)
        tokens = drum_tokens(hits)
        tempo, out = np.array(segment.tempo, dtype=np.float32), []  # tempo: shape ()
        for start in starts.tolist():
            end = start + self.steps
            out.append({
                "drums": tokens[start:end], "hits": hits[start:end], "velocity": velocity[start:end],
                "offset": offset[start:end], "tempo": tempo,
            })  # fmt: skip
        return out

    def grid_windows(self, segment: Pattern) -> tuple[np.ndarray, np.ndarray]:
        """The first steps (int64, increasing) of the usable windows and the segment's drum hits f32
        (steps, 9) (`drum_grid`, padded to the last window's end)."""
        starts, hits, _, _ = self._grid_windows(segment)
        return starts, hits

    def _grid_windows(self, segment: Pattern) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(window starts, hits, velocity, offset), kept for the coverage (engine.data.converter.MEMO):
        read-only."""
        grid: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] = MEMO.get(
            segment, ("drums", self.name), lambda: self._make_grid_windows(segment)
        )
        return grid

    def _make_grid_windows(self, segment: Pattern) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        starts = window_starts(segment.bars, self.bars)
        total = max(segment.steps, int(starts[-1]) + self.steps) if len(starts) else segment.steps
        hits, velocity, offset = drum_grid(self._parts(segment).tracks[0].notes, total)
        if not len(starts):
            return starts, hits, velocity, offset
        covered = (drum_tokens(hits) > 0)[starts[:, None] + np.arange(self.steps)]
        keep = covered.any(axis=1) & (longest_gaps(covered) < MAX_GAP_STEPS)
        return starts[keep], hits, velocity, offset

    def _window(self, segment: Pattern, start: int, end: int) -> Pattern | None:
        drums = slice_track(segment.tracks[0], start, end)
        hits = [(n.start, n.start + 1) for n in drums.notes if n.pitch in DRUM_CLASS_OF]
        if not hits or longest_gap(hits, self.steps) >= MAX_GAP_STEPS:
            return None
        return Pattern((drums,), self.steps, segment.tempo)

    def _encode(self, window: Pattern) -> dict[str, np.ndarray]:
        hits, velocity, offset = drum_grid(merged_drums(window.tracks).notes, self.steps)
        return {"drums": drum_tokens(hits), "hits": hits, "velocity": velocity, "offset": offset}

    def _decode(self, arrays: dict[str, np.ndarray]) -> list[Track]:
        notes = drum_notes(arrays["drums"], arrays.get("velocity"), arrays.get("offset"))
        return [Track(tuple(notes), 0, True, Role.DRUMS, "drums")]


class TrioConverter(Converter):
    """Lead top line, bass lowest line and drums (trio_16bar), as Magenta's TrioConverter cuts them.

    A window is kept only when all three parts cover every bar, a part covering a bar when it sounds
    within `GAP_BARS` bars of it (so it may rest up to 2 x GAP_BARS bars inside a window), and every
    melodic track of a song takes its turn as the melody against the bass and drums (Magenta takes the
    cross product of its melody, bass and drum instruments, data.py `TrioConverter._to_tensors_fn`).
    Windows with a silent part taught the model that a trio often has no melody: 31% of the sample band
    songs' windows did, and greedy decoding of a model trained on them never played a melody note.

    Arrays: `melody`, `bass`, `drums` int64 (steps,).
    """

    def placed_windows(self, segment: Pattern) -> list[tuple[int, Pattern]]:
        out = []
        for parts in trio_parts(segment):
            for start in self.complete_starts(parts, segment.bars):
                end = start + self.steps
                tracks = tuple(slice_track(t, start, end) for t in parts)
                out.append((start, Pattern(tracks, self.steps, segment.tempo)))
        return out

    def complete_starts(self, parts: tuple[Track, Track, Track], bars: int) -> list[int]:
        """First steps of the windows in which every part covers every bar (within GAP_BARS)."""
        return self._complete([bar_coverage(t, bars, GAP_BARS) for t in parts])

    def _complete(self, coverages: list[np.ndarray]) -> list[int]:
        """`complete_starts` from the parts' `bar_coverage`s."""
        covered = np.all(coverages, axis=0)  # (bars,)
        runs = np.convolve(covered.astype(np.int64), np.ones(self.bars, dtype=np.int64), mode="valid")
        return [int(b) * STEPS_PER_BAR for b in np.flatnonzero(runs == self.bars)]

    def _encode(self, window: Pattern) -> dict[str, np.ndarray]:
        lead, bass = pitched_line(window, Role.LEAD), pitched_line(window, Role.BASS, top=False)
        hits, _, _ = drum_grid(merged_drums(window.tracks).notes, self.steps)
        return {
            "melody": encode_line(lead.notes if lead else [], self.steps),
            "bass": encode_line(bass.notes if bass else [], self.steps),
            "drums": drum_tokens(hits),
        }

    def examples(self, segment: Pattern) -> list[dict[str, np.ndarray]]:
        """`to_tensors` of every window (`stacked_examples`, one dict per window)."""
        stacked = self.stacked_examples(segment)
        return [{k: v[i, ...] for k, v in stacked.items()} for i in range(len(stacked["tempo"]))]

    def stacked_examples(self, segment: Pattern) -> dict[str, np.ndarray]:
        """`to_tensors` of every window stacked (N, ...): each melody/bass/drums combination's lines are
        encoded once and all its windows cut at once (`window_lines`; 16-bar windows overlap 16 times).
        Same examples, same order (tests check)."""
        parts: dict[str, list[np.ndarray]] = {"melody": [], "bass": [], "drums": []}
        for starts, lead, bass, drums in self.encoded_combinations(segment):
            first = np.asarray(starts, dtype=np.int64)
            parts["melody"].append(window_lines(lead, first, self.steps))
            parts["bass"].append(window_lines(bass, first, self.steps))
            parts["drums"].append(drums[first[:, None] + np.arange(self.steps)])
        if not parts["melody"]:
            return self.empty_arrays()
        out = {k: np.concatenate(v) for k, v in parts.items()}
        return {**out, "tempo": np.full(len(out["melody"]), segment.tempo, dtype=np.float32)}

    def encoded_combinations(
        self, segment: Pattern
    ) -> list[tuple[list[int], np.ndarray, np.ndarray, np.ndarray]]:
        """Per melody/bass/drums combination (`trio_parts`) with complete windows: their first steps and
        the whole segment's melody, bass and drum tokens, int64 (steps,) each. Kept for the coverage
        (engine.data.converter.MEMO); read-only."""

        def make() -> list[tuple[list[int], np.ndarray, np.ndarray, np.ndarray]]:
            # the combinations share their lines (the same notes tuples) and drums: each is read once
            covered: dict[int, np.ndarray] = {}
            tokens: dict[int, np.ndarray] = {}
            out: list[tuple[list[int], np.ndarray, np.ndarray, np.ndarray]] = []
            for parts in trio_parts(segment):
                for t in parts:
                    if id(t.notes) not in covered:
                        covered[id(t.notes)] = bar_coverage(t, segment.bars, GAP_BARS)
                starts = self._complete([covered[id(t.notes)] for t in parts])
                if not starts:
                    continue
                for t in parts[:2]:
                    if id(t.notes) not in tokens:
                        tokens[id(t.notes)] = encode_line(t.notes, segment.steps)
                drums = parts[2]
                if id(drums.notes) not in tokens:
                    tokens[id(drums.notes)] = drum_tokens(drum_grid(drums.notes, segment.steps)[0])
                lead, bass, kit = (tokens[id(t.notes)] for t in parts)
                out.append((starts, lead, bass, kit))
            return out

        combos: list[tuple[list[int], np.ndarray, np.ndarray, np.ndarray]] = MEMO.get(
            segment, ("trio", self.name), make
        )
        return combos

    def _decode(self, arrays: dict[str, np.ndarray]) -> list[Track]:
        return [
            Track(tuple(decode_line(arrays["melody"])), 0, False, Role.LEAD, "melody"),
            Track(tuple(decode_line(arrays["bass"])), BASS_PROGRAM, False, Role.BASS, "bass"),
            Track(tuple(drum_notes(arrays["drums"])), 0, True, Role.DRUMS, "drums"),
        ]


def trio_parts(segment: Pattern) -> list[tuple[Track, Track, Track]]:
    """Every (melody, bass, drums) combination of a segment's tracks, each reduced to one line: the
    melody candidates are its pitched tracks other than the bass lines (pads and sound effects only when
    nothing else plays), the bass lines its BASS track and any track with a bass program; the drums are
    merged. Empty when a part is missing. At most MAX_TRIO_COMBINATIONS, in track order: a file of
    hundreds of parts would otherwise give tens of thousands of combinations (minutes and gigabytes of
    examples, each a near copy of the others)."""
    drums = merged_drums(segment.tracks)
    pitched = [t for t in segment.tracks if not t.is_drum and t.notes]
    basses = [t for t in pitched if t.role == Role.BASS or t.program in BASS_PROGRAMS]
    upper = [t for t in pitched if not any(t is b for b in basses)]
    leads = [t for t in upper if t.program not in NOT_LEAD] or upper
    if not drums.notes:
        return []
    pairs = list(itertools.islice(itertools.product(leads, basses), MAX_TRIO_COMBINATIONS))
    lines = {id(t): tuple(monophonic(t.notes)) for t, _ in pairs}
    lows = {id(t): tuple(monophonic(t.notes, top=False)) for _, t in pairs}
    return [
        (
            dataclasses.replace(lead, notes=lines[id(lead)], role=Role.LEAD),
            dataclasses.replace(bass, notes=lows[id(bass)], role=Role.BASS),
            drums,
        )
        for lead, bass in pairs
    ]


class MultitrackConverter(Converter):
    """Up to `spec.segments` instruments (multitrack_1bar: 8): GM program, top line or drum classes, onset
    velocity.

    Arrays: `program` int64 (slots,); `tokens` int64 and `velocity` f32 (slots, steps).
    """

    def _parts(self, segment: Pattern) -> Pattern:
        drums = merged_drums(segment.tracks)
        pitched = [t for t in segment.tracks if not t.is_drum]
        return segment.with_tracks(pitched + ([drums] if drums.notes else []))

    def examples(self, segment: Pattern) -> list[dict[str, np.ndarray]]:
        """`to_tensors` of every window (`stacked_examples`, one dict per window)."""
        stacked = self.stacked_examples(segment)
        return [{k: v[i, ...] for k, v in stacked.items()} for i in range(len(stacked["tempo"]))]

    def stacked_examples(self, segment: Pattern) -> dict[str, np.ndarray]:
        """`to_tensors` of every window stacked (N, ...), without building its Pattern: the drum grid is
        made once for the segment and sliced, pitched notes are windowed, reduced to a line and encoded as
        plain tuples (`_line`, `_line_tokens`: what `monophonic` and `encode_line` give). Same examples,
        same order."""
        _, stacked = self.placed_examples(segment)
        return {k: v.copy() for k, v in stacked.items()}  # the kept arrays stay as they are

    def placed_examples(self, segment: Pattern) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """The first steps int64 (N,) of the windows `stacked_examples` gives, and those arrays; kept for
        the coverage (engine.data.converter.MEMO): read-only."""
        placed: tuple[np.ndarray, dict[str, np.ndarray]] = MEMO.get(
            segment, ("multitrack", self.name), lambda: self._placed_examples(segment)
        )
        return placed

    def _placed_examples(self, segment: Pattern) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        parts = self._parts(segment)
        starts = window_starts(parts.bars, self.bars)
        if not len(starts):
            return starts, self.empty_arrays()
        steps, slots = self.steps, self.spec.segments
        total = max(parts.steps, int(starts[-1]) + steps)
        ranges: list[tuple[list[int], list[int]]] = []
        notes: list[list[_Tuple]] = []
        drum_tokens_full = drum_velocity = np.zeros((0,), dtype=np.int64)
        for track in parts.tracks:
            onsets = np.array([n.start for n in track.notes], dtype=np.int64)
            ranges.append(
                (np.searchsorted(onsets, starts).tolist(), np.searchsorted(onsets, starts + steps).tolist())
            )
            notes.append([(n.pitch, n.start, n.end, n.velocity) for n in track.notes])
            if track.is_drum:
                hits, vel, _ = drum_grid(track.notes, total)
                drum_tokens_full, drum_velocity = MELODY_VOCAB + drum_tokens(hits), vel.max(1)
        used: list[int] = []  # the windows with notes
        programs = np.full((len(starts), slots), EMPTY_SLOT, dtype=np.int64)  # rows are the windows' arrays
        all_tokens = np.zeros((len(starts), slots, steps), dtype=np.int64)
        velocities = np.zeros((len(starts), slots, steps), dtype=np.float32)
        for w, start in enumerate(starts.tolist()):
            end = start + steps
            here = [k for k, (lo, hi) in enumerate(ranges) if hi[w] > lo[w]]
            if not here:
                continue
            used.append(w)
            drums = any(parts.tracks[k].is_drum for k in here)  # then drum_tokens_full was made
            pitched = sorted(
                (k for k in here if not parts.tracks[k].is_drum),
                key=lambda k: ranges[k][0][w] - ranges[k][1][w],
            )
            lines = []
            for k in pitched[: slots - (1 if drums else 0)]:
                window = [
                    (p, s - start, min(e, end) - start, v)
                    for p, s, e, v in notes[k][ranges[k][0][w] : ranges[k][1][w]]
                ]
                lines.append((parts.tracks[k].program, _line(window)))
            lines.sort(key=lambda pl: (pl[0], [(-p, s, -e) for p, s, e, _ in pl[1]]))
            program, tokens, velocity = programs[w], all_tokens[w], velocities[w]
            for slot, (prog, line) in enumerate(lines):
                program[slot], tokens[slot] = prog, _line_tokens(line, steps)
                for _, s, _, v in line:
                    velocity[slot, s] = v / 127.0
            if drums:
                slot = len(lines)
                program[slot], tokens[slot] = DRUM_KIT, drum_tokens_full[start:end]
                velocity[slot] = drum_velocity[start:end]
        arrays: dict[str, np.ndarray] = {"program": programs[used], "tokens": all_tokens[used]}
        arrays["velocity"] = velocities[used]
        return starts[used], {**arrays, "tempo": np.full(len(used), parts.tempo, dtype=np.float32)}

    def _window(self, segment: Pattern, start: int, end: int) -> Pattern | None:
        tracks = [slice_track(t, start, end) for t in segment.tracks]
        tracks = [t for t in tracks if t.notes]
        return Pattern(tuple(tracks), self.steps, segment.tempo) if tracks else None

    def _encode(self, window: Pattern) -> dict[str, np.ndarray]:
        slots = self.spec.segments
        program = np.full(slots, EMPTY_SLOT, dtype=np.int64)
        tokens = np.zeros((slots, self.steps), dtype=np.int64)
        velocity = np.zeros((slots, self.steps), dtype=np.float32)
        for slot, track in enumerate(_slot_tracks(window.tracks, slots)):
            if track.is_drum:
                hits, vel, _ = drum_grid(track.notes, self.steps)
                program[slot], tokens[slot], velocity[slot] = (
                    DRUM_KIT,
                    MELODY_VOCAB + drum_tokens(hits),
                    vel.max(1),
                )
            else:
                program[slot], tokens[slot] = track.program, encode_line(track.notes, self.steps)
                for n in track.notes:
                    velocity[slot, n.start] = n.velocity / 127.0
        return {"program": program, "tokens": tokens, "velocity": velocity}

    def _decode(self, arrays: dict[str, np.ndarray]) -> list[Track]:
        tracks = []
        for program, tokens, velocity in zip(
            arrays["program"], arrays["tokens"], arrays["velocity"], strict=True
        ):
            program = int(program)
            if program == DRUM_KIT:
                notes = drum_notes(np.where(tokens >= MELODY_VOCAB, tokens - MELODY_VOCAB, 0), velocity)
                tracks.append(Track(tuple(notes), 0, True, Role.DRUMS, "drums"))
            elif 0 <= program < GM_PROGRAMS:
                notes = decode_line(np.where(tokens < MELODY_VOCAB, tokens, 0), velocity)
                tracks.append(Track(tuple(notes), program, False, Role.OTHER, ""))
        return gm_named(with_roles(tracks))  # roles from the notes alone, then the GM names

    def transpose(
        self, arrays: dict[str, np.ndarray], shift: int
    ) -> tuple[dict[str, np.ndarray], np.ndarray]:
        tokens, pitched_slot = arrays["tokens"], (arrays["program"] < DRUM_KIT)[..., None]
        note_on = pitched_slot & (tokens >= FIRST_PITCH_TOKEN) & (tokens < MELODY_VOCAB)
        moved = np.where(note_on, tokens + shift, tokens)
        bad = note_on & ((moved < FIRST_PITCH_TOKEN) | (moved >= MELODY_VOCAB))
        ok = np.asarray(~bad.reshape(len(tokens), -1).any(axis=1))
        return {**arrays, "tokens": moved}, ok


_Tuple = tuple[int, int, int, int]  # pitch, start, end, velocity


def _line(notes: list[_Tuple]) -> list[_Tuple]:
    """`monophonic(notes, top=True)` on (pitch, start, end, velocity) tuples in (start, pitch, end) order."""
    by_step: dict[int, _Tuple] = {}
    for n in notes:
        best = by_step.get(n[1])
        if best is None or n[0] > best[0]:
            by_step[n[1]] = n
    line: list[_Tuple] = []
    for step in sorted(by_step):
        n = by_step[step]
        if line and line[-1][2] > step:
            cur = line[-1]
            if cur[0] > n[0]:
                continue
            line[-1] = (cur[0], cur[1], step, cur[3])
        line.append(n)
    return line


def _line_tokens(line: list[_Tuple], steps: int) -> list[int]:
    """`encode_line` of a `_line`."""
    tokens = [NO_EVENT] * steps
    for i, (pitch, start, end, _) in enumerate(line):
        if 0 <= start < steps:
            tokens[start] = FIRST_PITCH_TOKEN + fit_pitch(pitch) - MIN_PITCH
            following = line[i + 1][1] if i + 1 < len(line) else steps
            if end < min(following, steps):
                tokens[end] = NOTE_OFF
    return tokens


def _slot_tracks(tracks: Sequence[Track], slots: int) -> list[Track]:
    """At most `slots` instruments: drums merged into one, the busiest pitched tracks, sorted by program."""
    pitched = sorted((t for t in tracks if not t.is_drum and t.notes), key=lambda t: -len(t.notes))
    drums = merged_drums(tracks)
    room = slots - (1 if drums.notes else 0)
    lines = [t.with_notes(monophonic(t.notes)) for t in pitched[:room]]
    # a total order on what the tokens keep, so that decoding and encoding again gives the same slots
    chosen = sorted(lines, key=lambda t: (t.program, [(-n.pitch, n.start, -n.end) for n in t.notes]))
    return chosen + ([drums] if drums.notes else [])


KINDS: dict[str, type[Converter]] = {
    "melody": MelodyConverter,
    "drums": DrumsConverter,
    "trio": TrioConverter,
    "multitrack": MultitrackConverter,
    "band": BandConverter,
}
CONVERTERS: Mapping[str, Converter] = MappingProxyType(
    {name: KINDS[s.converter](s) for name, s in SPECS.items()}
)
