# SPDX-License-Identifier: MIT
"""Songs and clips from MIDI files (through the one reader, engine.midi.reader) and writing them back
(through the one writer, engine.midi.writer).

`read_song` gives prepare and training a file's 4/4 segments and says why other parts were left out;
`read_clip` gives the generation commands and the app the whole file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.midi.reader import ReadResult, read_midi
from engine.midi.regions import song_segments
from engine.midi.smf import MidiError, load_bytes
from engine.midi.writer import midi_bytes, write_midi
from engine.music.pattern import Pattern, Role

__all__ = [
    "MidiError",
    "ReadResult",
    "Song",
    "TrackInfo",
    "load_bytes",
    "midi_bytes",
    "read_clip",
    "read_midi",
    "read_song",
    "write_midi",
]


@dataclass(frozen=True, slots=True)
class TrackInfo:
    """One instrument of a song, for reports: name, GM program, drum flag, role, note count."""

    name: str
    program: int
    is_drum: bool
    role: Role
    notes: int


@dataclass(frozen=True, slots=True)
class Song:
    """A file's usable 4/4 segments (whole bars on the 16th grid) and why other parts were left out.

    Attributes:
        tracks: every instrument of the file with its role (across all segments).
        skipped: the bars in other meters ("bars 1-21 are in 3/4").
        notes_in_segments: notes of the file whose onsets lie in the segments' bars.
        notices: what reading dropped or guessed (an unreadable event, drums found by name).
        meter_segments: the runs of whole bars in every meter the band models read (3/4, 6/8, 7/8...
            as well as 4/4), each in its own meter; `meter_skipped` the bars in other meters.
    """

    path: Path
    segments: tuple[Pattern, ...]
    skipped: tuple[str, ...]
    tracks: tuple[TrackInfo, ...] = ()
    notes_in_segments: int = 0
    notices: tuple[str, ...] = ()
    meter_segments: tuple[Pattern, ...] = ()
    meter_skipped: tuple[str, ...] = ()

    @property
    def bars(self) -> int:
        return sum(s.bars for s in self.segments)

    def segments_for(self, any_meter: bool) -> tuple[Pattern, ...]:
        """The segments a model reads: 4/4 only, or (`any_meter`, the band models) every band meter."""
        return self.meter_segments if any_meter else self.segments


def read_song(path: str | Path, data: bytes | None = None) -> Song:
    """A MIDI file's 4/4 segments; MidiError with a one-line reason for unusable files.

    `data` (the file's bytes) may be given when the caller already read them.
    """
    path = Path(path)
    result = read_midi(load_bytes(path) if data is None else data)
    pattern = result.pattern
    segments, skipped, metered, other = song_segments(pattern)
    infos = tuple(TrackInfo(t.name, t.program, t.is_drum, t.role, len(t.notes)) for t in pattern.tracks)
    onsets = sum(s.note_count for s in segments)
    return Song(
        path, tuple(segments), tuple(skipped), infos, onsets, result.notices, tuple(metered), tuple(other)
    )


def read_clip(path: str | Path) -> Pattern:
    """A musician's clip: the whole file, with its source (MidiError when it cannot be read)."""
    return read_midi(path).pattern
