# SPDX-License-Identifier: MIT
"""The clip being edited: one `Pattern` value plus the undo stack that changes it."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from engine.music.pattern import Pattern
from gui.pianoroll.commands import SetPatternCommand


class ClipDocument(QObject):
    """Holds the current clip. Every change goes through `set_pattern` (directly or via a QUndoCommand).

    Signals:
        changed(object): the new Pattern.
    """

    changed = Signal(object)

    def __init__(self, pattern: Pattern | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pattern = pattern or Pattern()
        self.name = "empty clip"
        self.undo_stack = QUndoStack(self)

    @property
    def pattern(self) -> Pattern:
        return self._pattern

    def set_pattern(self, pattern: Pattern) -> None:
        self._pattern = pattern
        self.changed.emit(pattern)

    def replace(self, pattern: Pattern, name: str, undoable: bool = True) -> None:
        """Load a whole new clip (generated, morphed, blended); undoable unless it is a live drag."""
        self.name = name
        if undoable:
            self.undo_stack.push(SetPatternCommand(self, pattern, f"load {name}"))
        else:
            self.set_pattern(pattern)
