# SPDX-License-Identifier: MIT
"""A small, strict Standard MIDI File reader with hard limits (size, events, length), used by midi_io.

It keeps only what Bandmate needs (notes, programs, tempo, time signatures, track names) and refuses bad
files with a one-line reason (`MidiError`) in bounded time and memory, before building any objects.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_EVENTS = 250_000
MAX_TRACKS = 256
MAX_SECONDS = 3 * 3600.0


class MidiError(Exception):
    """A file that cannot be used; str(e) is a plain one-line reason."""


@dataclass(slots=True)
class RawNote:
    start: int  # ticks
    end: int
    pitch: int
    velocity: int
    channel: int
    program: int


@dataclass(slots=True)
class RawTrack:
    name: str = ""
    notes: list[RawNote] = field(default_factory=list)


@dataclass(slots=True)
class RawMidi:
    """A parsed file: ticks per quarter, tracks, tempo map [(tick, us/quarter)], meters [(tick, num, den)]."""

    tpq: int
    tracks: list[RawTrack]
    tempos: list[tuple[int, int]]
    meters: list[tuple[int, int, int]]


def parse_smf(data: bytes) -> RawMidi:
    """Parse a whole file's bytes; raises MidiError with the reason."""
    if not data:
        raise MidiError("the file is empty")
    if len(data) > MAX_FILE_BYTES:
        raise MidiError(f"the file is too large ({len(data) / 2**20:.1f} MB; the limit is 8 MB)")
    if data[:4] != b"MThd":
        raise MidiError("not a MIDI file (no MThd header)")
    if len(data) < 14:
        raise MidiError("the file is cut short (truncated header)")
    hlen, fmt, ntracks, division = struct.unpack(">IHHH", data[4:14])
    if hlen < 6 or fmt > 2:
        raise MidiError("corrupt MIDI header")
    if division & 0x8000:
        raise MidiError("uses SMPTE time code instead of beats, which is not supported")
    if division == 0:
        raise MidiError("corrupt MIDI header: 0 ticks per beat")
    if ntracks > MAX_TRACKS:
        raise MidiError(f"has {ntracks} tracks; the limit is {MAX_TRACKS}")
    raw = RawMidi(division, [], [], [])
    budget = [MAX_EVENTS]
    pos = 8 + hlen
    while pos + 8 <= len(data) and len(raw.tracks) < ntracks:
        kind, length = data[pos : pos + 4], struct.unpack(">I", data[pos + 4 : pos + 8])[0]
        body_start, body_end = pos + 8, pos + 8 + length
        if body_end > len(data):
            raise MidiError(f"the file is cut short (track {len(raw.tracks) + 1} is truncated)")
        if kind == b"MTrk":
            raw.tracks.append(_parse_track(data, body_start, body_end, raw, budget))
        pos = body_end
    if not raw.tracks:
        raise MidiError("the file is cut short (no tracks)" if ntracks else "the file has no tracks")
    raw.tempos.sort()
    raw.meters.sort()
    return raw


def _varlen(data: bytes, pos: int, end: int) -> tuple[int, int]:
    value = 0
    for i in range(4):
        if pos >= end:
            raise MidiError("corrupt track data (a track ends in the middle of an event)")
        byte = data[pos]
        pos += 1
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value, pos
        if i == 3:
            break
    raise MidiError("corrupt track data (bad delta time)")


def _parse_track(data: bytes, pos: int, end: int, raw: RawMidi, budget: list[int]) -> RawTrack:  # noqa: C901
    track = RawTrack()
    tick, status = 0, 0
    programs = [0] * 16
    active: dict[tuple[int, int], list[tuple[int, int, int]]] = {}
    events = budget[0]
    while pos < end:
        events -= 1
        if events < 0:
            raise MidiError(f"has more than {MAX_EVENTS:,} events; the limit keeps preparing fast")
        delta, pos = _varlen(data, pos, end)
        tick += delta
        if pos >= end:
            raise MidiError("corrupt track data (a track ends in the middle of an event)")
        byte = data[pos]
        if byte & 0x80:
            pos += 1
            if byte < 0xF0:
                status = byte
        elif status:
            byte = status
        else:
            raise MidiError("corrupt track data (data byte without a status)")
        if byte == 0xFF:
            if pos >= end:
                raise MidiError("corrupt track data (a track ends in the middle of an event)")
            meta = data[pos]
            length, pos = _varlen(data, pos + 1, end)
            body = data[pos : pos + length]
            pos += length
            if pos > end:
                raise MidiError("corrupt track data (a meta event runs past its track)")
            if meta == 0x2F:
                break
            _meta(meta, body, tick, raw, track)
        elif byte in (0xF0, 0xF7):
            length, pos = _varlen(data, pos, end)
            pos += length
        elif byte >= 0xF0:
            raise MidiError(f"corrupt track data (unexpected status byte 0x{byte:X})")
        else:
            kind, channel = byte & 0xF0, byte & 0x0F
            size = 1 if kind in (0xC0, 0xD0) else 2
            if pos + size > end:
                raise MidiError("corrupt track data (a track ends in the middle of an event)")
            d1 = data[pos]
            d2 = data[pos + 1] if size == 2 else 0
            if (d1 | d2) & 0x80:
                raise MidiError("corrupt track data (bad note data)")
            pos += size
            if kind == 0x90 and d2 > 0:
                active.setdefault((channel, d1), []).append((tick, d2, programs[channel]))
            elif kind == 0x80 or kind == 0x90:
                _close(track, active, channel, d1, tick)
            elif kind == 0xC0:
                programs[channel] = d1
    for (channel, pitch), starts in active.items():
        for start, vel, prog in starts:  # hanging notes end with their track
            track.notes.append(
                RawNote(start, max(tick, start + raw.tpq // 4 or 1), pitch, vel, channel, prog)
            )
    budget[0] = events
    return track


def _close(track: RawTrack, active: dict, channel: int, pitch: int, tick: int) -> None:
    starts = active.get((channel, pitch))
    if starts:
        start, vel, prog = starts.pop(0)
        track.notes.append(RawNote(start, tick, pitch, vel, channel, prog))


def _meta(meta: int, body: bytes, tick: int, raw: RawMidi, track: RawTrack) -> None:
    if meta == 0x51 and len(body) == 3:
        tempo = int.from_bytes(body, "big")
        if tempo > 0:
            raw.tempos.append((tick, tempo))
    elif meta == 0x58 and len(body) >= 2:
        raw.meters.append((tick, body[0], 2 ** min(body[1], 8)))
    elif meta == 0x03 and not track.name:
        track.name = body.decode("latin-1", "replace").strip()[:80]
