# SPDX-License-Identifier: MIT
"""The simple baseline a model must beat: clips of independent random notes drawn from the music's own
per-part distributions, with no musical structure and nothing copied from any one clip.

Each part plays in a clip as often as it does in the music. Every 16th step starts a note with the
probability the music starts one at that position of the bar (drums: per drum class), so a clip's note
count comes out of the draws. The earlier baseline copied each part's note count from a random real
clip, which matched the music's density features by construction and beat every model on them; a
baseline of real bars shuffled across files would copy whole bars, and a 1-bar model's reference clips
are bars: it would be the answer itself.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from engine.evaluation.parts import part_of
from engine.music.pattern import STEPS_PER_BAR, Note, Pattern, Role, Track
from models.vocab import DRUM_CLASS_OF, DRUM_CLASSES, DRUM_PITCHES

KIND = "independent random notes at the music's per-part rates (note counts not copied)"
ROLE = {"melody": Role.LEAD, "bass": Role.BASS, "drums": Role.DRUMS}


@dataclass(slots=True)
class _PartStats:
    """What one part does across the reference clips: in how many it plays, and over their bars the
    onsets per bar position (drums: per class and position), pitches, lengths, velocities, programs."""

    present: int = 0
    bars: int = 0
    onsets: np.ndarray = field(default_factory=lambda: np.zeros((DRUM_CLASSES, STEPS_PER_BAR)))
    pitches: list[int] = field(default_factory=list)
    durations: list[int] = field(default_factory=list)
    velocities: list[int] = field(default_factory=list)
    programs: Counter[int] = field(default_factory=Counter)


def _part_stats(reference: Sequence[Pattern]) -> dict[str, _PartStats]:
    stats: dict[str, _PartStats] = {}
    for pattern in reference:
        seen: set[str] = set()
        for track in pattern.tracks:
            if not track.notes:
                continue
            part = part_of(track)
            s = stats.setdefault(part, _PartStats())
            if part not in seen:  # a part's tracks together (a multitrack clip's melodies)
                seen.add(part)
                s.present += 1
                s.bars += pattern.bars
            s.programs[track.program] += 1
            for n in track.notes:
                row = DRUM_CLASS_OF.get(n.pitch, 0) if track.is_drum else 0
                s.onsets[row, n.start % STEPS_PER_BAR] += 1
                s.pitches.append(n.pitch)
                s.durations.append(n.duration)
                s.velocities.append(n.velocity)
    return stats


def _random_track(part: str, s: _PartStats, steps: int, rng: np.random.Generator) -> Track:
    rate = np.minimum(s.onsets / max(s.bars, 1), 1.0)  # (9, 16): onsets per bar at each position
    positions = np.arange(steps) % STEPS_PER_BAR
    velocities = np.array(s.velocities)
    if part == "drums":
        hit = rng.random((DRUM_CLASSES, steps)) < rate[:, positions]  # (9, steps)
        classes, starts = np.nonzero(hit)
        notes = [
            Note(DRUM_PITCHES[k][0], int(st), int(st) + 1, int(v))
            for k, st, v in zip(classes, starts, rng.choice(velocities, len(starts)), strict=True)
        ]
        notes.sort(key=lambda n: (n.start, n.pitch))
    else:
        starts = np.flatnonzero(rng.random(steps) < rate[0, positions])
        ends = np.append(starts[1:], steps)  # monophonic: a note ends by the next onset
        count = len(starts)
        ps, ds = rng.choice(np.array(s.pitches), count), rng.choice(np.array(s.durations), count)
        notes = [
            Note(int(p), int(st), int(min(st + d, nxt)), int(v))
            for st, nxt, p, d, v in zip(starts, ends, ps, ds, rng.choice(velocities, count), strict=True)
        ]
    program = s.programs.most_common(1)[0][0]
    return Track(
        tuple(notes), program=program, is_drum=part == "drums", role=ROLE[part], name=f"baseline {part}"
    )


def baseline_patterns(reference: Sequence[Pattern], n: int, seed: int = 0) -> list[Pattern]:
    """`n` random clips shaped like `reference` (same length, parts, tempo range); see the module."""
    if not reference:
        raise ValueError("the baseline needs some reference clips")
    rng = np.random.default_rng(seed)
    steps = Counter(p.steps for p in reference).most_common(1)[0][0]
    stats = _part_stats(reference)
    tempos = [p.tempo for p in reference]
    out = []
    for _ in range(n):
        tracks = [
            _random_track(part, s, steps, rng)
            for part, s in sorted(stats.items())
            if rng.random() < s.present / len(reference)
        ]
        out.append(Pattern(tuple(tracks), steps, float(rng.choice(tempos))))
    return out
