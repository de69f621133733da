# SPDX-License-Identifier: MIT
"""The spread a drum model's groove head leaves out, put back.

drums_2bar's head predicts each hit's velocity and micro-timing with a squared-error loss, so it predicts
their mean: played as it is, every snare of a groove comes out at the same average loudness and the
spread is about half the drummer's (0.72x for velocity and 0.42x for timing with the bundled model on
Groove validation beats). The report card measures, per drum class, the standard deviation of the head's
error on held-out music (`residual_spread`); generation adds Gaussian noise of that size to each hit
(`add_spread`), so the output varies as much as the real playing does around what the model expects.

Temperature applies as it does to the notes: sampling p(x)^(1/T) from a Gaussian multiplies its variance
by T, so the noise is scaled by sqrt(T); temperature 0 gives the head's mean.
"""

from __future__ import annotations

from typing import Any

import numpy as np

DRUM_CLASSES = 9
MIN_HITS = 20  # a class with fewer held-out hits takes the spread of all classes together
MAX_OFFSET = 0.499  # offsets stay inside (-0.5, 0.5) 16ths


class SpreadSums:
    """Running per-class sums of the head's errors (true - predicted) on held-out hits."""

    def __init__(self) -> None:
        self.n = np.zeros(DRUM_CLASSES)
        self.sums = {k: np.zeros(DRUM_CLASSES) for k in ("velocity", "offset")}
        self.squares = {k: np.zeros(DRUM_CLASSES) for k in ("velocity", "offset")}

    def add(self, hits: np.ndarray, errors: dict[str, np.ndarray]) -> None:
        """hits (..., 9) bool; errors[key] (..., 9) true minus predicted, velocity in MIDI units."""
        self.n += hits.reshape(-1, DRUM_CLASSES).sum(0)
        for key, err in errors.items():
            e = np.where(hits, err, 0.0).reshape(-1, DRUM_CLASSES)
            self.sums[key] += e.sum(0)
            self.squares[key] += (e**2).sum(0)

    def result(self) -> dict[str, Any] | None:
        """{"velocity": [9] MIDI units, "offset": [9] 16ths, "hits": [9]} or None without enough hits."""
        total = self.n.sum()
        if total < MIN_HITS:
            return None
        out: dict[str, Any] = {"hits": [int(h) for h in self.n]}
        for key in ("velocity", "offset"):
            pooled = _std(self.sums[key].sum(), self.squares[key].sum(), total)
            per = [
                _std(s, q, n) if n >= MIN_HITS else pooled
                for s, q, n in zip(self.sums[key], self.squares[key], self.n, strict=True)
            ]
            out[key] = [round(float(v), 4) for v in per]
        return out


def _std(total: float, squares: float, n: float) -> float:
    mean = total / n
    return float(np.sqrt(max(squares / n - mean * mean, 0.0)))


def add_spread(
    arrays: dict[str, np.ndarray], spread: dict[str, Any], temperature: float, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """drums_2bar arrays (B, T, 9) with each hit's velocity and offset moved by N(0, spread * sqrt(T)).

    `spread` is `SpreadSums.result()` (velocity in MIDI units, offset in 16ths). Returns new arrays;
    the hits and tokens are untouched, velocity stays in [1/127, 1] and offset in (-0.5, 0.5).
    """
    if temperature <= 0.0 or "velocity" not in arrays or "offset" not in arrays:
        return arrays
    scale = float(np.sqrt(temperature))
    hits = arrays["hits"] > 0.5
    vel_sd = np.asarray(spread["velocity"], dtype=np.float32) / 127.0 * scale  # (9,)
    off_sd = np.asarray(spread["offset"], dtype=np.float32) * scale  # (9,)
    velocity = arrays["velocity"] + rng.standard_normal(hits.shape).astype(np.float32) * vel_sd
    offset = arrays["offset"] + rng.standard_normal(hits.shape).astype(np.float32) * off_sd
    return {
        **arrays,
        "velocity": np.where(hits, np.clip(velocity, 1.0 / 127.0, 1.0), 0.0).astype(np.float32),
        "offset": np.where(hits, np.clip(offset, -0.5, MAX_OFFSET), 0.0).astype(np.float32),
    }
