# SPDX-License-Identifier: MIT
"""The jam's live controls, applied to each note as it falls due: which parts play, how loud (energy)
and how busy (density). Cheap enough for the stream's thread, so a move is heard from the next note."""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.live.stream import LiveNote

PARTS = ("drums", "bass", "lead", "answer")


@dataclass(frozen=True, slots=True)
class Mix:
    """Live controls.

    Attributes:
        energy: 0..1; velocities are scaled by 0.5 + energy (0.5 plays them as written).
        density: 0..1; notes whose weight is at most this play (1: all; 0: only bar downbeats).
        parts: the parts that play (see PARTS).
    """

    energy: float = 0.5
    density: float = 1.0
    parts: frozenset[str] = field(default_factory=lambda: frozenset(PARTS))

    def __post_init__(self) -> None:
        if not 0.0 <= self.energy <= 1.0:
            raise ValueError(f"energy {self.energy} outside 0..1")
        if not 0.0 <= self.density <= 1.0:
            raise ValueError(f"density {self.density} outside 0..1")
        unknown = set(self.parts) - set(PARTS)
        if unknown:
            raise ValueError(f"unknown parts {sorted(unknown)}; use {', '.join(PARTS)}")
        object.__setattr__(self, "parts", frozenset(self.parts))

    def admit(self, note: LiveNote) -> int | None:
        """The velocity (1..127) to play `note` at, or None to leave it out."""
        if note.part not in self.parts or note.weight > self.density:
            return None
        return max(1, min(127, round(note.velocity * (0.5 + self.energy))))


def metric_weight(step: int, jitter: float) -> float:
    """A note's weight for the density control: strong beats low, offbeats high (Lerdahl & Jackendoff's
    metrical grid on 16ths: bar 0, half bar 0.15, beat 0.3, 8th 0.5, 16th 0.7), plus `jitter` x 0.3.

    `jitter` in 0..1 spreads notes of one level, so density thins them gradually; returns 0..1.
    """
    if step % 16 == 0:
        return 0.0
    level = 0.15 if step % 8 == 0 else 0.3 if step % 4 == 0 else 0.5 if step % 2 == 0 else 0.7
    return min(1.0, level + 0.3 * jitter)
