# SPDX-License-Identifier: MIT
"""Drag clips into a DAW: clips become a .mid file in the output folder, offered as a file URL.

DAWs (Ableton, Bitwig, Reaper, Logic) accept a dropped file URL; the MIME data also carries the raw
bytes as "audio/midi" for apps that read data instead of files. A drag needs the file before the drop
(the URL must point at something), so every drag-out (`DragOut`, the clip lists' `ClipList.startDrag`)
writes it when the drag starts and `run_drag` deletes it again when the drag is cancelled or ends inside
Bandmate (a lane, the blend pad: they read the file at the drop and keep the clip): only a drop on
another app leaves a file. The file carries the transport's tempo (`DragOut.tempo`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QByteArray, QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDrag, QMouseEvent, QPixmap
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from engine.midi.files import write_midi
from engine.music.pattern import Pattern

MIDI_MIME = "audio/midi"


def safe_name(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.")
    return cleaned[:60] or "clip"


def export_clip(clips: Sequence[Pattern], folder: str | Path, name: str) -> Path:
    """Write the clips (joined) as `folder/name.mid`; an existing file gets a time-stamped name."""
    folder = Path(folder).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{safe_name(name)}.mid"
    if path.exists():
        path = folder / f"{safe_name(name)}-{time.strftime('%H%M%S')}-{time.monotonic_ns() % 1000:03d}.mid"
    write_midi(Pattern.join(clips), path)
    return path


def clip_mime(clips: Sequence[Pattern], folder: str | Path, name: str) -> QMimeData:
    """MIME data for dragging the clips out: a file URL of a fresh .mid file plus its bytes."""
    path = export_clip(clips, folder, name)
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(path))])
    data.setData(MIDI_MIME, QByteArray(path.read_bytes()))
    return data


def written_paths(data: QMimeData) -> list[Path]:
    """The local files a drag's MIME data points at (the .mid files a drag-out wrote)."""
    return [Path(u.toLocalFile()) for u in data.urls() if u.isLocalFile()]


def tidy_after_drag(paths: Sequence[Path], action: Qt.DropAction, inside: bool) -> None:
    """After a drag-out: a cancelled one (no drop: IgnoreAction) or one dropped inside Bandmate (`inside`:
    the drop read the file at once) removes the files it wrote; a drop on another app keeps them."""
    if action == Qt.DropAction.IgnoreAction or inside:
        for path in paths:
            path.unlink(missing_ok=True)


def run_drag(
    source: QWidget,
    data: QMimeData,
    actions: Qt.DropAction = Qt.DropAction.CopyAction,
    pixmap: QPixmap | None = None,
) -> Qt.DropAction:
    """Drag `data` (written by `clip_mime`) out of `source` until it is dropped or cancelled, then tidy
    up its files (`tidy_after_drag`); returns the drop action (IgnoreAction when cancelled)."""
    drag = QDrag(source)
    drag.setMimeData(data)
    if pixmap is not None:
        drag.setPixmap(pixmap)
    paths = written_paths(data)
    action = drag.exec(actions, Qt.DropAction.CopyAction)
    tidy_after_drag(paths, action, inside=drag.target() is not None)  # target(): a widget of this app
    return action


class DragOut(QLabel):
    """A handle to drag the current clip (or the arrangement) into a DAW; `clips()` says what to drag."""

    def __init__(
        self,
        text: str,
        clips: Callable[[], list[Pattern]],
        folder: Callable[[], str],
        name: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(text, parent)
        self.clips, self.folder, self.name = clips, folder, name
        self.tempo: Callable[[], float] | None = None  # the transport's BPM: the tempo the file gets
        self.last_path: Path | None = None
        self.setToolTip("Drag this into your DAW to drop a .mid file")
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setStyleSheet("QLabel { border: 1px dashed #7d848d; border-radius: 4px; padding: 4px 8px; }")
        self._press: QPoint | None = None

    def mime(self) -> QMimeData | None:
        clips = self.clips()
        if not clips:
            return None
        if self.tempo is not None:
            bpm = self.tempo()
            clips = [Pattern.join(clips).at_tempo(bpm)]
        data = clip_mime(clips, self.folder(), self.name)
        self.last_path = Path(data.urls()[0].toLocalFile())
        return data

    def finish(self, action: Qt.DropAction, inside: bool = False) -> None:
        """After the drag: a cancelled one (no drop), or one dropped inside Bandmate, removes the file."""
        if self.last_path is not None:
            tidy_after_drag([self.last_path], action, inside)
        self.last_path = None

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        self._press = event.position().toPoint()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self._press is None or (event.position().toPoint() - self._press).manhattanLength() < 6:
            return
        self._press = None
        data = self.mime()
        if data is not None:
            run_drag(self, data)
            self.last_path = None
