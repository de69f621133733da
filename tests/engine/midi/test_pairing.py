"""engine.midi.reader.pair_notes (vectorised) against the first-on-first-off loop it replaced, on random
tracks full of the awkward cases: note-offs with nothing sounding, note-on velocity 0, stacked notes of one
key, notes never ended, other events in between."""

from __future__ import annotations

from collections import deque

import numpy as np

from engine.midi.reader import grid_note, grid_notes, pair_notes
from engine.music.source import NotePair, SourceTrack


def _reference(tracks: list[SourceTrack], tpq: int) -> list[NotePair]:
    pairs: list[NotePair] = []
    for index, track in enumerate(tracks):
        sounding: dict[tuple[int, int], deque[tuple[int, int, int]]] = {}
        for i, (tick, raw) in enumerate(track.events):
            kind = raw[0] & 0xF0
            if kind not in (0x80, 0x90):
                continue
            key = (raw[0] & 0x0F, raw[1])
            if kind == 0x90 and raw[2] > 0:
                sounding.setdefault(key, deque()).append((tick, raw[2], i))
            elif sounding.get(key):
                on, velocity, at = sounding[key].popleft()
                off_velocity = raw[2] if kind == 0x80 else 0
                pairs.append(NotePair(index, key[0], key[1], on, tick, velocity, off_velocity, at, i))
        for (channel, pitch), waiting in sounding.items():
            for on, velocity, at in waiting:
                end = max(track.end, on + max(1, tpq // 4))
                pairs.append(NotePair(index, channel, pitch, on, end, velocity, 0, at, -1))
    pairs.sort(key=lambda p: (p.track, p.on_index))
    return pairs


def _random_track(rng: np.random.Generator) -> SourceTrack:
    events, tick = [], 0
    for _ in range(int(rng.integers(0, 120))):
        tick += int(rng.integers(0, 3)) * 60
        kind = rng.choice([0x80, 0x90, 0x90, 0xB0, 0xC0, 0xFF])
        channel, pitch = int(rng.integers(0, 3)), int(rng.integers(60, 64))  # few keys: many collisions
        if kind == 0xFF:
            events.append((tick, b"\xff\x01\x02hi"))
        elif kind == 0xC0:
            events.append((tick, bytes((0xC0 | channel, 5))))
        else:
            value = int(rng.choice([0, 1, 64, 127]))
            events.append((tick, bytes((int(kind) | channel, pitch, value))))
    return SourceTrack("t", tuple(events), tick + int(rng.integers(0, 500)))


def test_vectorised_pairing_equals_the_loop() -> None:
    rng = np.random.default_rng(7)
    for _ in range(300):
        tracks = [_random_track(rng) for _ in range(int(rng.integers(1, 4)))]
        tpq = int(rng.choice([1, 96, 480]))
        pairs = pair_notes(tracks, tpq)
        assert pairs == _reference(tracks, tpq)
        assert grid_notes(tuple(pairs), tpq) == [grid_note(p, tpq, r) for r, p in enumerate(pairs)]
        assert [n.ref for n in grid_notes(tuple(pairs), tpq)] == list(range(len(pairs)))
