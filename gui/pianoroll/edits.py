# SPDX-License-Identifier: MIT
"""The piano roll's edits of a selection, each one undo step: length, velocity (one value or a shift for
several notes), quantize, and the clipboard (copy, cut, paste, duplicate). Builds `EditNotesCommand`s
(gui.pianoroll.commands) from engine edits (engine.music.edit); no painting, no mouse."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from engine.music.edit import quantize_note
from engine.music.pattern import Note, Pattern
from gui.pianoroll.commands import EditNotesCommand, PatternHolder
from gui.pianoroll.viewmodel import NoteRef


def changes(
    refs: Iterable[NoteRef], new: Iterable[Note], doc: PatternHolder, text: str
) -> tuple[EditNotesCommand | None, set[NoteRef]]:
    """One command replacing each ref's note by its new value (unchanged ones left out) and the new refs."""
    pairs = [(r, n) for r, n in zip(refs, new, strict=True) if n != r.note]
    after = {NoteRef(r.track, n) for r, n in pairs}
    if not pairs:
        return None, set()
    return EditNotesCommand(doc, [r for r, _ in pairs], [NoteRef(r.track, n) for r, n in pairs], text), after


def velocity_values(refs: Iterable[NoteRef], value: int | None = None, shift: int = 0) -> list[Note]:
    """The notes with velocity `value` (when given) or shifted by `shift`, kept in 1..127."""
    return [
        dataclasses.replace(
            r.note, velocity=max(1, min(127, value if value is not None else r.note.velocity + shift))
        )
        for r in refs
    ]


def quantized(refs: Iterable[NoteRef], grid: int, strength: float, steps: int) -> list[Note]:
    """The notes' onsets moved toward the grid (engine.music.edit.quantize_note)."""
    return [quantize_note(r.note, grid, strength, steps) for r in refs]


@dataclass(frozen=True, slots=True)
class Clip:
    """Copied notes: (track index, note) with starts relative to the first copied onset; `span` is the
    length in steps from the first onset to the last end, rounded up to `grid` (where Duplicate puts the
    copy)."""

    notes: tuple[tuple[int, Note], ...]
    span: int

    @classmethod
    def of(cls, refs: Iterable[NoteRef], grid: int = 1) -> Clip | None:
        refs = sorted(refs, key=lambda r: (r.note.start, r.track, r.note.pitch))
        if not refs:
            return None
        first = refs[0].note.start // grid * grid
        notes = tuple((r.track, r.note.shifted(-first)) for r in refs)
        last = max(n.end for _, n in notes)
        return cls(notes, -(-last // grid) * grid)

    def placed(self, pattern: Pattern, at: int, active: int = 0) -> list[NoteRef]:
        """The notes put at step `at` of `pattern`: each into its own track if that track is of the same
        kind (drums/pitched), else into `active` or the first of that kind; notes starting past the clip
        are dropped, ends are clipped."""
        out = []
        tracks = pattern.tracks
        for track, note in self.notes:
            start = note.start + at
            if start >= pattern.steps or not tracks:
                continue
            kind = _kind(self, track, tracks)
            if track >= len(tracks) or tracks[track].is_drum != kind:
                fits = [i for i, t in enumerate(tracks) if t.is_drum == kind]
                if not fits:
                    continue
                track = active if active in fits else fits[0]
            out.append(
                NoteRef(track, dataclasses.replace(note, start=start, end=min(pattern.steps, note.end + at)))
            )
        return out


def _kind(clip: Clip, track: int, tracks: tuple) -> bool:
    """Whether a copied note was a drum hit: its track's kind, when that track still exists."""
    return tracks[track].is_drum if track < len(tracks) else False


def paste(
    doc: PatternHolder, clip: Clip, at: int, active: int = 0, text: str = "paste"
) -> tuple[EditNotesCommand | None, set[NoteRef]]:
    """A command adding the clipboard at step `at`, and the pasted refs (to select)."""
    refs = clip.placed(doc.pattern, at, active)
    if not refs:
        return None, set()
    return EditNotesCommand(doc, [], refs, f"{text} {len(refs)} note(s)"), set(refs)
