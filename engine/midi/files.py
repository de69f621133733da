# SPDX-License-Identifier: MIT
"""Robust MIDI reading (limits, plain reasons), 4/4 segmenting, quantising, roles; writing MIDI back.

Reading goes through `engine.midi.smf` (strict, bounded) and `engine.midi.quantize`; writing uses mido.
"""

from __future__ import annotations

import io
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import mido

from engine.midi.quantize import Instrument, Region, count_onsets, instruments_of, quantize_region, regions_of
from engine.midi.roles import TrackStats, assign_roles
from engine.midi.smf import MAX_FILE_BYTES, MAX_SECONDS, MidiError, RawMidi, parse_smf
from engine.music import timing
from engine.music.pattern import Pattern, Role
from models.store import atomic_write
from models.vocab import DRUM_CHANNEL

__all__ = [
    "MidiError",
    "Song",
    "TrackInfo",
    "read_song",
    "read_clip",
    "write_midi",
    "midi_bytes",
    "load_bytes",
]

MAX_BARS = 5000
PITCHED_CHANNELS = [c for c in range(16) if c != DRUM_CHANNEL]


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
        notes_in_segments: notes of the source whose onsets lie in the segments' bars, before quantising
            (compare with the segments' note_count to see what the 16th grid merged).
    """

    path: Path
    segments: tuple[Pattern, ...]
    skipped: tuple[str, ...]
    tracks: tuple[TrackInfo, ...] = ()
    notes_in_segments: int = 0

    @property
    def bars(self) -> int:
        return sum(s.bars for s in self.segments)


def load_bytes(path: str | Path) -> bytes:
    """A file's bytes, refusing folders, broken links and oversized files with a plain reason."""
    path = Path(path)
    if path.is_symlink() and not path.exists():
        raise MidiError("cannot be read: a broken link")
    if path.is_dir():
        raise MidiError("is a folder, not a MIDI file")
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):  # a pipe or device would block or never end
            raise MidiError("is not a regular file")
        size = info.st_size
        if size > MAX_FILE_BYTES:
            raise MidiError(f"the file is too large ({size / 2**20:.1f} MB; the limit is 8 MB)")
        with open(path, "rb") as fh:
            return fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise MidiError(f"cannot be read: {exc.strerror or exc}") from None


def read_song(path: str | Path, data: bytes | None = None) -> Song:
    """Read a MIDI file into 4/4 segments; raises MidiError with a one-line reason for unusable files.

    `data` (the file's bytes) may be given when the caller already read them.
    """
    path = Path(path)
    raw = parse_smf(load_bytes(path) if data is None else data)
    instruments = instruments_of(raw)
    if not instruments:
        raise MidiError("has no notes")
    end_tick = max(n.end for inst in instruments for n in inst.notes)
    _check_length(raw, end_tick)
    instruments = _with_roles(instruments, raw.tpq)
    segments, skipped, onsets = [], [], 0
    tps = timing.ticks_per_step(raw.tpq)
    for region in regions_of(raw, end_tick):
        if not timing.is_common_time(region.numerator, region.denominator):
            skipped.append(_meter_reason(region))
            continue
        segment = quantize_region(raw, region, instruments)
        if segment is not None:
            segments.append(segment)
            onsets += count_onsets(instruments, region, tps)
    infos = tuple(TrackInfo(i.name, i.program, i.is_drum, i.role, len(i.notes)) for i in instruments)
    return Song(path, tuple(segments), tuple(skipped), infos, onsets)


def read_clip(path: str | Path) -> Pattern:
    """A user's clip: its first 4/4 segment (normally the whole file). MidiError when it has none."""
    song = read_song(path)
    if not song.segments:
        why = "; ".join(song.skipped) or "no notes in 4/4 bars"
        raise MidiError(f"no 4/4 bars with notes ({why})")
    return song.segments[0]


def _meter_reason(region: Region) -> str:
    first, last = region.first_bar, region.first_bar + max(region.bars, 1) - 1
    where = f"bars {first}-{last} are" if last > first else f"bar {first} is"
    return f"{where} in {region.numerator}/{region.denominator}"


def _check_length(raw: RawMidi, end_tick: int) -> None:
    seconds = timing.ticks_to_seconds(end_tick, raw.tpq, raw.tempos)
    if seconds > MAX_SECONDS:
        raise MidiError(f"lasts {seconds / 3600:.1f} hours; the limit is {MAX_SECONDS / 3600:.0f} hours")
    bars = timing.ticks_to_steps(end_tick, raw.tpq) / 16
    if bars > MAX_BARS:
        raise MidiError(f"is {bars:,.0f} bars long; the limit is {MAX_BARS:,} bars")


def _with_roles(instruments: list[Instrument], tpq: int) -> list[Instrument]:
    stats = [
        TrackStats(
            i.program, i.is_drum, i.name, tuple((n.pitch, float(n.start), float(n.end)) for n in i.notes)
        )
        for i in instruments
    ]
    roles = assign_roles(stats, tolerance=tpq / 8)
    return [
        Instrument(i.name, i.program, i.is_drum, i.notes, r) for i, r in zip(instruments, roles, strict=True)
    ]


def to_midifile(pattern: Pattern) -> mido.MidiFile:
    """A type-1 MidiFile: a tempo track, then one track per instrument (drums on channel 10)."""
    tpq = timing.WRITE_TPQ
    mid = mido.MidiFile(type=1, ticks_per_beat=tpq)
    head = mido.MidiTrack()
    head.append(mido.MetaMessage("set_tempo", tempo=timing.bpm2tempo(pattern.tempo), time=0))
    head.append(mido.MetaMessage("time_signature", numerator=4, denominator=4, time=0))
    head.append(mido.MetaMessage("end_of_track", time=timing.steps_to_ticks(pattern.steps, tpq)))
    mid.tracks.append(head)
    pitched = 0
    for track in pattern.tracks:
        channel = DRUM_CHANNEL if track.is_drum else PITCHED_CHANNELS[pitched % len(PITCHED_CHANNELS)]
        pitched += not track.is_drum
        mid.tracks.append(_track_messages(track, channel, tpq, timing.steps_to_ticks(pattern.steps, tpq)))
    return mid


def _track_messages(track, channel: int, tpq: int, end: int) -> mido.MidiTrack:  # noqa: ANN001 - engine Track
    """A track's notes, played `offset` early or late; a late note ends by the clip's `end` tick, so the
    file stays the clip's length (a DAW loops it, and reading it back gives the same bars)."""
    events: list[tuple[int, int, mido.Message]] = []
    for n in track.notes:
        on = max(0, timing.steps_to_ticks(n.start + n.offset, tpq))
        off = max(on + 1, min(timing.steps_to_ticks(n.end + n.offset, tpq), end))
        events.append((on, 1, mido.Message("note_on", channel=channel, note=n.pitch, velocity=n.velocity)))
        events.append((off, 0, mido.Message("note_off", channel=channel, note=n.pitch, velocity=0)))
    events.sort(key=lambda e: (e[0], e[1]))  # note-offs before note-ons on the same tick
    out = mido.MidiTrack()
    name = track.name or (track.role.value if track.role != Role.OTHER else "")
    if name:
        out.append(mido.MetaMessage("track_name", name=name, time=0))
    if not track.is_drum:
        out.append(mido.Message("program_change", channel=channel, program=track.program, time=0))
    now = 0
    for tick, _, msg in events:
        out.append(msg.copy(time=tick - now))
        now = tick
    out.append(mido.MetaMessage("end_of_track", time=0))
    return out


def midi_bytes(pattern: Pattern) -> bytes:
    """The pattern as Standard MIDI File bytes (GM programs, drums on channel 10, tempo, velocities)."""
    buf = io.BytesIO()
    to_midifile(pattern).save(file=buf)
    return buf.getvalue()


def write_midi(pattern: Pattern, path: str | Path) -> None:
    """Write the pattern as a .mid file, atomically (models.store.atomic_write; WriteError if it fails)."""
    atomic_write(path, midi_bytes(pattern))
