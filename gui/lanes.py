# SPDX-License-Identifier: MIT
"""The arrangement's lane view: lanes top to bottom, bars left to right, each placed clip a painted box.

Drag a clip to move it (to another bar or lane; dropping it on a neighbour reorders them), drag its left
or right edge to trim it (bar by bar; dragging back shows the bars again), double-click to open it in the
piano roll, Delete removes it. On the bar ruler: click sets where Play starts, drag marks a loop/export
range, right-click clears it. A lane's head: M mutes it, S solos it, dragging the name up or down moves
the lane, double-click renames it, right-click offers move up/down, rename and remove. While the
arrangement plays a white playhead runs over the lanes. Edits are not applied here: the view asks
(signals) and `ArrangementStrip` pushes undo steps.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QWheelEvent,
)
from PySide6.QtWidgets import QMenu, QSizePolicy, QWidget

from engine.music.arrangement import Arrangement
from gui.pianoroll.painter import DRUM_COLOUR, TRACK_COLOURS
from gui.widgets.thumbnails import paint_thumbnail
from gui.widgets.xypad import midi_paths

HEAD_W = 112
RULER_H = 18
LANE_H = 46
MUTE_W = 22
EDGE_PX = 5  # how near a clip's edge the pointer trims instead of moving
LANE_COLOURS = {
    "Drums": DRUM_COLOUR,
    "Bass": TRACK_COLOURS[1],
    "Lead": TRACK_COLOURS[0],
    "Band": TRACK_COLOURS[2],
}


class LaneView(QWidget):
    """Paints an `Arrangement` and turns the mouse into requests.

    Signals:
        move_requested(int, int, int, int): (lane, index, to_lane, start_bar).
        remove_requested(int, int): (lane, index).
        mute_requested(int, bool): (lane, muted).
        solo_requested(int, bool): (lane, soloed).
        lane_move_requested(int, int): (lane, to): move a lane up or down.
        lane_remove_requested(int): remove this (empty) lane.
        trim_requested(int, int, int, int): (lane, index, start_bar, end_bar): show only these bars.
        rename_requested(int): the lane whose name was double-clicked.
        clip_opened(int, int): (lane, index) double-clicked.
        cursor_changed(): the play-from bar or the range changed.
        files_dropped(int, int, list): .mid files dropped on (lane, bar), e.g. candidates or from a file
            manager.
    """

    move_requested = Signal(int, int, int, int)
    remove_requested = Signal(int, int)
    mute_requested = Signal(int, bool)
    solo_requested = Signal(int, bool)
    lane_move_requested = Signal(int, int)
    lane_remove_requested = Signal(int)
    trim_requested = Signal(int, int, int, int)
    rename_requested = Signal(int)
    clip_opened = Signal(int, int)
    cursor_changed = Signal()
    files_dropped = Signal(int, int, list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.arrangement = Arrangement()
        self.px_per_bar = 56.0
        self.selected: tuple[int, int] | None = None
        self.cursor_bar = 0
        self.range: tuple[int, int] | None = None  # [start, end) bars
        self._press: QPointF | None = None
        self._grab: tuple[int, int, float] | None = None  # lane, index, bar offset inside the clip
        self._drop: tuple[int, int] | None = None  # lane, bar while dragging
        self._ruler_from: int | None = None
        self._trim: tuple[int, int, str] | None = None  # lane, index, "left"/"right" while trimming
        self._trim_to: tuple[int, int] | None = None  # the [start, end) bars the trim would give
        self._lane_grab: int | None = None  # the lane whose head is being dragged
        self._lane_to: int | None = None
        self.playhead: float | None = None  # bars (fractional) while the arrangement plays
        self._thumbs: dict[int, QPixmap] = {}
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)  # the pointer turns into a resize arrow over a clip's edge
        self.setAcceptDrops(True)

    # --- content and geometry --------------------------------------------------------------------
    def set_arrangement(self, arrangement: Arrangement) -> None:
        self.arrangement = arrangement
        if self.selected is not None:
            lane, index = self.selected
            if lane >= len(arrangement.lanes) or index >= len(arrangement.lanes[lane].placements):
                self.selected = None
        self.updateGeometry()
        self.setMinimumSize(self.sizeHint())
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        bars = max(16, self.arrangement.bars + 8)
        return QSize(
            int(HEAD_W + bars * self.px_per_bar), RULER_H + LANE_H * max(1, len(self.arrangement.lanes))
        )

    def x_of(self, bar: float) -> float:
        return HEAD_W + bar * self.px_per_bar

    def bar_at(self, x: float) -> float:
        return (x - HEAD_W) / self.px_per_bar

    def lane_at(self, y: float) -> int | None:
        lane = int((y - RULER_H) // LANE_H)
        return lane if y >= RULER_H and 0 <= lane < len(self.arrangement.lanes) else None

    def clip_rect(self, lane: int, index: int) -> QRectF:
        p = self.arrangement.lanes[lane].placements[index]
        return QRectF(
            self.x_of(p.start_bar) + 1, RULER_H + lane * LANE_H + 2, p.bars * self.px_per_bar - 2, LANE_H - 4
        )

    def clip_at(self, pos: QPointF) -> tuple[int, int] | None:
        lane = self.lane_at(pos.y())
        if lane is None or pos.x() < HEAD_W:
            return None
        for i in range(len(self.arrangement.lanes[lane].placements)):
            if self.clip_rect(lane, i).contains(pos):
                return lane, i
        return None

    def edge_at(self, pos: QPointF) -> tuple[int, int, str] | None:
        """(lane, index, "left"/"right") when `pos` is within EDGE_PX of a clip's left or right edge."""
        hit = self.clip_at(pos)
        if hit is None:
            return None
        r = self.clip_rect(*hit)
        edge = min(EDGE_PX, r.width() / 4)
        if pos.x() < r.left() + edge:
            return (*hit, "left")
        if pos.x() > r.right() - edge:
            return (*hit, "right")
        return None

    def solo_rect(self, lane: int) -> QRectF:
        """The lane's S button, at the right of its head."""
        top = RULER_H + lane * LANE_H
        return QRectF(HEAD_W - MUTE_W - 6, top + (LANE_H - 18) / 2, MUTE_W, 18)

    def set_playhead(self, bar: float | None) -> None:
        """Where the arrangement's playback is, in bars from bar 1 (None hides the playhead)."""
        if bar != self.playhead:
            self.playhead = bar
            self.update()

    def _trim_range(self, lane: int, index: int, side: str, x: float) -> tuple[int, int]:
        """The [start, end) bars a drag of the `side` edge to `x` gives, kept inside the clip's own bars
        and clear of the neighbours."""
        placed = self.arrangement.lanes[lane].placements
        p = placed[index]
        clip_start = p.start_bar - p.offset_bar
        bar = round(self.bar_at(x))
        if side == "left":
            floor = max(clip_start, placed[index - 1].end_bar if index > 0 else 0)
            return max(floor, min(bar, p.end_bar - 1)), p.end_bar
        ceiling = clip_start + p.clip_bars
        if index + 1 < len(placed):
            ceiling = min(ceiling, placed[index + 1].start_bar)
        return p.start_bar, min(ceiling, max(bar, p.start_bar + 1))

    def zoom(self, factor: float) -> None:
        self.px_per_bar = min(240.0, max(16.0, self.px_per_bar * factor))
        self.set_arrangement(self.arrangement)

    # --- painting ------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        self.paint(p)
        p.end()

    def paint(self, p: QPainter) -> None:
        """Ruler, lanes, clips, the drag ghost, the play-from cursor and the range."""
        w, arr = self.width(), self.arrangement
        p.fillRect(0, 0, w, self.height(), QColor("#1e2126"))
        self._paint_ruler(p, w)
        for li, lane in enumerate(arr.lanes):
            top = RULER_H + li * LANE_H
            p.fillRect(QRectF(0, top, w, LANE_H), QColor("#23272d" if li % 2 else "#1e2126"))
            p.setPen(QColor("#2f343b"))
            for bar in range(int(self.bar_at(w)) + 1):
                p.drawLine(QPointF(self.x_of(bar), top), QPointF(self.x_of(bar), top + LANE_H))
            self._paint_head(p, li, top)
            for i in range(len(lane.placements)):
                self._paint_clip(p, li, i)
        if self._drop is not None and self._grab is not None:
            to_lane, bar = self._drop
            placed = arr.lanes[self._grab[0]].placements[self._grab[1]]
            ghost = QRectF(
                self.x_of(bar), RULER_H + to_lane * LANE_H + 2, placed.bars * self.px_per_bar, LANE_H - 4
            )
            p.setPen(QPen(QColor("#ffffff"), 1.5, Qt.PenStyle.DashLine))
            p.setBrush(QColor(255, 255, 255, 40))
            p.drawRect(ghost)
        if self._trim is not None and self._trim_to is not None:
            a, b = self._trim_to
            ghost = QRectF(
                self.x_of(a), RULER_H + self._trim[0] * LANE_H + 2, (b - a) * self.px_per_bar, LANE_H - 4
            )
            p.setPen(QPen(QColor("#ffffff"), 1.5, Qt.PenStyle.DashLine))
            p.setBrush(QColor(255, 255, 255, 30))
            p.drawRect(ghost)
        if self._lane_grab is not None and self._lane_to is not None and self._lane_to != self._lane_grab:
            y = RULER_H + (self._lane_to + (1 if self._lane_to > self._lane_grab else 0)) * LANE_H
            p.setPen(QPen(QColor("#7cff6b"), 3))
            p.drawLine(QPointF(0, y), QPointF(w, y))
        x = self.x_of(self.cursor_bar)
        p.setPen(QPen(QColor("#7cff6b"), 2))
        p.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        if self.playhead is not None:
            x = self.x_of(self.playhead)
            p.setPen(QPen(QColor("#ffffff"), 2))
            p.drawLine(QPointF(x, 0), QPointF(x, self.height()))

    def _paint_ruler(self, p: QPainter, w: int) -> None:
        p.fillRect(QRectF(0, 0, w, RULER_H), QColor("#15171a"))
        if self.range is not None:
            a, b = self.range
            p.fillRect(QRectF(self.x_of(a), 0, (b - a) * self.px_per_bar, RULER_H), QColor("#3d6b3a"))
            p.fillRect(
                QRectF(self.x_of(a), RULER_H, (b - a) * self.px_per_bar, self.height()),
                QColor(124, 255, 107, 18),
            )
        p.setPen(QColor("#c9ced6"))
        p.drawText(QRectF(4, 0, HEAD_W, RULER_H), Qt.AlignmentFlag.AlignVCenter, "bar")
        for bar in range(int(self.bar_at(w)) + 1):
            if self.px_per_bar >= 24 or bar % 4 == 0:
                p.drawText(
                    QRectF(self.x_of(bar) + 3, 0, 40, RULER_H), Qt.AlignmentFlag.AlignVCenter, str(bar + 1)
                )

    def _paint_head(self, p: QPainter, li: int, top: float) -> None:
        lane = self.arrangement.lanes[li]
        p.fillRect(QRectF(0, top, HEAD_W, LANE_H), QColor("#15171a"))
        colour = QColor(LANE_COLOURS.get(lane.name, TRACK_COLOURS[li % len(TRACK_COLOURS)]))
        p.fillRect(QRectF(0, top + 2, 4, LANE_H - 4), colour)
        p.setPen(QColor("#7d848d" if lane.muted else "#c9ced6"))
        name_w = self.mute_rect(li).left() - 12
        p.drawText(QRectF(10, top, name_w, LANE_H), Qt.AlignmentFlag.AlignVCenter, lane.name)
        for rect, on, text, lit in (
            (self.mute_rect(li), lane.muted, "M", "#d9a13b"),
            (self.solo_rect(li), lane.solo, "S", "#4fb0c6"),
        ):
            p.fillRect(rect, QColor(lit if on else "#2f343b"))
            p.setPen(QColor("#15171a" if on else "#c9ced6"))
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)

    def mute_rect(self, lane: int) -> QRectF:
        """The lane's M button (left of S, in the order DAW mixers and the roll's track list use)."""
        s = self.solo_rect(lane)
        return QRectF(s.left() - MUTE_W - 3, s.top(), MUTE_W, s.height())

    def _paint_clip(self, p: QPainter, li: int, i: int) -> None:
        placed = self.arrangement.lanes[li].placements[i]
        r = self.clip_rect(li, i)
        if r.right() < HEAD_W:
            return
        key = id(placed.clip)
        thumb = self._thumbs.get(key)
        if thumb is None:
            thumb = self._thumbs[key] = paint_thumbnail(placed.clip)
        if placed.trimmed:  # only the shown bars of the clip's picture
            width = thumb.width() / placed.clip_bars
            src = QRectF(placed.offset_bar * width, 0, placed.bars * width, thumb.height())
            p.drawPixmap(r, thumb, src)
        else:
            p.drawPixmap(r.toRect(), thumb)
        if li not in self.arrangement.audible_lanes():
            p.fillRect(r, QColor(30, 33, 38, 170))
        if placed.trimmed:  # a trimmed clip's cut edges are drawn as brackets
            p.setPen(QPen(QColor("#ffcf5a"), 3))
            if placed.offset_bar:
                p.drawLine(r.topLeft() + QPointF(1, 0), r.bottomLeft() + QPointF(1, 0))
            if placed.offset_bar + placed.bars < placed.clip_bars:
                p.drawLine(r.topRight() - QPointF(1, 0), r.bottomRight() - QPointF(1, 0))
        chosen = self.selected == (li, i)
        p.setPen(QPen(QColor("#7cff6b" if chosen else "#5a616b"), 2 if chosen else 1))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(r)
        p.fillRect(QRectF(r.left(), r.top(), r.width(), 13), QColor(21, 23, 26, 190))
        p.setPen(QColor("#ffffff"))
        font = p.font()
        font.setPixelSize(10)
        p.setFont(font)
        p.drawText(
            QRectF(r.left() + 3, r.top(), r.width() - 4, 13), Qt.AlignmentFlag.AlignVCenter, placed.name
        )

    # --- mouse and keys -----------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        pos = event.position()
        right = event.button() == Qt.MouseButton.RightButton
        if pos.y() < RULER_H:
            if right:
                self.range = None
                self.cursor_changed.emit()
            elif pos.x() >= HEAD_W:
                self._ruler_from = max(0, int(self.bar_at(pos.x())))
            self.update()
            return
        lane = self.lane_at(pos.y())
        if lane is not None and pos.x() < HEAD_W:
            if self.mute_rect(lane).contains(pos):
                self.mute_requested.emit(lane, not self.arrangement.lanes[lane].muted)
            elif self.solo_rect(lane).contains(pos):
                self.solo_requested.emit(lane, not self.arrangement.lanes[lane].solo)
            elif right:
                self._lane_menu(lane, event.globalPosition().toPoint())
            else:
                self._lane_grab, self._lane_to = lane, lane
            return
        edge = None if right else self.edge_at(pos)
        if edge is not None:
            self.selected = edge[:2]
            self._trim, self._trim_to = edge, None
            self.update()
            return
        hit = self.clip_at(pos)
        self.selected = hit
        if hit is not None and not right:
            start = self.arrangement.lanes[hit[0]].placements[hit[1]].start_bar
            self._press, self._grab = pos, (hit[0], hit[1], self.bar_at(pos.x()) - start)
        elif hit is not None and right:
            self.remove_requested.emit(*hit)
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        pos = event.position()
        idle = self._trim is None and self._lane_grab is None and self._ruler_from is None
        if idle and self._press is None:  # hovering: a resize arrow over a clip's edge
            edge = self.edge_at(pos)
            self.setCursor(Qt.CursorShape.SizeHorCursor if edge else Qt.CursorShape.ArrowCursor)
            return
        if self._trim is not None:
            self._trim_to = self._trim_range(*self._trim, pos.x())
            self.update()
            return
        if self._lane_grab is not None:
            y = min(max(pos.y(), RULER_H), RULER_H + LANE_H * len(self.arrangement.lanes) - 1)
            self._lane_to = self.lane_at(y)
            self.update()
            return
        if self._ruler_from is not None:
            now = max(0, int(self.bar_at(pos.x())))
            a, b = sorted((self._ruler_from, now))
            self.range = (a, b + 1) if now != self._ruler_from else None
            self.update()
            return
        if self._press is None or self._grab is None:
            return
        if (pos - self._press).manhattanLength() < 4 and self._drop is None:
            return
        lane = self.lane_at(min(max(pos.y(), RULER_H), RULER_H + LANE_H * len(self.arrangement.lanes) - 1))
        bar = max(0, round(self.bar_at(pos.x()) - self._grab[2]))
        self._drop = (self._grab[0] if lane is None else lane, bar)
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self._trim is not None:
            lane, index, _ = self._trim
            placed = self.arrangement.lanes[lane].placements[index]
            if self._trim_to is not None and self._trim_to != (placed.start_bar, placed.end_bar):
                self.trim_requested.emit(lane, index, *self._trim_to)
            self._trim = self._trim_to = None
            self.update()
            return
        if self._lane_grab is not None:
            if self._lane_to is not None and self._lane_to != self._lane_grab:
                self.lane_move_requested.emit(self._lane_grab, self._lane_to)
            self._lane_grab = self._lane_to = None
            self.update()
            return
        if self._ruler_from is not None:
            if self.range is None:
                self.cursor_bar = self._ruler_from
            self._ruler_from = None
            self.cursor_changed.emit()
        elif self._grab is not None and self._drop is not None:
            lane, index, _ = self._grab
            to_lane, bar = self._drop
            if (to_lane, bar) != (lane, self.arrangement.lanes[lane].placements[index].start_bar):
                self.move_requested.emit(lane, index, to_lane, bar)
        self._press = self._grab = self._drop = None
        self.update()

    def _lane_menu(self, lane: int, at: QPoint) -> None:
        """Right-click on a lane's head: move it up or down, rename it, remove it (when empty)."""
        menu = QMenu(self)
        up = menu.addAction("Move lane up", lambda: self.lane_move_requested.emit(lane, lane - 1))
        up.setEnabled(lane > 0)
        down = menu.addAction("Move lane down", lambda: self.lane_move_requested.emit(lane, lane + 1))
        down.setEnabled(lane + 1 < len(self.arrangement.lanes))
        menu.addAction("Rename lane…", lambda: self.rename_requested.emit(lane))
        gone = menu.addAction("Remove lane", lambda: self.lane_remove_requested.emit(lane))
        if self.arrangement.lanes[lane].placements:
            gone.setEnabled(False)
            gone.setToolTip("Remove or move its clips first")
        menu.popup(at)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        pos = event.position()
        lane = self.lane_at(pos.y())
        if lane is not None and pos.x() < self.mute_rect(lane).left() - 2:
            self.rename_requested.emit(lane)
            return
        hit = self.clip_at(pos)
        if hit is not None:
            self.clip_opened.emit(*hit)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        if midi_paths(event.mimeData().urls()):
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 - Qt override
        if midi_paths(event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        """Dropped .mid files go to the lane under the pointer (the nearest one) at the bar under it."""
        paths = midi_paths(event.mimeData().urls())
        if not paths:
            return
        pos = event.position()
        last = max(0, len(self.arrangement.lanes) - 1)
        lane = self.lane_at(pos.y())
        lane = (0 if pos.y() < RULER_H else last) if lane is None else lane
        self.files_dropped.emit(lane, max(0, int(self.bar_at(pos.x()))), paths)
        event.acceptProposedAction()

    def event(self, event: QEvent) -> bool:
        """Delete and Backspace belong to the lanes while they have focus (not the window's "delete
        selected notes" shortcut)."""
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
                event.accept()
                return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.selected is not None:
            self.remove_requested.emit(*self.selected)
        else:
            super().keyPressEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt override
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom(1.15 if event.angleDelta().y() > 0 else 1 / 1.15)
            event.accept()
        else:
            super().wheelEvent(event)
