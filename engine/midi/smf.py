# SPDX-License-Identifier: MIT
"""The one Standard MIDI File parser: strict bounds (size, events, tracks), salvage of damaged files.

`parse_smf` reads every event that reads cleanly, as raw bytes with its tick (engine.music.source): a
broken event (a data byte >= 0x80, a system message inside a file) is dropped, a track cut short keeps
what came before the cut, damaged bytes between tracks are skipped to the next track header; each loss is
named in `SmfFile.notices`. Files with nothing trustworthy (no header, 0 ticks per quarter, SMPTE time,
no track) or over a limit are refused with a one-line `MidiError`, in bounded time and memory.
"""

from __future__ import annotations

import os
import stat
import struct
from dataclasses import dataclass, field
from pathlib import Path

from engine.music.source import SourceTrack

MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_EVENTS = 100_000
MAX_TRACKS = 256
MAX_SECONDS = 3 * 3600.0
MAX_NAME_CHARS = 80
_SYSTEM_DATA = {0xF1: 1, 0xF2: 2, 0xF3: 1}  # system common messages with data bytes; others have none


class MidiError(Exception):
    """A file that cannot be used; str(e) is a plain one-line reason."""


@dataclass(slots=True)
class SmfFile:
    """A parsed file: ticks per quarter, SMF format (0, 1, 2), its tracks, and what was dropped."""

    tpq: int
    format: int
    tracks: list[SourceTrack]
    notices: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Track:
    events: list[tuple[int, bytes]] = field(default_factory=list)
    name: str = ""
    end: int = 0
    stop: int = 0  # byte position where reading stopped
    cut: str = ""  # why the track stopped early ("" = it ended normally)
    broken: int = 0  # events dropped as unreadable


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


def decode_text(body: bytes, limit: int = MAX_NAME_CHARS) -> str:
    """Text of a meta event: UTF-8 when it is valid UTF-8, else Latin-1; trimmed to `limit` whole
    characters, control characters removed."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = body.decode("latin-1")
    text = "".join(c for c in text if c.isprintable() or c == " ").strip()
    return text[:limit].rstrip()


def parse_smf(data: bytes) -> SmfFile:
    """Parse a whole file's bytes, salvaging what reads cleanly; MidiError when nothing is usable."""
    if not data:
        raise MidiError("the file is empty")
    if len(data) > MAX_FILE_BYTES:
        raise MidiError(f"the file is too large ({len(data) / 2**20:.1f} MB; the limit is 8 MB)")
    if data[:4] != b"MThd":
        raise MidiError("not a MIDI file (no MThd header)")
    if len(data) < 14:
        raise MidiError("the file is cut short (truncated header)")
    hlen, fmt, ntracks, division = struct.unpack(">IHHH", data[4:14])
    if hlen < 6:
        raise MidiError("corrupt MIDI header")
    if division & 0x8000:
        raise MidiError("uses SMPTE time code instead of beats, which is not supported")
    if division == 0:
        raise MidiError("corrupt MIDI header: 0 ticks per beat")
    notices: list[str] = []
    if fmt > 2:
        notices.append(f"the header names an unknown format ({fmt}); read as type 1")
        fmt = 1
    tracks = _read_chunks(data, min(8 + hlen, len(data)), notices)
    if not tracks:
        raise MidiError("the file is cut short (no tracks)" if ntracks else "the file has no tracks")
    return SmfFile(division, fmt, tracks, notices)


def _read_chunks(data: bytes, pos: int, notices: list[str]) -> list[SourceTrack]:
    """Every MTrk chunk from `pos` on; damage between chunks is skipped to the next "MTrk"."""
    tracks: list[SourceTrack] = []
    budget = [MAX_EVENTS]
    broken, cut = 0, []
    while pos + 8 <= len(data):
        kind, length = data[pos : pos + 4], struct.unpack(">I", data[pos + 4 : pos + 8])[0]
        if kind != b"MTrk":
            if kind.isalpha() and pos + 8 + length <= len(data):  # another kind of chunk: skip it
                pos += 8 + length
                continue
            found = data.find(b"MTrk", pos + 1)
            if found < 0:
                break
            notices.append(f"skipped {found - pos} damaged bytes before track {len(tracks) + 1}")
            pos = found
            continue
        if len(tracks) == MAX_TRACKS:
            notices.append(f"tracks after the {MAX_TRACKS}th were left out (the limit)")
            break
        body_end = min(pos + 8 + length, len(data))
        track = _parse_track(data, pos + 8, body_end, budget)
        number = len(tracks) + 1
        broken += track.broken
        if pos + 8 + length > len(data) and (track.cut or track.stop >= body_end):
            cut.append(f"track {number} is cut short at tick {track.end} (the file ends there)")
        elif track.cut:
            cut.append(f"track {number} {track.cut}; the rest of it was dropped")
        tracks.append(SourceTrack(track.name, tuple(track.events), track.end))
        pos = pos + 8 + length
        following = data.find(b"MTrk", track.stop, min(pos, len(data)))
        if following >= 0 or pos > len(data):  # a wrong chunk length: resume at the next track header
            pos = following if following >= 0 else data.find(b"MTrk", track.stop)
            if pos < 0:
                break
    if broken:
        notices.append(f"dropped {broken} unreadable event{'s' if broken > 1 else ''}")
    notices.extend(cut)
    return tracks


def _varlen(data: bytes, pos: int, end: int) -> tuple[int, int]:
    """A variable-length quantity (at most 4 bytes) at `pos`; ValueError when cut or too long."""
    value = 0
    for _ in range(4):
        if pos >= end:
            raise ValueError("ends in the middle of an event")
        byte = data[pos]
        pos += 1
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value, pos
    raise ValueError("has a bad delta time or length")


_BYTE = tuple(bytes((i,)) for i in range(256))  # one-byte bytes objects, made once
_DATA_BYTES = tuple(1 if i & 0xF0 in (0xC0, 0xD0) else 2 for i in range(256))  # of a channel message


def _parse_track(data: bytes, pos: int, end: int, budget: list[int]) -> _Track:  # noqa: C901
    """The events of one track body data[pos:end]; stops at end-of-track, or early with `cut` set.

    Running status is expanded; meta and sysex events keep it (as most readers do). MidiError when the
    whole file passes MAX_EVENTS (a limit, not damage). The common cases (a delta time of one or two
    bytes, a channel message with or without its status byte) take short paths; the events are the same.
    """
    track = _Track()
    tick, status = 0, 0
    events = track.events
    append = events.append
    left = budget[0]
    data_bytes, one_byte = _DATA_BYTES, _BYTE
    while pos < end:
        left -= 1
        if left < 0:
            raise MidiError(f"has more than {MAX_EVENTS:,} events; the limit keeps every command fast")
        start = pos
        try:
            delta = data[pos]
            pos += 1
            if delta >= 0x80:
                if pos < end and data[pos] < 0x80:  # a two-byte delta time
                    delta = (delta & 0x7F) << 7 | data[pos]
                    pos += 1
                else:
                    delta, pos = _varlen(data, start, end)
            if pos >= end:
                raise ValueError("ends in the middle of an event")
            byte = data[pos]
            if byte < 0x80:  # running status: data bytes only
                if status:
                    stop = pos + data_bytes[status]
                    if stop > end:
                        raise ValueError("ends in the middle of an event")
                    tick += delta
                    if (byte | data[stop - 1]) & 0x80:  # a damaged data byte: this event cannot be trusted
                        track.broken += 1
                    else:
                        append((tick, one_byte[status] + data[pos:stop]))
                    pos = stop
                    continue
                raise ValueError("has a data byte without a status")
            if byte < 0xF0:  # a channel message with its status byte
                status = byte
                stop = pos + 1 + data_bytes[byte]
                if stop > end:
                    raise ValueError("ends in the middle of an event")
                tick += delta
                if (data[pos + 1] | data[stop - 1]) & 0x80:
                    track.broken += 1
                else:
                    append((tick, data[pos:stop]))
                pos = stop
                continue
            pos += 1
            if byte == 0xFF or byte in (0xF0, 0xF7):
                head = pos
                if byte == 0xFF:
                    if pos >= end:
                        raise ValueError("ends in the middle of an event")
                    meta, pos = data[pos], pos + 1
                length, pos = _varlen(data, pos, end)
                if pos + length > end:
                    raise ValueError("has an event that runs past its end")
                body = data[pos : pos + length]
                pos += length
                if byte == 0xFF and meta == 0x2F:
                    tick += delta
                    break
                if byte == 0xFF and meta == 0x03 and not track.name:
                    track.name = decode_text(body)
                append((tick + delta, one_byte[byte] + data[head:pos]))
            else:  # a system message has no place in a file: drop it (and its data bytes)
                pos = min(pos + _SYSTEM_DATA.get(byte, 0), end)
                track.broken += 1
            tick += delta
        except ValueError as exc:
            track.cut = f"{exc} at tick {tick}"
            pos = start
            break
    budget[0] = left
    track.end = tick
    track.stop = pos
    return track
