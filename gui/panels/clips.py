# SPDX-License-Identifier: MIT
"""The part every panel that lists clips shares: a click shows the clip and asks to hear it."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QListWidgetItem, QWidget

from gui.session import Session
from gui.widgets.thumbnails import CLIP_ROLE, ClipList


class ClipsPanel(QWidget):
    """A panel with lists of clips (thumbnails).

    Signals:
        audition(object, str): a clip was clicked: play this Pattern (name).
        keep(object, str): keep this Pattern (name) in the arrangement.
    """

    audition = Signal(object, str)
    keep = Signal(object, str)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session

    def audition_on_click(self, clips: ClipList) -> None:
        """Clicking (or pressing Enter on) a clip of `clips` shows it in the piano roll and plays it."""
        clips.itemClicked.connect(self._clicked)
        clips.itemActivated.connect(self._clicked)

    def _clicked(self, item: QListWidgetItem) -> None:
        self.session.show_clip(item.data(CLIP_ROLE), item.text())
        self.audition.emit(item.data(CLIP_ROLE), item.text())
