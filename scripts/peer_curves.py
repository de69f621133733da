# SPDX-License-Identifier: MIT
"""The arithmetic of the peer benchmark's time to a good model (scripts/peer_magenta.sh,
benchmarks/bench_peer.py): the target accuracy, when each curve first reaches it, and the ratio.

A curve is a sequence of (seconds, accuracy) points: wall seconds since the run's first command, and the
held-out guided accuracy (0..1) of the model as it was then. The target is the peer's best accuracy
within its time budget (what it reaches in 30 minutes, or its best when it plateaus earlier); the peer's
time is when it first got there, ours the first point at or above it. Plain Python, no project imports.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

Curve = Sequence[tuple[float, float]]  # (wall seconds since the start, held-out accuracy 0..1)


def best_within(curve: Curve, horizon: float) -> tuple[float, float]:
    """(accuracy, seconds) of the best point of `curve` at or before `horizon` seconds; of equal bests, the
    earliest. Raises ValueError when no point is that early."""
    early = [(s, a) for s, a in curve if s <= horizon]
    if not early:
        raise ValueError(f"no held-out check within {horizon:.0f} s")
    best = max(a for _, a in early)
    return best, min(s for s, a in early if a == best)


def time_to_reach(curve: Curve, target: float) -> float | None:
    """Seconds of the earliest point of `curve` whose accuracy is at least `target`; None if none is."""
    hits = [s for s, a in curve if a >= target]
    return min(hits) if hits else None


def compare(peer: Curve, ours: Curve, horizon: float) -> dict[str, Any]:
    """The comparison as plain data: `target_accuracy` (the peer's best within `horizon` seconds),
    `magenta_seconds` (when the peer first reached it), `ours_seconds` (when `ours` first did; None if
    never), `ratio` (peer seconds / our seconds; None if we never did), and how far `ours` got:
    `ours_best` (its best accuracy) and `ours_last_seconds` (its last point). Raises ValueError when the
    peer has no point within `horizon`."""
    target, t_peer = best_within(peer, horizon)
    t_ours = time_to_reach(ours, target)
    return {
        "target_accuracy": target,
        "magenta_seconds": t_peer,
        "ours_seconds": t_ours,
        "ratio": None if t_ours is None else t_peer / max(t_ours, 1e-9),
        "ours_best": max((a for _, a in ours), default=float("nan")),
        "ours_last_seconds": max((s for s, _ in ours), default=float("nan")),
    }
