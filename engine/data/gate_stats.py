# SPDX-License-Identifier: MIT
"""What each part of a clip does, as the sample-quality check measures it, and the same measures over a
body of training windows (the model card's `GateStats`).

`clip_parts(clip)` gives one `PartView` per part (tracks of one role together); `longest_silence(clip)`
the longest stretch in which nothing sounds; `gate_stats(windows)` summarises decoded training windows;
`examples_gate_stats(examples)` decodes a config's example arrays first (on the model's grid: monophonic
lines, drum classes), so the music is measured exactly as the model sees it.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.data.converter import longest_gap
from engine.data.examples import Examples
from engine.music.pattern import STEPS_PER_BAR, Note, Pattern
from models.card import GateStats, PartStats

MAX_WINDOWS = 4096  # windows measured (a seeded pick of them beyond this): 1-5 s of decoding on a CPU
_start_of, _end_of, _pitch_of = (operator.attrgetter(f) for f in ("start", "end", "pitch"))
DENSITY_PERCENTILE = 99.0  # a clip denser than 99% of the music's windows is not in its style


@dataclass(frozen=True, slots=True)
class PartView:
    """One part of one clip: its role, note count, most onsets in one bar, longest note (16ths) and
    pitch range (None for drums or an empty part)."""

    part: str
    notes: int
    densest_bar: int
    longest_note: int
    lowest: int | None
    highest: int | None
    densest_at: int = 0  # the bar (0-based) with the most onsets


def clip_parts(clip: Pattern) -> dict[str, PartView]:
    """The clip's parts by role ("lead", "bass", "drums", "other"); tracks of one role count together."""
    grouped: dict[str, list[Note]] = {}  # part -> its notes, track after track
    drums: set[str] = set()
    for t in clip.tracks:
        name = "drums" if t.is_drum else t.role.value
        grouped.setdefault(name, []).extend(t.notes)
        if t.is_drum:
            drums.add(name)
    bars = max(clip.bars, 1)
    out = {}
    for name, notes in grouped.items():
        if not notes:
            out[name] = PartView(name, 0, 0, 0, None, None)
            continue
        start, end, pitch = _columns(notes)  # a clip's notes at once: this runs on every generated clip
        per_bar = np.bincount(np.minimum(start // STEPS_PER_BAR, bars - 1), minlength=bars)
        pitched = name not in drums
        out[name] = PartView(
            part=name,
            notes=len(notes),
            densest_bar=int(per_bar.max()),
            longest_note=int((end - start).max()),
            lowest=int(pitch.min()) if pitched else None,
            highest=int(pitch.max()) if pitched else None,
            densest_at=int(per_bar.argmax()),
        )
    return out


def _columns(notes: Sequence[Note]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The notes' starts, ends and pitches, each int64 (N,)."""
    count = len(notes)
    return (
        np.fromiter(map(_start_of, notes), dtype=np.int64, count=count),
        np.fromiter(map(_end_of, notes), dtype=np.int64, count=count),
        np.fromiter(map(_pitch_of, notes), dtype=np.int64, count=count),
    )


def longest_silence(clip: Pattern) -> int:
    """The longest run of 16th steps in which no note of any part sounds (a drum hit sounds one step)."""
    spans = []
    for t in clip.tracks:
        if t.notes:
            start, end, _ = _columns(t.notes)
            spans.append(np.stack([start, start + 1 if t.is_drum else end], axis=1))
    return longest_gap(np.concatenate(spans) if spans else [], clip.steps)


def gate_stats(windows: Sequence[Pattern]) -> GateStats | None:
    """The `GateStats` of decoded training windows; None for none."""
    if not windows:
        return None
    views = [clip_parts(w) for w in windows]
    names = sorted({name for v in views for name, p in v.items() if p.notes})
    parts = []
    for name in names:
        present = [v[name] for v in views if name in v and v[name].notes]
        lows = [p.lowest for p in present if p.lowest is not None]
        highs = [p.highest for p in present if p.highest is not None]
        densest = np.percentile([p.densest_bar for p in present], DENSITY_PERCENTILE)
        parts.append(
            PartStats(
                part=name,
                presence=round(len(present) / len(views), 4),
                densest_bar=round(float(densest), 2),
                longest_note=max(p.longest_note for p in present),
                lowest=min(lows) if lows else None,
                highest=max(highs) if highs else None,
            )
        )
    silence = max(longest_silence(w) for w in windows)
    return GateStats(windows=len(windows), longest_silence=silence, parts=tuple(parts))


def decoded_windows(examples: Examples, limit: int = MAX_WINDOWS, seed: int = 0) -> list[Pattern]:
    """Up to `limit` of the examples decoded back into clips through their config's converter (a seeded
    pick when there are more)."""
    from engine.data.converters import CONVERTERS

    conv = CONVERTERS[examples.config]
    n = len(examples)
    index = np.arange(n) if n <= limit else np.sort(np.random.default_rng(seed).permutation(n)[:limit])
    keys = [k for k in examples.arrays if k != "tempo"]
    return [conv.from_tensors({k: examples.arrays[k][i] for k in keys}) for i in index]


def examples_gate_stats(examples: Examples, seed: int = 0) -> GateStats | None:
    """`gate_stats` of (up to MAX_WINDOWS of) a config's untransposed example windows."""
    return gate_stats(decoded_windows(examples, MAX_WINDOWS, seed))
