# SPDX-License-Identifier: MIT
"""The status area: one complete message at a time in the app's own words, and a log you can open.

Engine and command-line messages speak in flags ("--key auto: ...", "try --device auto",
"`python main.py train FOLDER --from drums_2bar`"); `app_words` says the same in the app's terms (the
control's name, the tab or dialog that does it). Each message replaces the last one whole (never appended
to it), wraps instead of being cut off, and goes to the log with its time (`StatusLog`, opened by the
"Log" button).
"""

from __future__ import annotations

import re
import time
from collections import deque
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

MAX_LOG = 1000

# (pattern, replacement) applied in order; the first ones say what a whole phrase means in the app
_PHRASES: tuple[tuple[re.Pattern[str], Any], ...] = tuple(
    (re.compile(p), r)
    for p, r in (
        (
            r"`?python main\.py train FOLDER --from (\w+)`?",
            r"train in the Train tab, starting from the \1 model",
        ),
        (r"`?python main\.py train FOLDER`?", "the Train tab"),
        (r"\(?see `?python main\.py --help`?[^)]*\)?", ""),
        (r"\(?or pass --soundfont FILE\.sf2, or set \w+\)?", "(or pick a soundfont in Settings…)"),
        (r"`?sudo apt-get install ([\w-]+)`?", r"your system's package \1"),
        (r"--device (cuda|mps): ", lambda m: f"Compute device {m.group(1).upper()}: "),
        (r"\(try --device auto\)", "(choose Automatic in Settings…)"),
        (r"\(from --soundfont\)", "(the soundfont chosen in Settings…)"),
        (r"\(--key none: as the model wrote them\)", "(Key “Any notes, as the model writes them”: as drawn)"),
        (r"--key auto: ", "Key “Auto”: "),
        (r"--key ", "key "),
        (r"--n (\d+)", r"a count of \1"),
        (r"--(temperature|amount|bars|bpm|tempo|seed) ", r"\1 "),
        (r"--([a-z][a-z-]*)", lambda m: m.group(1).replace("-", " ")),
    )
)


def app_words(text: str) -> str:
    """`text` with command-line flags and commands said in the app's words; one line, no doubled spaces."""
    out = " ".join(str(text).split())
    for pattern, replacement in _PHRASES:
        out = pattern.sub(replacement, out)
    out = re.sub(r"\s{2,}", " ", out).strip()
    return out[:1].upper() + out[1:] if out else out


class _MessageLabel(QLabel):
    """A wrapped label at most MAX_LINES lines tall. The status bar sizes its items from a wrapped label's
    height at a narrow width (about 5 lines for a 170-character message), and the main window grew to fit:
    841 px tall on a 1280x800 screen when "No sound" said why. Only a maximum height holds it; the whole
    text stays in the tooltip and the log."""

    MAX_LINES = 2

    def __init__(self) -> None:
        super().__init__()
        self.setMaximumHeight(self.fontMetrics().lineSpacing() * self.MAX_LINES + 2)


class StatusArea(QWidget):
    """The latest message (wrapped, never cut off) and a Log button; `log` keeps every message with its time.

    Signals:
        shown(str): the message as shown (after `app_words`).
    """

    shown = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = _MessageLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.log: deque[str] = deque(maxlen=MAX_LOG)
        self.log_button = QPushButton("Log")
        self.log_button.setToolTip("Every message of this run, with its time")
        self.log_button.setFlat(True)
        self.log_button.clicked.connect(self.open_log)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label, 1)
        row.addWidget(self.log_button)
        self.dialog: QDialog | None = None

    def show_message(self, text: str) -> str:
        """Show `text` in the app's words in place of the last message; returns what is shown."""
        said = app_words(text)
        self.label.setText(said)
        self.label.setToolTip(said)
        self.log.append(f"{time.strftime('%H:%M:%S')}  {said}")
        if self.dialog is not None and self.dialog.isVisible():
            self._fill()
        self.shown.emit(said)
        return said

    def text(self) -> str:
        return self.label.text()

    def open_log(self) -> QDialog:
        """Open (or raise) the log window."""
        if self.dialog is None:
            self.dialog = QDialog(self.window())
            self.dialog.setWindowTitle("Bandmate log")
            self.dialog.resize(640, 360)
            self.view = QPlainTextEdit()
            self.view.setReadOnly(True)
            buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
            buttons.rejected.connect(self.dialog.close)
            layout = QVBoxLayout(self.dialog)
            layout.addWidget(self.view)
            layout.addWidget(buttons)
        self._fill()
        self.dialog.show()
        self.dialog.raise_()
        return self.dialog

    def _fill(self) -> None:
        self.view.setPlainText("\n".join(self.log))
        self.view.verticalScrollBar().setValue(self.view.verticalScrollBar().maximum())
