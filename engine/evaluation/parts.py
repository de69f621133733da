# SPDX-License-Identifier: MIT
"""What each part (melody, bass, drums) of a set of clips does: how often it plays, how densely, in which
pitch range, and how many of its notes or clips fall outside what the real music does.

A set's mean style overlap pools its parts, so a trio that never plays a melody can still score well;
these statistics, side by side for the music and for the samples, show a missing or runaway part.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from engine.music.pattern import STEPS_PER_BAR, Note, Pattern, Role, Track
from models.report import PartStats

PARTS = ("melody", "bass", "drums")
LOW, HIGH = 1.0, 99.0  # percentiles of the music's pitches and densities that bound "in range"


def part_of(track: Track) -> str:
    """ "drums" for a drum track, "bass" for the BASS role, else "melody" (a lead or any other pitched
    line: a multitrack clip's extra instruments play with the melody)."""
    if track.is_drum or track.role == Role.DRUMS:
        return "drums"
    return "bass" if track.role == Role.BASS else "melody"


def part_notes(clip: Pattern, part: str) -> list[Note]:
    """The notes of `clip`'s tracks that play `part`."""
    return [n for t in clip.tracks if part_of(t) == part for n in t.notes]


@dataclass(frozen=True, slots=True)
class Bounds:
    """What the real music does in one part: its pitch range (1st-99th percentile) and the most notes per
    bar a clip of it has (99th percentile)."""

    pitch_low: float | None
    pitch_high: float | None
    max_density: float


def music_bounds(clips: Sequence[Pattern], parts: Sequence[str]) -> dict[str, Bounds]:
    """The bounds of each part in the real music (parts it never plays get none)."""
    out = {}
    for part in parts:
        notes = [part_notes(c, part) for c in clips]
        played = [(c, ns) for c, ns in zip(clips, notes, strict=True) if ns]
        if not played:
            continue
        pitches = np.array([n.pitch for _, ns in played for n in ns])
        density = np.array([len(ns) / (c.steps / STEPS_PER_BAR) for c, ns in played])
        pitched = part != "drums"
        out[part] = Bounds(
            float(np.percentile(pitches, LOW)) if pitched else None,
            float(np.percentile(pitches, HIGH)) if pitched else None,
            float(np.percentile(density, HIGH)),
        )
    return out


def part_stats(
    clips: Sequence[Pattern], parts: Sequence[str], bounds: Mapping[str, Bounds] | None = None
) -> dict[str, PartStats]:
    """PartStats of each part over `clips`; `bounds` (the music's, `music_bounds`) give off_range and
    too_dense."""
    out = {}
    for part in parts:
        notes = [part_notes(c, part) for c in clips]
        played = [(c, ns) for c, ns in zip(clips, notes, strict=True) if ns]
        bound = (bounds or {}).get(part)
        density = [len(ns) / (c.steps / STEPS_PER_BAR) for c, ns in played]
        pitched = part != "drums"
        lows = [min(n.pitch for n in ns) for _, ns in played]
        highs = [max(n.pitch for n in ns) for _, ns in played]
        off = None
        if pitched and bound is not None and played and bound.pitch_low is not None:
            pitches = np.array([n.pitch for _, ns in played for n in ns])
            high = bound.pitch_high if bound.pitch_high is not None else np.inf
            off = float(((pitches < bound.pitch_low) | (pitches > high)).mean())
        out[part] = PartStats(
            presence=len(played) / len(clips) if clips else 0.0,
            notes_per_bar=float(np.mean(density)) if density else None,
            pitch_low=float(np.median(lows)) if pitched and lows else None,
            pitch_high=float(np.median(highs)) if pitched and highs else None,
            off_range=off,
            too_dense=float(np.mean(np.array(density) > bound.max_density)) if bound and density else None,
        )
    return out
