# SPDX-License-Identifier: MIT
"""The spread a model's velocity/timing head leaves out, put back.

drums_2bar's head predicts each hit's velocity and micro-timing with a squared-error loss, so it predicts
their mean: played as it is, every snare of a groove comes out at the same average loudness and the
spread is about half the drummer's (0.72x for velocity and 0.42x for timing with the bundled model on
Groove validation beats). multitrack_1bar's velocity head does the same to every instrument. The report
card measures the standard deviation of the head's error on held-out music (`SpreadSums`: per drum class
for drums_2bar, one figure for multitrack_1bar); generation adds Gaussian noise of that size to each note
(`add_spread`), so the output varies as much as the real playing does around what the model expects.

Temperature applies as it does to the notes: sampling p(x)^(1/T) from a Gaussian multiplies its variance
by T, so the noise is scaled by sqrt(T); temperature 0 gives the head's mean.
"""

from __future__ import annotations

import numpy as np

from models.report import GrooveSpread
from models.vocab import DRUM_CLASSES

MIN_HITS = 20  # a class with fewer held-out hits takes the spread of all classes together
MAX_OFFSET = 0.499  # offsets stay inside (-0.5, 0.5) 16ths


class SpreadSums:
    """Running per-class sums of the head's errors (true - predicted) on held-out notes.

    `classes` is 9 (drum classes, drums_2bar) or 1 (multitrack_1bar); `keys` the predicted quantities.
    """

    def __init__(self, classes: int = DRUM_CLASSES, keys: tuple[str, ...] = ("velocity", "offset")) -> None:
        self.classes, self.keys = classes, keys
        self.n = np.zeros(classes)
        self.sums = {k: np.zeros(classes) for k in keys}
        self.squares = {k: np.zeros(classes) for k in keys}

    def add(self, notes: np.ndarray, errors: dict[str, np.ndarray]) -> None:
        """notes (..., classes) bool; errors[key] (..., classes) true minus predicted, velocity in MIDI
        units, offset in 16ths."""
        self.n += notes.reshape(-1, self.classes).sum(0)
        for key in self.keys:
            e = np.where(notes, errors[key], 0.0).reshape(-1, self.classes)
            self.sums[key] += e.sum(0)
            self.squares[key] += (e**2).sum(0)

    def result(self) -> GrooveSpread | None:
        """The spread per class (a class with too few notes takes the pooled one), or None without
        enough notes."""
        total = self.n.sum()
        if total < MIN_HITS:
            return None
        out: dict[str, tuple[float, ...]] = {}
        for key in self.keys:
            pooled = _std(self.sums[key].sum(), self.squares[key].sum(), total)
            per = [
                _std(s, q, n) if n >= MIN_HITS else pooled
                for s, q, n in zip(self.sums[key], self.squares[key], self.n, strict=True)
            ]
            out[key] = tuple(round(float(v), 4) for v in per)
        return GrooveSpread(tuple(int(h) for h in self.n), out["velocity"], out.get("offset"))


def _std(total: float, squares: float, n: float) -> float:
    mean = total / n
    return float(np.sqrt(max(squares / n - mean * mean, 0.0)))


def add_spread(
    arrays: dict[str, np.ndarray], spread: GrooveSpread, temperature: float, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Decoded arrays with each note's velocity (and offset) moved by N(0, spread * sqrt(T)).

    drums_2bar arrays carry hits/velocity/offset (B, T, 9) and a spread per drum class; multitrack_1bar
    arrays carry velocity (B, 8, 16), nonzero at onsets, and one spread.
    Returns new arrays; notes and tokens are untouched, velocity stays in [1/127, 1] and offset in
    (-0.5, 0.5).
    """
    if temperature <= 0.0 or "velocity" not in arrays:
        return arrays
    scale = float(np.sqrt(temperature))
    notes = arrays["hits"] > 0.5 if "hits" in arrays else arrays["velocity"] > 0.0
    out = dict(arrays)
    for key, low, high in (("velocity", 1.0 / 127.0, 1.0), ("offset", -0.5, MAX_OFFSET)):
        values = spread.velocity if key == "velocity" else spread.offset
        if key not in arrays or values is None:
            continue
        sd = np.asarray(values, dtype=np.float32) * scale  # (classes,): broadcasts on the last axis
        if key == "velocity":
            sd = sd / 127.0
        if sd.size == 1:
            sd = sd.reshape(())
        moved = arrays[key] + rng.standard_normal(notes.shape).astype(np.float32) * sd
        # np.minimum/np.maximum, not np.clip: the same values at a third of the call cost (numpy 2)
        out[key] = np.where(notes, np.minimum(np.maximum(moved, low), high), 0.0).astype(np.float32)
    return out


def scale_velocity_spread(arrays: dict[str, np.ndarray], temperature: float) -> dict[str, np.ndarray]:
    """Decoded multi-instrument arrays with each note's velocity moved toward its instrument's mean in
    the clip: v' = m + T (v - m), m the mean velocity of the instrument's notes in the clip. T = 0 gives
    every instrument one velocity per clip (music whose tracks each keep one loudness, as much MIDI made
    in a notation program or a tracker does), 1 leaves them as they are, above 1 widens the spread.

    arrays["velocity"] (B, slots, steps) in 0..1, nonzero at onsets (multitrack_1bar). Returns new
    arrays (the others shared); velocity stays in [1/127, 1] at onsets and 0 elsewhere.
    """
    if temperature == 1.0 or "velocity" not in arrays:
        return arrays
    v = arrays["velocity"]
    notes = v > 0.0
    count = notes.sum(axis=-1, keepdims=True)  # (B, slots, 1)
    mean = np.where(notes, v, 0.0).sum(axis=-1, keepdims=True) / np.maximum(count, 1)
    moved = mean + np.float32(temperature) * (v - mean)
    out = dict(arrays)
    out["velocity"] = np.where(notes, np.minimum(np.maximum(moved, 1.0 / 127.0), 1.0), 0.0).astype(np.float32)
    return out
