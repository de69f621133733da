# SPDX-License-Identifier: MIT
"""The simple baseline a model must beat: clips whose notes are drawn at random from the training
music's own pitch, rhythm, length and velocity distributions (per part), with no musical structure."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from engine.music.pattern import STEPS_PER_BAR, Note, Pattern, Role, Track


@dataclass(slots=True)
class _PartStats:
    """What one part (role, drum or not) does across the reference clips."""

    present: int = 0
    counts: list[int] = field(default_factory=list)
    pitches: list[int] = field(default_factory=list)
    positions: np.ndarray = field(default_factory=lambda: np.zeros(STEPS_PER_BAR))
    durations: list[int] = field(default_factory=list)
    velocities: list[int] = field(default_factory=list)
    programs: Counter[int] = field(default_factory=Counter)


def _part_stats(reference: Sequence[Pattern]) -> dict[tuple[Role, bool], _PartStats]:
    stats: dict[tuple[Role, bool], _PartStats] = {}
    for pattern in reference:
        for track in pattern.tracks:
            if not track.notes:
                continue
            s = stats.setdefault((track.role, track.is_drum), _PartStats())
            s.present += 1
            s.counts.append(len(track.notes))
            s.programs[track.program] += 1
            for n in track.notes:
                s.pitches.append(n.pitch)
                s.positions[n.start % STEPS_PER_BAR] += 1
                s.durations.append(n.duration)
                s.velocities.append(n.velocity)
    return stats


def _random_track(key: tuple[Role, bool], s: _PartStats, steps: int, rng: np.random.Generator) -> Track:
    role, is_drum = key
    pitches, durations, velocities = np.array(s.pitches), np.array(s.durations), np.array(s.velocities)
    weights = np.resize(s.positions, steps)  # the bar's onset profile repeated over the clip
    weights = weights / weights.sum()
    count = int(rng.choice(s.counts))
    if is_drum:
        starts = rng.choice(steps, size=count, p=weights)
        hits = set(zip(starts.tolist(), rng.choice(pitches, size=count).tolist(), strict=True))
        notes = [
            Note(p, st, st + 1, int(v))
            for (st, p), v in zip(sorted(hits), rng.choice(velocities, len(hits)), strict=True)
        ]
    else:
        count = min(count, int(np.count_nonzero(weights)))
        starts = np.sort(rng.choice(steps, size=count, replace=False, p=weights))
        ends = np.append(starts[1:], steps)  # monophonic: a note ends by the next onset
        ps, ds, vs = rng.choice(pitches, count), rng.choice(durations, count), rng.choice(velocities, count)
        notes = [
            Note(int(p), int(st), int(min(st + d, nxt)), int(v))
            for st, nxt, p, d, v in zip(starts, ends, ps, ds, vs, strict=True)
        ]
    program = s.programs.most_common(1)[0][0]
    return Track(tuple(notes), program=program, is_drum=is_drum, role=role, name=f"baseline {role}")


def baseline_patterns(reference: Sequence[Pattern], n: int, seed: int = 0) -> list[Pattern]:
    """`n` random clips shaped like `reference` (same length, parts, tempo range).

    Each part appears as often as it does in the reference; its note count, onset position within the
    bar, pitch, length and velocity are each drawn independently from the reference's own values.
    """
    if not reference:
        raise ValueError("the baseline needs some reference clips")
    rng = np.random.default_rng(seed)
    steps = Counter(p.steps for p in reference).most_common(1)[0][0]
    stats = _part_stats(reference)
    tempos = [p.tempo for p in reference]
    out = []
    for _ in range(n):
        tracks = [
            _random_track(key, s, steps, rng)
            for key, s in stats.items()
            if rng.random() < s.present / len(reference)
        ]
        out.append(Pattern(tuple(tracks), steps, float(rng.choice(tempos))))
    return out
