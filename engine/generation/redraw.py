# SPDX-License-Identifier: MIT
"""Redrawing: draw clips until the asked number pass a check (the sample-quality gate, the copy check),
within a bounded number of draws, and say what was set aside and why.

`keep_passing(draw, n, seed, check)` calls `draw(count, seed)` in rounds: the first with the caller's
seed (so clips that pass keep their place and their notes), later ones with seeds derived from it, so
the same seed gives the same clips. `redraw_note` says what was set aside in one line for the musician.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from engine.generation.gate import Defect
from engine.music.pattern import Pattern

MAX_DRAWS_PER_CLIP = 4  # at most 4x the asked number of clips are drawn; then what passed is given
ROUND_SEED_STEP = 104_729  # round r draws with seed + r * this (mod 2**31): distinct from the first draw


@dataclass(frozen=True, slots=True)
class Kept:
    """What a redrawing call ends with: the passing clips (at most the asked number, in draw order, the
    first round's in their places), the first defect of each clip set aside, and the clips drawn."""

    clips: tuple[Pattern, ...]
    rejected: tuple[Defect, ...]
    drawn: int


def round_seed(seed: int, round_: int) -> int:
    return (seed + round_ * ROUND_SEED_STEP) % 2**31


def keep_passing(
    draw: Callable[[int, int], Sequence[Pattern]],
    n: int,
    seed: int,
    check: Callable[[Pattern], Sequence[Defect]],
    max_draws: int | None = None,
) -> Kept:
    """Up to `n` clips that pass `check` (no defects), drawing at most `max_draws` (default
    MAX_DRAWS_PER_CLIP * n). Later rounds draw as many as the pass rate so far says are needed."""
    budget = MAX_DRAWS_PER_CLIP * n if max_draws is None else max_draws
    first: list[Pattern | None] = []  # the first round's clips in their places (None: set aside)
    extra: list[Pattern] = []  # passing clips of later rounds, to fill those places
    rejected: list[Defect] = []
    drawn = passes = round_ = 0
    while drawn < budget:
        missing = n - sum(c is not None for c in first) - len(extra)
        if missing <= 0:
            break
        rate = passes / drawn if drawn else 1.0
        count = budget - drawn if rate == 0 else min(budget - drawn, math.ceil(missing / rate))
        for clip in draw(count, round_seed(seed, round_)):
            defects = check(clip)
            passes += not defects
            if defects:
                rejected.append(defects[0])
            if round_ == 0:
                first.append(None if defects else clip)
            elif not defects and len(extra) < missing:
                extra.append(clip)
        drawn += count
        round_ += 1
    fill = iter(extra)
    clips = [c if c is not None else next(fill, None) for c in first]
    return Kept(tuple(c for c in clips if c is not None), tuple(rejected), drawn)


def redraw_note(asked: int, given: int, drawn: int, rejected: Sequence[Defect]) -> str | None:
    """One line for the musician on what the checks set aside, or None when every drawn clip passed.

    "3 clips failed the checks and were redrawn (8 asked, 11 drawn in all): no melody (2), bass out of
    range (1)", or, when the draws ran
    out, "only 5 of 8 clips passed the quality check in 32 draws; 27 set aside: ...".
    """
    if not rejected:
        return None
    counts = Counter(d.label for d in rejected)
    why = ", ".join(f"{label} ({k})" for label, k in counts.most_common())
    if given >= asked:
        k = len(rejected)
        were = "clips failed the checks and were" if k > 1 else "clip failed the checks and was"
        return f"{k} {were} redrawn ({asked} asked, {drawn} drawn in all): {why}"
    return (
        f"only {given} of {asked} clips passed the checks in {drawn} draws; {len(rejected)} set aside: "
        f"{why}. Another temperature may pass more (the report card lists each one's share)"
    )
