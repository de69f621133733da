# SPDX-License-Identifier: MIT
"""Chaining short clips into one longer piece: a smooth latent path and pattern concatenation.

A 1- or 2-bar model writes a longer piece by decoding several latent points that lie close together on a
spherical path through a few random anchors, then playing the decoded clips in a row.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from engine.music.pattern import STEPS_PER_BAR, Pattern

ANCHOR_EVERY = 4  # clips between two random anchor points: more = slower change along the piece


def segments_needed(bars: int, model_steps: int, bar_steps: int = STEPS_PER_BAR) -> int:
    """How many model-length clips (`model_steps` each) cover `bars` bars of `bar_steps` steps."""
    if bars <= 0:
        raise ValueError(f"--bars must be at least 1, got {bars}")
    return math.ceil(bars * bar_steps / model_steps)


def smooth_path(n: int, z_dim: int, generator: torch.Generator, every: int = ANCHOR_EVERY) -> torch.Tensor:
    """(n, Z) latent points along a slerp path through random prior anchors, `every` points per anchor.

    Neighbouring points are close, so consecutive decoded clips sound related; the anchors are drawn
    from the prior N(0, I), so the path stays where the decoder has learned to write music.
    """
    from models.latent import slerp

    if n <= 0:
        raise ValueError(f"a path needs at least one point, got {n}")
    anchors = torch.randn(max(2, math.ceil((n - 1) / every) + 1), z_dim, generator=generator)  # (A, Z)
    points = []
    for i in range(n):
        seg = min(i // every, anchors.shape[0] - 2)
        t = (i - seg * every) / every
        points.append(torch.as_tensor(slerp(anchors[seg], anchors[seg + 1], t)).reshape(z_dim))
    return torch.stack(points)  # (n, Z)


def chain(patterns: Sequence[Pattern], bars: int) -> Pattern:
    """The patterns in a row, cut to exactly `bars` bars of the first one's meter."""
    joined = Pattern.join(patterns)
    steps = round(bars * patterns[0].meter.bar_steps)
    return joined if joined.steps == steps else joined.slice(0, steps)


def loop_to(pattern: Pattern, steps: int) -> Pattern:
    """The pattern repeated (or cut) to exactly `steps` steps."""
    out = pattern
    while out.steps < steps:
        out = out.concat(pattern)
    return out if out.steps == steps else out.slice(0, steps)
