# SPDX-License-Identifier: MIT
"""The piano roll's edits of a selection, each one undo step: length, velocity (one value or a shift for
several notes), quantize, and the clipboard (copy, cut, paste, duplicate). Builds `EditNotesCommand`s
(gui.pianoroll.commands) from engine edits (engine.music.edit); no painting, no mouse."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from PySide6.QtGui import QUndoCommand

from engine.music.edit import quantize_note
from engine.music.pattern import STEPS_PER_BAR, Note, Pattern, Track
from gui.pianoroll.commands import EditNotesCommand, PatternHolder, SetPatternCommand, edit_notes
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
    copy). `tracks` are the copied notes' tracks without their notes (kind, program, role, name), indexed
    like the notes' track numbers, so notes pasted into another clip find (or make) a track of their kind.
    """

    notes: tuple[tuple[int, Note], ...]
    span: int
    tracks: tuple[Track, ...] = ()

    @classmethod
    def of(cls, refs: Iterable[NoteRef], grid: int = 1, tracks: Sequence[Track] = ()) -> Clip | None:
        """The copy of `refs` (notes of a clip whose tracks are `tracks`); None when nothing is selected."""
        refs = sorted(refs, key=lambda r: (r.note.start, r.track, r.note.pitch))
        if not refs:
            return None
        first = refs[0].note.start // grid * grid
        notes = tuple((r.track, r.note.shifted(-first)) for r in refs)
        last = max(n.end for _, n in notes)
        return cls(notes, -(-last // grid) * grid, tuple(t.with_notes(()) for t in tracks))

    def is_drum(self, track: int, target: Sequence[Track] = ()) -> bool:
        """Whether notes copied from `track` are drum hits (their own track's kind; without it, the
        same-numbered track of `target`)."""
        if track < len(self.tracks):
            return self.tracks[track].is_drum
        return target[track].is_drum if track < len(target) else False

    def placed(self, pattern: Pattern, at: int, active: int = 0) -> list[NoteRef]:
        """The notes put at step `at` of `pattern`: each into its own track if that track is of the same
        kind (drums/pitched), else into `active` or the first of that kind; notes starting past the clip
        are dropped, ends are clipped. Notes of a kind the clip has no track for are dropped (see
        `paste`, which first adds such tracks)."""
        out = []
        tracks = pattern.tracks
        for track, note in self.notes:
            start = note.start + at
            if start >= pattern.steps or not tracks:
                continue
            kind = self.is_drum(track, tracks)
            if track >= len(tracks) or tracks[track].is_drum != kind:
                fits = [i for i, t in enumerate(tracks) if t.is_drum == kind]
                if not fits:
                    continue
                track = active if active in fits else fits[0]
            out.append(
                NoteRef(track, dataclasses.replace(note, start=start, end=min(pattern.steps, note.end + at)))
            )
        return out

    def room(self, pattern: Pattern, at: int) -> Pattern:
        """`pattern` made ready for the paste: a track added for each kind (drums, pitched) the copied
        notes need and it lacks (named, programmed as the copied one), and, for a clip without notes,
        its length grown to whole bars holding the pasted notes."""
        tracks = list(pattern.tracks)
        for kind in sorted({self.is_drum(t, pattern.tracks) for t, _ in self.notes}):
            if not any(t.is_drum == kind for t in tracks):
                source = next((t for t in self.tracks if t.is_drum == kind), None)
                tracks.append(source if source is not None else Track(is_drum=kind))
        steps = pattern.steps
        if not pattern.note_count:
            end = max(n.end for _, n in self.notes) + at
            steps = max(steps, -(-end // STEPS_PER_BAR) * STEPS_PER_BAR)
        if len(tracks) == len(pattern.tracks) and steps == pattern.steps:
            return pattern
        return dataclasses.replace(pattern, tracks=tuple(tracks), steps=steps)


def paste(
    doc: PatternHolder, clip: Clip, at: int, active: int = 0, text: str = "paste"
) -> tuple[QUndoCommand | None, set[NoteRef]]:
    """A command adding the clipboard at step `at` (one undo step, with any track it had to add), and the
    pasted refs (to select)."""
    ready = clip.room(doc.pattern, at)
    refs = clip.placed(ready, at, active)
    if not refs:
        return None, set()
    label = f"{text} {len(refs)} note(s)"
    if ready is doc.pattern:
        return EditNotesCommand(doc, [], refs, label), set(refs)
    return SetPatternCommand(doc, edit_notes(ready, [], refs), label), set(refs)
