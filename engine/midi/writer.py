# SPDX-License-Identifier: MIT
"""The one MIDI writer: Pattern -> events -> a file, the player's Timeline, FluidSynth (via the Timeline).

`events_of(pattern)` gives every event to write as (tick, SMF track, raw bytes). With a source (a pattern
read from a file) every source event is written as it was, except the notes whose grid view changed
(rewritten by shifting their exact ticks by the change), the notes that are gone, and new notes (ref -1).
Without one: a tempo track (tempo and meter maps), then one track per instrument with its name and
program, drums on channel 10. Both paths end each note no later than the next onset of the same pitch on
the same channel, and order each instant so that a note-off closes only a note that sounded before it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar

from engine.midi.reader import grid_notes, source_tempo_map
from engine.music import timing
from engine.music.pattern import Meter, Note, Pattern, Track
from engine.music.source import MidiSource
from models.store import atomic_write
from models.vocab import DRUM_CHANNEL

PITCHED_CHANNELS = tuple(c for c in range(16) if c != DRUM_CHANNEL)
MAX_NAME_BYTES = 255


@dataclass(slots=True)
class _Event:
    tick: int
    track: int
    seq: float  # order within the track at one tick: source events keep their index
    data: bytes
    pair: int = -1  # the note this on/off belongs to; -1 for other events
    on: bool = False


@dataclass(slots=True)
class _Pair:
    channel: int
    pitch: int
    on: _Event
    off: _Event
    kept: bool = False  # a source note written as it was


@dataclass(slots=True)
class Written:
    """What `events_of` gives: ticks per quarter, the events in order, the tick each track ends.

    Attributes:
        events: (tick, SMF track index, raw bytes) sorted by tick; within one tick a track's events keep
            their written order. Raw bytes as in engine.music.source (status + data; FF meta; F0 sysex).
        ends: per SMF track, the tick of its end-of-track.
        format: the SMF format to write (0 or 1; 2 when the source was).
    """

    tpq: int
    events: list[tuple[int, int, bytes]]
    ends: list[int]
    format: int = 1
    _ordered: list[_Event] = field(default_factory=list, repr=False)


def track_channels(pattern: Pattern) -> list[int]:
    """The channel each track plays on: its own `channel`, else drums on 10 (index 9) and pitched
    tracks on the free channels in order (wrapping when there are more than 15)."""
    taken = {t.channel for t in pattern.tracks if t.channel is not None}
    if pattern.source is not None:
        taken |= _source_channels(pattern)
    free = [c for c in PITCHED_CHANNELS if c not in taken] or list(PITCHED_CHANNELS)
    out, pitched = [], 0
    for track in pattern.tracks:
        if track.channel is not None:
            out.append(track.channel)
        elif track.is_drum:
            out.append(DRUM_CHANNEL)
        else:
            out.append(free[pitched % len(free)])
            pitched += 1
    return out


def _source_channels(pattern: Pattern) -> set[int]:
    assert pattern.source is not None
    return {raw[0] & 0x0F for t in pattern.source.tracks for _, raw in t.events if raw[0] < 0xF0}


def events_of(pattern: Pattern, live: bool = False) -> Written:
    """Every event to write for `pattern`, at the source's ticks per quarter (480 without a source).

    A file (`live` False) keeps the source's own notes exactly, overlaps of one key included (a DAW pairs
    them as the file means); only changed and new notes and their neighbours on the same key are fixed.
    For a synth (`live` True: the player and the renderer) every note of a key ends before the key's next
    onset, since the synth releases the key at the first note-off.
    """
    if pattern.source is not None:
        tpq, events, pairs, ends, fmt = _from_source(pattern)
    else:
        tpq, events, pairs, ends, fmt = _fresh(pattern)
    kept = set() if live else {p.on.pair for p in pairs if p.kept}
    _end_before_next_onset(pairs, kept)
    ordered = _ordered(events, kept)
    for e in ordered:
        ends[e.track] = max(ends[e.track], e.tick)
    return Written(tpq, [(e.tick, e.track, e.data) for e in ordered], ends, fmt, ordered)


def _note_events(
    n: Note, channel: int, track: int, tps: float, seq: float, pid: int, end: int | None = None
) -> _Pair:
    on = max(0, round((n.start + n.offset) * tps))
    off = round((n.end + n.offset) * tps)
    if end is not None:
        off = min(off, end)  # a late last note ends with the clip, so the file stays the clip's length
    off = max(off, on + 1)
    return _Pair(
        channel,
        n.pitch,
        _Event(on, track, seq, bytes((0x90 | channel, n.pitch, n.velocity)), pid, True),
        _Event(off, track, seq + 0.5, bytes((0x80 | channel, n.pitch, 0)), pid, False),
    )


def _meta(kind: int, body: bytes) -> bytes:
    return bytes((0xFF, kind)) + _varlen(len(body)) + body


def _name_bytes(name: str) -> bytes:
    """UTF-8, cut to MAX_NAME_BYTES on a character boundary."""
    data = name.encode("utf-8")[:MAX_NAME_BYTES]
    return data.decode("utf-8", "ignore").encode("utf-8")


def _header_events(track: Track, channel: int, index: int) -> list[_Event]:
    out = []
    if track.name:
        out.append(_Event(0, index, -2, _meta(0x03, _name_bytes(track.name))))
    if not track.is_drum or track.program:  # on channel 10 a program picks the kit: only when set
        out.append(_Event(0, index, -1, bytes((0xC0 | channel, track.program))))
    return out


def _fresh(pattern: Pattern) -> tuple[int, list[_Event], list[_Pair], list[int], int]:
    tpq = timing.WRITE_TPQ
    tps = timing.ticks_per_step(tpq)
    end = round(pattern.steps * tps)
    events = [_Event(0, 0, 0, _meta(0x51, timing.bpm2tempo(pattern.tempo).to_bytes(3, "big")))]
    events.append(_Event(0, 0, 1, _time_signature(pattern.meter)))
    for i, (step, bpm) in enumerate(pattern.tempo_map):
        events.append(
            _Event(round(step * tps), 0, 2 + i, _meta(0x51, timing.bpm2tempo(bpm).to_bytes(3, "big")))
        )
    for i, (step, meter) in enumerate(pattern.meter_map):
        events.append(_Event(round(step * tps), 0, 2 + len(pattern.tempo_map) + i, _time_signature(meter)))
    pairs: list[_Pair] = []
    for index, (track, channel) in enumerate(zip(pattern.tracks, track_channels(pattern), strict=True), 1):
        events += _header_events(track, channel, index)
        for i, n in enumerate(track.notes):
            pairs.append(_note_events(n, channel, index, tps, i, len(pairs), end))
    for p in pairs:
        events += [p.on, p.off]
    return tpq, events, pairs, [end] * (len(pattern.tracks) + 1), 1


def _time_signature(meter: Meter) -> bytes:
    exp = meter.denominator.bit_length() - 1
    return _meta(0x58, bytes((meter.numerator, exp, 24, 8)))


def _from_source(pattern: Pattern) -> tuple[int, list[_Event], list[_Pair], list[int], int]:  # noqa: C901
    src = pattern.source
    assert src is not None
    tps = timing.ticks_per_step(src.tpq)
    dropped: set[tuple[int, int]] = set()  # (track, index) of source events not written
    for note in src.notes:
        dropped.add((note.track, note.on_index))
        if note.off_index >= 0:
            dropped.add((note.track, note.off_index))
    events = [
        _Event(tick, t, i, raw)
        for t, track in enumerate(src.tracks)
        for i, (tick, raw) in enumerate(track.events)
        if (t, i) not in dropped
    ]
    ends = [t.end for t in src.tracks]
    if source_tempo_map(src, pattern.steps) != (pattern.tempo, pattern.tempo_map):
        # the clip's tempo was changed (an export at the transport's tempo): the file's own tempo events
        # go, the clip's tempo map is written in the first track instead
        events = [e for e in events if e.data[:2] != b"\xff\x51"]
        tps_src = timing.ticks_per_step(src.tpq)
        changes = [(0.0, pattern.tempo), *pattern.tempo_map]
        events += [
            _Event(
                round(step * tps_src),
                0,
                -2 + i / (len(changes) + 1),
                _meta(0x51, timing.bpm2tempo(bpm).to_bytes(3, "big")),
            )
            for i, (step, bpm) in enumerate(changes)
        ]
    pairs: list[_Pair] = []
    used: set[int] = set()
    channels = track_channels(pattern)
    grid = grid_notes(src.notes, src.tpq)  # every source note's grid view, at once
    extra = 0
    for track, channel in zip(pattern.tracks, channels, strict=True):
        home = next((src.notes[n.ref].track for n in track.notes if 0 <= n.ref < len(src.notes)), None)
        if home is None:  # a new track: its own SMF track, name and program
            home = len(ends)
            ends.append(0)
            events += _header_events(track, channel, home)
        for n in track.notes:
            if 0 <= n.ref < len(src.notes) and n.ref not in used:
                used.add(n.ref)
                pairs.append(_source_note(src, n, grid[n.ref], track, tps, len(pairs)))
            else:
                extra += 1
                pairs.append(_note_events(n, channel, home, tps, 10**9 + extra, len(pairs)))
    for p in pairs:
        events += [p.on, p.off]
    fmt = 1 if src.format == 0 and len(ends) > 1 else src.format
    return src.tpq, events, pairs, ends, fmt


def _source_note(src: MidiSource, n: Note, old: Note, track: Track, tps: float, pid: int) -> _Pair:
    """A source note as it was, or moved by the change of its grid view from `old` (the source note's
    `grid_note`) to `n` (its length kept unless that changed too)."""
    p = src.notes[n.ref]
    events = src.tracks[p.track].events
    channel = p.channel if track.channel is None else track.channel
    on_raw = events[p.on_index][1]
    off_raw = events[p.off_index][1] if p.off_index >= 0 else bytes((0x80 | p.channel, p.pitch, 0))
    off_seq = p.off_index if p.off_index >= 0 else 10**9
    if (old.pitch, old.start, old.end, old.velocity, old.offset) == (
        n.pitch,
        n.start,
        n.end,
        n.velocity,
        n.offset,
    ) and channel == p.channel:
        return _Pair(p.channel, p.pitch, _Event(p.on, p.track, p.on_index, on_raw, pid, True),
                     _Event(p.off, p.track, off_seq, off_raw, pid, False), p.off_index >= 0)  # fmt: skip
    on = max(0, p.on + round(((n.start + n.offset) - (old.start + old.offset)) * tps))
    length = p.off - p.on if n.duration == old.duration else round(n.duration * tps)
    on_raw = bytes((0x90 | channel, n.pitch, n.velocity))
    off_raw = bytes((off_raw[0] & 0xF0 | channel, n.pitch, off_raw[2]))
    return _Pair(
        channel,
        n.pitch,
        _Event(on, p.track, p.on_index, on_raw, pid, True),
        _Event(on + max(length, 0), p.track, off_seq, off_raw, pid, False),
    )


def _end_before_next_onset(pairs: list[_Pair], kept: set[int]) -> None:
    """End each note no later than the next onset of the same pitch on the same channel (a synth
    releases the key at the first note-off, which would choke the later note); two `kept` notes stay."""
    by_key: dict[tuple[int, int], list[_Pair]] = {}
    for p in pairs:
        by_key.setdefault((p.channel, p.pitch), []).append(p)
    for group in by_key.values():
        if len(group) < 2:
            continue
        group.sort(key=lambda p: (p.on.tick, p.on.track, p.on.seq))
        for a, b in zip(group, group[1:], strict=False):
            if a.off.tick > b.on.tick and not (a.on.pair in kept and b.on.pair in kept):
                a.off.tick = b.on.tick


def _ordered(events: list[_Event], kept: set[int]) -> list[_Event]:
    """Sorted by (tick, track, seq), then each instant fixed so that an off closes only a note that
    sounded before it: an off due with the next onset of its key goes first, a zero-length note's off
    after its own on."""
    events.sort(key=lambda e: (e.tick, e.track, e.seq))
    return order_instants(events, kept)


class InstantEvent(Protocol):
    """What `order_instants` reads of an event: its tick, its note (`pair`, -1 for other events), whether
    it is the note-on, and its raw bytes (status, key, ...)."""

    @property
    def tick(self) -> int: ...
    @property
    def pair(self) -> int: ...
    @property
    def on(self) -> bool: ...
    @property
    def data(self) -> bytes: ...


_E = TypeVar("_E", bound=InstantEvent)


def order_instants(events: list[_E], kept: frozenset[int] | set[int] = frozenset()) -> list[_E]:
    """`events` (sorted by tick; each with .tick, .pair, .on, .data) with every instant in a safe order;
    an off of a `kept` pair is not moved before the onset of another `kept` pair. Linear in the events
    (plus the notes of one key sounding at once)."""
    out: list[_E] = []
    sounding: dict[tuple[int, int], set[int]] = {}
    i = 0
    while i < len(events):
        j = i
        while j < len(events) and events[j].tick == events[i].tick:
            j += 1
        out += _order_group(events[i:j], sounding, kept)
        i = j
    return out


def _key(e: InstantEvent) -> tuple[int, int]:
    return (e.data[0] & 0x0F, e.data[1])


def _order_group(
    group: list[_E], sounding: dict[tuple[int, int], set[int]], kept: frozenset[int] | set[int]
) -> list[_E]:
    """One instant: an off whose note sounds from before goes ahead of a new onset of its key; an off
    whose own onset comes later in the instant waits for it (a zero-length note)."""
    if len(group) == 1 and group[0].pair < 0:
        return group
    later_offs: dict[tuple[int, int], dict[int, int]] = {}  # key -> pair -> index of its off here
    for idx, e in enumerate(group):
        if e.pair >= 0 and not e.on:
            later_offs.setdefault(_key(e), {})[e.pair] = idx
    done = [False] * len(group)
    deferred: dict[int, _E] = {}
    out: list[_E] = []

    def emit(idx: int) -> None:
        e = group[idx]
        done[idx] = True
        out.append(e)
        if e.pair < 0:
            return
        key = _key(e)
        if e.on:
            sounding.setdefault(key, set()).add(e.pair)
            if e.pair in deferred:
                out.append(deferred.pop(e.pair))
                sounding[key].discard(e.pair)
        else:
            sounding.get(key, set()).discard(e.pair)
            later_offs.get(key, {}).pop(e.pair, None)

    for idx, e in enumerate(group):
        if done[idx]:
            continue
        if e.pair >= 0 and not e.on and e.pair not in sounding.get(_key(e), ()):
            done[idx] = True
            deferred[e.pair] = e  # its own note-on comes later in this instant
            later_offs[_key(e)].pop(e.pair, None)
            continue
        if e.pair >= 0 and e.on:
            offs, now = later_offs.get(_key(e)), sounding.get(_key(e))
            if offs and now:
                small, big = (offs, now) if len(offs) <= len(now) else (now, offs)
                for pair in [p for p in small if p in big and not (p in kept and e.pair in kept)]:
                    emit(offs[pair])
        emit(idx)
    return out + list(deferred.values())


def _varlen(value: int) -> bytes:
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.insert(0, 0x80 | (value & 0x7F))
        value >>= 7
    return bytes(out)


def smf_bytes(written: Written) -> bytes:
    """Standard MIDI File bytes of `written` (running status is not used)."""
    ntracks = len(written.ends)
    chunks = [bytearray() for _ in range(ntracks)]
    now = [0] * ntracks
    for tick, track, raw in written.events:
        chunks[track] += _varlen(tick - now[track]) + raw
        now[track] = tick
    for t in range(ntracks):
        chunks[t] += _varlen(max(written.ends[t] - now[t], 0)) + b"\xff\x2f\x00"
    fmt = 0 if written.format == 0 and ntracks == 1 else max(written.format, 1 if ntracks > 1 else 0)
    head = b"MThd" + struct.pack(">IHHH", 6, fmt, ntracks, written.tpq)
    return head + b"".join(b"MTrk" + struct.pack(">I", len(c)) + bytes(c) for c in chunks)


def midi_bytes(pattern: Pattern) -> bytes:
    """The pattern as Standard MIDI File bytes (see `events_of`)."""
    return smf_bytes(events_of(pattern))


def write_midi(pattern: Pattern, path: str | Path) -> None:
    """Write the pattern as a .mid file, atomically (models.store.atomic_write; WriteError if it fails)."""
    atomic_write(path, midi_bytes(pattern))
