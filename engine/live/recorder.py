# SPDX-License-Identifier: MIT
"""Recording what the stream played (after the mixer) into a clip, one track per part, written as a
MIDI file through engine.midi.files.write_midi, so a jam can be dragged into a DAW."""

from __future__ import annotations

import math
import threading
from pathlib import Path

from engine.live.bars import PROGRAMS
from engine.live.stream import LiveNote
from engine.music.pattern import STEPS_PER_BAR, Note, Pattern, Role, Track

ROLES = {"drums": Role.DRUMS, "bass": Role.BASS, "lead": Role.LEAD, "answer": Role.OTHER}


class Recorder:
    """Collects played notes; `pattern()` is the recording so far, from the first bar played."""

    def __init__(self, tempo: float = 120.0) -> None:
        self.tempo = tempo
        self._lock = threading.Lock()
        self._notes: dict[str, list[Note]] = {}
        self._programs: dict[str, int] = {}
        self._first_bar: int | None = None
        self._last_step = 0

    def add(self, song_step: float, note: LiveNote, velocity: int) -> None:
        """One note played at `song_step` (steps, micro-timing included); the stream's on_note hook."""
        with self._lock:
            if self._first_bar is None:
                self._first_bar = int(song_step // STEPS_PER_BAR)
            at = song_step - self._first_bar * STEPS_PER_BAR
            start = max(0, math.floor(at + 0.5))
            offset = min(max(at - start, -0.5), 0.4999)
            end = max(start + 1, math.floor(at - note.on + note.off + 0.5))
            self._notes.setdefault(note.part, []).append(Note(note.pitch, start, end, velocity, offset))
            self._last_step = max(self._last_step, end)
            self._programs.setdefault(note.part, PROGRAMS.get(note.part, 0))

    def set_program(self, part: str, program: int) -> None:
        with self._lock:
            self._programs[part] = program

    def pattern(self, end_bar: int | None = None) -> Pattern:
        """The recording as a clip of whole bars (`end_bar` bars when given)."""
        with self._lock:
            bars = end_bar if end_bar is not None else max(1, -(-self._last_step // STEPS_PER_BAR))
            tracks = []
            for part, notes in self._notes.items():
                drum = part == "drums"
                program = self._programs.get(part, 0) if not drum else 0
                tracks.append(Track(tuple(notes), program, drum, ROLES.get(part, Role.OTHER), part))
            return Pattern(tuple(tracks), bars * STEPS_PER_BAR, self.tempo)

    def save(self, path: str | Path) -> Pattern:
        """Write the recording so far to `path` (folders made as needed); returns what was written."""
        from engine.midi.files import write_midi

        pattern = self.pattern()
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        write_midi(pattern, path)
        return pattern
