# SPDX-License-Identifier: MIT
"""Round-trip fidelity of a representation: the share of a song's notes that come back from the arrays.

A song's notes are those with onsets in its bars of every band meter (models.vocab.BAND_METERS), so a
4/4 config loses the bars in 3/4 or 7/8. Each config tiles its windows over the song (one after another,
the last one padded with rest), encodes and decodes each, and a note is kept when the decoded window has
a note of the same instrument (program, or the drum kit), pitch and onset step whose duration is within
one step (drum notes: any duration, a GM drum sounds the same) and whose velocity is within 8 (one bin
of 16). A window's notes are compared as the window holds them (cut at its end). Doubled notes (same
instrument, onset and pitch) count once. `MULTIPERF` measures Magenta's multi-instrument performance
encoding (engine/data/multiperf.py) on 1-bar windows of the 4/4 bars.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from engine.data.band import band_slots
from engine.data.converter import merged_drums
from engine.data.converters import CONVERTERS
from engine.data.multiperf import perf_events, perf_notes
from engine.midi.files import Song
from engine.music.pattern import Note, Pattern, Track

MULTIPERF = "multiperf_1bar"  # the baseline's name in results
VELOCITY_TOLERANCE = 8  # one bin of 16 over 1..127
_SLOTS = 8


@dataclass(frozen=True, slots=True)
class Fidelity:
    """Notes of the songs (in band-meter bars) and how many came back."""

    notes: int = 0
    kept: int = 0

    @property
    def share(self) -> float:
        return self.kept / self.notes if self.notes else 0.0

    def __add__(self, other: Fidelity) -> Fidelity:
        return Fidelity(self.notes + other.notes, self.kept + other.kept)


Key = tuple[bool, int, int, int]  # (drum, program, pitch, onset step)


def _notes(tracks: Iterable[Track]) -> dict[Key, Note]:
    """Distinct notes by (drum, program, pitch, onset), the loudest of doubled ones; drums as one kit."""
    tracks = list(tracks)
    out: dict[Key, Note] = {}
    for t in [t for t in tracks if not t.is_drum] + [merged_drums(tracks)]:
        for n in t.notes:
            key = (t.is_drum, 0 if t.is_drum else t.program, n.pitch, n.start)
            if key not in out or n.velocity > out[key].velocity:
                out[key] = n
    return out


def _kept(original: dict[Key, Note], decoded: dict[Key, list[Note]]) -> int:
    kept = 0
    for key, n in original.items():
        for d in decoded.get(key, ()):
            if abs(d.velocity - n.velocity) <= VELOCITY_TOLERANCE and (key[0] or abs(d.end - n.end) <= 1):
                kept += 1
                break
    return kept


def _by_key(tracks: Iterable[Track]) -> dict[Key, list[Note]]:
    out: dict[Key, list[Note]] = defaultdict(list)
    for t in tracks:
        for n in t.notes:
            out[(t.is_drum, 0 if t.is_drum else t.program, n.pitch, n.start)].append(n)
    return out


def _tiles(segment: Pattern, bars: int) -> list[Pattern]:
    """Windows of `bars` bars one after another over a one-meter segment, the last padded with rest."""
    bar = round(segment.meter.bar_steps)
    out = []
    for b in range(0, segment.bars, bars):
        window = segment.slice(b * bar, b * bar + bars * bar)
        out.append(dataclasses.replace(window, meter=segment.meter, meter_map=(), source=None))
    return out


def _multiperf(window: Pattern) -> list[Track]:
    """A 1-bar window through Magenta's performance events, up to 8 instruments (drums as one)."""
    out = []
    for t in band_slots(window.tracks, _SLOTS):
        notes = perf_notes(perf_events(t.notes, 0, window.steps), 0, window.steps)
        out.append(t.with_notes(notes))
    return out


def song_fidelity(song: Song, config: str) -> Fidelity:
    """The round trip of one song through `config` (a name of CONVERTERS, or MULTIPERF)."""
    total = sum(len(_notes(w.tracks)) for seg in song.meter_segments for w in _tiles(seg, 1))
    if config == MULTIPERF:
        kept = sum(
            _kept(_notes(w.tracks), _by_key(_multiperf(w))) for seg in song.segments for w in _tiles(seg, 1)
        )
        return Fidelity(total, kept)
    conv = CONVERTERS[config]
    kept = 0
    for seg in song.segments_for(conv.spec.any_meter):
        for window in _tiles(seg, conv.bars):
            decoded = conv.from_tensors(conv.to_tensors(window))
            kept += _kept(_notes(window.tracks), _by_key(decoded.tracks))
    return Fidelity(total, kept)


def round_trip(songs: Sequence[Song], configs: Sequence[str]) -> dict[str, Fidelity]:
    """Fidelity per config over `songs`."""
    out = {c: Fidelity() for c in configs}
    for song in songs:
        for c in configs:
            out[c] = out[c] + song_fidelity(song, c)
    return out
