# SPDX-License-Identifier: MIT
"""QtPlayer: the engine `Player` plus Qt signals and a 30 Hz QTimer that reads its position snapshot."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from engine.music.pattern import Pattern
from engine.playback.player import Player


class QtPlayer(QObject):
    """Plays clips through an engine Player; the engine thread only sets flags, Qt reads them on a timer.

    Signals:
        position(float): the playhead in steps, about 30 times a second while playing.
        playing_changed(bool): playback started or stopped.
        error(str): the output failed.
    """

    position = Signal(float)
    playing_changed = Signal(bool)
    error = Signal(str)

    def __init__(self, player: Player, hz: int = 30, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.player = player
        self.loop = True
        self._pattern: Pattern | None = None
        self._was_playing = False
        self._error: str | None = None
        player.on_error = self._on_error  # engine thread: only store, the timer reports it
        self.timer = QTimer(self)
        self.timer.setInterval(max(1, 1000 // hz))
        self.timer.timeout.connect(self._tick)

    @property
    def playing(self) -> bool:
        return self.player.playing

    def load(self, pattern: Pattern) -> None:
        """Play this clip from now on (while playing too, the position carries on)."""
        self._pattern = pattern
        self.player.load(pattern, loop=(0.0, float(pattern.steps)) if self.loop else None)

    def set_loop(self, loop: bool) -> None:
        self.loop = loop
        if self._pattern is not None:
            self.player.set_loop((0.0, float(self._pattern.steps)) if loop else None)

    def set_tempo(self, bpm: float) -> None:
        self.player.set_tempo(bpm)

    def play(self) -> None:
        if self._pattern is None or self.player.playing:
            return
        self.player.play()
        self.timer.start()
        self._tick()

    def stop(self) -> None:
        self.player.stop()
        self._tick()

    def toggle(self) -> None:
        self.stop() if self.player.playing else self.play()

    def close(self) -> None:
        self.timer.stop()
        self.player.close()

    def _on_error(self, reason: str) -> None:
        self._error = reason

    def _tick(self) -> None:
        playing = self.player.playing
        if playing != self._was_playing:
            self._was_playing = playing
            self.playing_changed.emit(playing)
        if self._error is not None:
            reason, self._error = self._error, None
            self.error.emit(reason)
        self.position.emit(self.player.position())
        if not playing:
            self.timer.stop()
