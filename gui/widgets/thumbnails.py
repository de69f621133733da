# SPDX-License-Identifier: MIT
"""Clip thumbnails: a tiny painted piano roll per clip, in lists that can be dragged into a DAW.

`ClipList` shows candidates (icon grid) or the arrangement strip (a horizontal row you can reorder);
each item keeps its Pattern under `CLIP_ROLE`, and dragging items out gives .mid files (see gui.dnd); a
cancelled drag (or one dropped back inside Bandmate) leaves no file behind.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QMimeData, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QListWidget, QListWidgetItem, QWidget

from engine.music.pattern import Pattern
from gui.dnd import run_drag
from gui.pianoroll.painter import DRUM_COLOUR, TRACK_COLOURS
from gui.pianoroll.viewmodel import DRUM_LANES, drum_lane

CLIP_ROLE = Qt.ItemDataRole.UserRole + 1
THUMB = QSize(132, 72)


def paint_thumbnail(pattern: Pattern, size: QSize = THUMB) -> QPixmap:
    """A small picture of the clip: drums on top, pitched parts below, brightness = velocity."""
    image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor("#1e2126"))
    p = QPainter(image)
    w, h = size.width(), size.height()
    steps, lanes = max(1, pattern.steps), len(DRUM_LANES)
    has_drums = any(t.is_drum for t in pattern.tracks)
    pitches = [n.pitch for t in pattern.tracks if not t.is_drum for n in t.notes]
    drum_h = (h * 0.4 if pitches else float(h)) if has_drums else 0.0
    lo, hi = (min(pitches), max(pitches)) if pitches else (60, 72)
    span = max(12, hi - lo + 1)
    for bar in range(0, steps, 16):
        p.fillRect(QRectF(bar / steps * w, 0, 1, h), QColor("#3a3f47"))
    for i, track in enumerate(pattern.tracks):
        colour = QColor(DRUM_COLOUR if track.is_drum else TRACK_COLOURS[i % len(TRACK_COLOURS)])
        for n in track.notes:
            colour.setAlphaF(0.4 + 0.6 * n.velocity / 127)
            x = n.start / steps * w
            if track.is_drum:
                rect = QRectF(x, drum_lane(n.pitch) / lanes * drum_h, max(1.5, w / steps), drum_h / lanes)
            else:
                y = drum_h + (hi - n.pitch) / span * (h - drum_h - 2)
                rect = QRectF(x, y, max(1.5, n.duration / steps * w), max(1.5, (h - drum_h) / span))
            p.fillRect(rect, colour)
    p.end()
    return QPixmap.fromImage(image)


COPY_MARK = "(copy)"


def mark_copy(item: QListWidgetItem, why: str) -> None:
    """Mark a candidate that copies the training music: a "copy" badge on its thumbnail, COPY_MARK after
    its name, `why` (which file and bar) as its tooltip."""
    picture = item.icon().pixmap(THUMB)
    p = QPainter(picture)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setBrush(QColor("#ff9f1c"))
    p.setPen(QColor("#1e2126"))
    p.drawRoundedRect(QRectF(THUMB.width() - 40, 2, 38, 16), 4, 4)
    p.setPen(QColor("#1e2126"))
    p.drawText(QRectF(THUMB.width() - 40, 2, 38, 16), Qt.AlignmentFlag.AlignCenter, "copy")
    p.end()
    icon = QIcon(picture)
    icon.addPixmap(picture, QIcon.Mode.Selected)
    item.setIcon(icon)
    item.setText(f"{item.text()} {COPY_MARK}")
    item.setToolTip(why)


class ClipList(QListWidget):
    """A list of clips shown as thumbnails; `mime_factory(patterns)` makes the drag-out data."""

    def __init__(self, strip: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mime_factory: Callable[[list[Pattern], str], QMimeData] | None = None
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setIconSize(THUMB)
        self.setMovement(QListView.Movement.Snap if strip else QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setSpacing(4)
        self.setUniformItemSizes(True)
        self.setStyleSheet(
            "QListWidget::item { border: 2px solid transparent; border-radius: 3px; }"
            "QListWidget::item:selected { border: 2px solid #7cff6b; background: #2f343b; color: white; }"
        )
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragEnabled(True)
        if strip:
            self.setFlow(QListView.Flow.LeftToRight)
            self.setWrapping(False)
            self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
            self.setDefaultDropAction(Qt.DropAction.MoveAction)
            self.setFixedHeight(THUMB.height() + 44)
        else:
            self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)

    def add_clip(self, pattern: Pattern, name: str) -> QListWidgetItem:
        picture = paint_thumbnail(pattern)
        icon = QIcon(picture)
        icon.addPixmap(picture, QIcon.Mode.Selected)  # no tint: the selection shows as a frame
        item = QListWidgetItem(icon, name)
        item.setData(CLIP_ROLE, pattern)
        item.setToolTip(
            f"{name}: {pattern.bars} bar(s), {pattern.note_count} notes"
        )  # no tempo: the transport's
        self.addItem(item)
        return item

    def clip(self, row: int) -> Pattern:
        return self.item(row).data(CLIP_ROLE)

    def clips(self) -> list[Pattern]:
        return [self.clip(i) for i in range(self.count())]

    def names(self) -> list[str]:
        return [self.item(i).text() for i in range(self.count())]

    def selected_clips(self) -> list[Pattern]:
        rows = sorted(self.row(it) for it in self.selectedItems())
        return [self.clip(r) for r in rows]

    def startDrag(self, supported: Qt.DropAction) -> None:  # noqa: N802 - Qt override
        """Drag the selected clips out as one .mid file (gui.dnd.run_drag: the file goes again when the
        drag is cancelled or lands inside Bandmate); without a `mime_factory`, Qt's own drag."""
        items = self.selectedItems()
        if self.mime_factory is None or not items:
            super().startDrag(supported)
            return
        data = self.mimeData(items)
        first = min(items, key=self.row)
        run_drag(self, data, supported, first.icon().pixmap(THUMB))

    def mimeData(self, items: Sequence[QListWidgetItem]) -> QMimeData:  # noqa: N802 - Qt override
        """Dragging out gives one .mid file of the dragged clips (in list order); inside, a normal move."""
        data = super().mimeData(items)
        if self.mime_factory is not None and items:
            ordered = sorted(items, key=self.row)
            out = self.mime_factory([it.data(CLIP_ROLE) for it in ordered], ordered[0].text())
            data.setUrls(out.urls())
        return data
