# SPDX-License-Identifier: MIT
"""Where the jam goes next, phrase by phrase: a random walk on the blend square pulled toward the
pad's point, and a steady walk round a latent loop (Magenta's "Latent Loops": a closed path through a
model's latent space, so a melody keeps changing and, in time, comes home)."""

from __future__ import annotations

import math

import numpy as np

STEP = 0.35  # square widths a phrase may move at speed 1 (one standard deviation)
PULL = 0.35  # share of the way back to the pad's point each phrase
TURN = math.pi / 4  # radians round the loop per phrase at speed 1: a full turn in 8 phrases


class Wander:
    """A seeded walk: `step(x, y, speed)` gives the next phrase's point (x, y in 0..1) and loop angle.

    speed 0 sits on the pad's point and holds the angle; speed 1 roams and turns fastest.
    """

    def __init__(self, seed: int = 0) -> None:
        self._rng = np.random.default_rng(seed)
        self.x, self.y, self.angle = 0.5, 0.5, 0.0
        self._first = True

    def step(self, x: float, y: float, speed: float) -> tuple[float, float, float]:
        if not 0.0 <= speed <= 1.0:
            raise ValueError(f"speed {speed} outside 0..1")
        if self._first:  # the first phrase starts on the pad's point
            self._first = False
            self.x, self.y = x, y
            return self.x, self.y, self.angle
        dx, dy = self._rng.normal(size=2) * STEP * speed
        self.x = float(np.clip(self.x + PULL * (x - self.x) + dx, 0.0, 1.0))
        self.y = float(np.clip(self.y + PULL * (y - self.y) + dy, 0.0, 1.0))
        if speed == 0:
            self.x, self.y = x, y
        self.angle = (self.angle + TURN * speed) % (2 * math.pi)
        return self.x, self.y, self.angle


def latent_loop(size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two orthogonal directions (Z,) of norm sqrt(size), the typical length of a prior sample, so
    `loop_point` stays where the decoder has learned to write music."""
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=(2, size))
    b = b - a * (a @ b) / (a @ a)
    scale = math.sqrt(size)
    return a / np.linalg.norm(a) * scale, b / np.linalg.norm(b) * scale


def loop_point(loop: tuple[np.ndarray, np.ndarray], angle: float) -> np.ndarray:
    """The code (Z,) at `angle` radians round the loop: a cos(angle) + b sin(angle)."""
    a, b = loop
    return (a * math.cos(angle) + b * math.sin(angle)).astype(np.float32)
