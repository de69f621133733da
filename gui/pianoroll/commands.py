# SPDX-License-Identifier: MIT
"""Undoable edits of the clip: each QUndoCommand swaps one immutable Pattern for another.

The commands edit anything with a `pattern` and a `set_pattern` (`PatternHolder`): gui/document.py's
ClipDocument, which pushes them, is one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Protocol

from PySide6.QtGui import QUndoCommand

from engine.music.pattern import Note, Pattern
from gui.pianoroll.viewmodel import NoteRef


class PatternHolder(Protocol):
    """What a command edits: the current clip and the one way to change it."""

    @property
    def pattern(self) -> Pattern: ...

    def set_pattern(self, pattern: Pattern) -> None: ...


def edit_notes(pattern: Pattern, removed: Iterable[NoteRef], added: Iterable[NoteRef]) -> Pattern:
    """`pattern` without the `removed` notes (one occurrence each) and with the `added` ones."""
    drop: dict[int, Counter[Note]] = {}
    for ref in removed:
        drop.setdefault(ref.track, Counter())[ref.note] += 1
    add: dict[int, list[Note]] = {}
    for ref in added:
        add.setdefault(ref.track, []).append(ref.note)
    tracks = []
    for i, track in enumerate(pattern.tracks):
        gone = drop.get(i, Counter())
        kept = []
        for note in track.notes:
            if gone[note] > 0:
                gone[note] -= 1
            else:
                kept.append(note)
        tracks.append(track.with_notes(kept + add.get(i, [])))
    return pattern.with_tracks(tracks)


class SetPatternCommand(QUndoCommand):
    """Replace the whole clip (a generated candidate, a completion, a humanized take)."""

    def __init__(self, doc: PatternHolder, pattern: Pattern, text: str) -> None:
        super().__init__(text)
        self.doc = doc
        self.before = doc.pattern
        self.after = pattern

    def redo(self) -> None:
        self.doc.set_pattern(self.after)

    def undo(self) -> None:
        self.doc.set_pattern(self.before)


class EditNotesCommand(QUndoCommand):
    """Remove some notes and add others in one step (add, delete, move, change velocity)."""

    def __init__(self, doc: PatternHolder, removed: list[NoteRef], added: list[NoteRef], text: str) -> None:
        super().__init__(text)
        self.doc = doc
        self.removed = list(removed)
        self.added = list(added)

    def redo(self) -> None:
        self.doc.set_pattern(edit_notes(self.doc.pattern, self.removed, self.added))

    def undo(self) -> None:
        self.doc.set_pattern(edit_notes(self.doc.pattern, self.added, self.removed))


def add_note(doc: PatternHolder, ref: NoteRef) -> EditNotesCommand:
    return EditNotesCommand(doc, [], [ref], "add note")


def delete_notes(doc: PatternHolder, refs: Iterable[NoteRef]) -> EditNotesCommand:
    refs = list(refs)
    return EditNotesCommand(doc, refs, [], f"delete {len(refs)} note(s)")


def move_notes(doc: PatternHolder, moves: list[tuple[NoteRef, Note]]) -> EditNotesCommand:
    old = [ref for ref, _ in moves]
    new = [NoteRef(ref.track, note) for ref, note in moves]
    return EditNotesCommand(doc, old, new, f"move {len(moves)} note(s)")
