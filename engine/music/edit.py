# SPDX-License-Identifier: MIT
"""Note edits a piano roll makes, as pure functions on immutable `Note`s: quantize to a grid with a
strength, change a length, and the mute/solo rule for which tracks sound."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection

from engine.music.pattern import Note, Pattern
from engine.music.timing import snap

GRIDS = {"1/16": 1, "1/8": 2, "1/4": 4, "1/2": 8, "1 bar": 16}  # grid name -> steps (16ths)


def quantize_note(note: Note, grid: int, strength: float = 1.0, steps: int | None = None) -> Note:
    """`note` with its onset moved `strength` (0..1) of the way to the nearest multiple of `grid` steps.

    The onset is `start + offset` (micro-timing included); the length in steps is kept, the end clipped
    to `steps` (the clip length) when given. Strength 1 puts the note on the grid exactly (offset 0);
    0.5 halves its distance, as a DAW's quantize-strength knob does. ValueError for grid < 1 or a
    strength outside 0..1.
    """
    if grid < 1:
        raise ValueError(f"grid {grid} steps: use 1 or more")
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"quantize strength {strength} outside 0..1")
    onset = note.start + note.offset
    target = round(onset / grid) * grid
    if steps is not None and target >= steps:
        target -= grid
    start, offset = snap(onset + strength * (target - onset))
    if abs(offset) < 1e-9:
        offset = 0.0
    start = max(0, start)
    end = start + note.duration
    if steps is not None:
        end = min(end, steps)
        if start >= steps:
            return note
    return dataclasses.replace(note, start=start, end=max(end, start + 1), offset=offset)


def with_length(note: Note, length: int, steps: int | None = None) -> Note:
    """`note` with a new length (steps, at least 1; the end clipped to `steps` when given)."""
    end = note.start + max(1, length)
    if steps is not None:
        end = max(note.start + 1, min(end, steps))
    return dataclasses.replace(note, end=end)


def audible(pattern: Pattern, muted: Collection[int] = (), solo: Collection[int] = ()) -> Pattern:
    """The tracks that sound: with any track soloed only the soloed ones, else all but the muted ones.
    Track indexes out of range are ignored; the maps and tempo are kept, and with every
    track sounding the pattern itself is returned."""
    keep = [t for i, t in enumerate(pattern.tracks) if (i in solo if solo else i not in muted)]
    return pattern if len(keep) == len(pattern.tracks) else pattern.with_tracks(keep)
