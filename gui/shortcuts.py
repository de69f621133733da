# SPDX-License-Identifier: MIT
"""App-wide shortcuts that text fields do not swallow.

Qt lets the focused widget claim a key before the window's shortcuts see it (a ShortcutOverride
event). A QLineEdit claims every printable key and its emacs-style keys (Ctrl+E: end of line, Ctrl+K:
delete to the end...), and a spin box's line edit does the same, so after typing a tempo Ctrl+E (export)
and Space (play/stop) did nothing. `ShortcutGuard`, installed on the application, lets a text field keep
only its own keys: typing and the standard editing keys (copy, cut, paste, undo, redo, select all, moving
the cursor). A number field (spin box) does not take Space either. Every other key with a window
shortcut goes to that shortcut.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractSpinBox, QLineEdit, QPlainTextEdit, QTextEdit

_EDITING = (
    QKeySequence.StandardKey.Copy,
    QKeySequence.StandardKey.Cut,
    QKeySequence.StandardKey.Paste,
    QKeySequence.StandardKey.Undo,
    QKeySequence.StandardKey.Redo,
    QKeySequence.StandardKey.SelectAll,
    QKeySequence.StandardKey.Delete,
    QKeySequence.StandardKey.Backspace,
    QKeySequence.StandardKey.DeleteStartOfWord,
    QKeySequence.StandardKey.DeleteEndOfWord,
    QKeySequence.StandardKey.MoveToNextWord,
    QKeySequence.StandardKey.MoveToPreviousWord,
    QKeySequence.StandardKey.SelectNextWord,
    QKeySequence.StandardKey.SelectPreviousWord,
    QKeySequence.StandardKey.MoveToStartOfLine,
    QKeySequence.StandardKey.MoveToEndOfLine,
    QKeySequence.StandardKey.SelectStartOfLine,
    QKeySequence.StandardKey.SelectEndOfLine,
)
_COMMAND = (
    Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier
)


def is_own_key(widget: QObject, event: QKeyEvent) -> bool:
    """Whether a text field `widget` uses the key itself (typing or a standard editing key)."""
    if any(event.matches(k) for k in _EDITING):
        return True
    if event.modifiers() & _COMMAND:
        return event.key() in (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Home, Qt.Key.Key_End)
    if event.key() == Qt.Key.Key_Space:
        return not _is_number_field(widget)
    return True  # plain keys: letters, digits, arrows, Enter, Escape...


def _is_number_field(widget: QObject) -> bool:
    return isinstance(widget, QAbstractSpinBox) or isinstance(widget.parent(), QAbstractSpinBox)


class ShortcutGuard(QObject):
    """Event filter for the QApplication: text fields keep their own keys, the window gets the rest."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(
            watched, (QLineEdit, QAbstractSpinBox, QTextEdit, QPlainTextEdit)
        ):
            if not is_own_key(watched, event):  # type: ignore[arg-type]
                event.ignore()
                return True  # the field does not claim it: the window's shortcut runs
        return False
