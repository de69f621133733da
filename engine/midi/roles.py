# SPDX-License-Identifier: MIT
"""Which track plays which part: drums (channel 10), bass (GM 32-39, else the lowest line), lead, other."""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from engine.music.pattern import Role, Track
from models.vocab import GM_BASSES

BASS_PROGRAMS = GM_BASSES
LEAD_HINTS = ("melody", "lead", "vocal", "voice", "solo", "sopran", "tune")
BASS_HINTS = ("bass",)
MONOPHONIC_SHARE = 0.25  # at most this share of onsets may start while another note still sounds
LOWEST_BASS_MEAN = 60.0  # "lowest-playing track" counts as bass only below middle C on average
NOT_LEAD = {*range(88, 104), *range(112, 128)}  # pads, synth effects, percussive and sound effects
_PITCH, _START = operator.itemgetter(0), operator.itemgetter(1)  # of a TrackStats note (C speed)


@cache
def program_name(program: int) -> str:
    """The General MIDI name of `program` 0..127, e.g. 30 -> "Distortion Guitar" (pretty_midi's GM
    table, pretty_midi.constants.INSTRUMENT_MAP); ValueError outside 0..127. New tracks of the band and
    multitrack models are named so: a DAW shows what plays them."""
    if not 0 <= program <= 127:
        raise ValueError(f"GM program {program} is outside 0..127")
    from pretty_midi.constants import INSTRUMENT_MAP  # pretty_midi loads only when a name is asked for

    return str(INSTRUMENT_MAP[program])


@dataclass(frozen=True, slots=True)
class TrackStats:
    """What role assignment looks at: program, drum flag, name and the notes' (pitch, start, end)."""

    program: int
    is_drum: bool
    name: str
    notes: tuple[tuple[int, float, float], ...]

    @property
    def mean_pitch(self) -> float:
        return sum(map(_PITCH, self.notes)) / len(self.notes) if self.notes else 0.0

    def polyphony(self, tolerance: float) -> float:
        """Share of onsets that start while an earlier note of this track still sounds."""
        if len(self.notes) < 2:
            return 0.0
        overlapped, last_end = 0, float("-inf")
        for _, start, end in sorted(self.notes, key=_START):
            overlapped += start < last_end - tolerance
            last_end = max(last_end, end)
        return overlapped / len(self.notes)


def assign_roles(tracks: Sequence[TrackStats], tolerance: float = 0.5) -> list[Role]:
    """One role per track: every drum track DRUMS, at most one BASS and one LEAD, the rest OTHER.

    `tolerance` is the overlap (in the notes' time unit) still counted as monophonic.
    """
    roles = [Role.DRUMS if t.is_drum else Role.OTHER for t in tracks]
    pitched = [i for i, t in enumerate(tracks) if not t.is_drum and t.notes]
    bass = _pick_bass(tracks, pitched)
    if bass is not None:
        roles[bass] = Role.BASS
    lead = _pick_lead(tracks, [i for i in pitched if i != bass], tolerance)
    if lead is not None:
        roles[lead] = Role.LEAD
    return roles


def _pick_bass(tracks: Sequence[TrackStats], pitched: list[int]) -> int | None:
    named = [i for i in pitched if any(h in tracks[i].name.lower() for h in BASS_HINTS)]
    by_program = [i for i in pitched if tracks[i].program in BASS_PROGRAMS]
    for group in (by_program, named):
        if group:
            return min(group, key=lambda i: (tracks[i].mean_pitch, -len(tracks[i].notes)))
    if len(pitched) < 2:
        return None
    lowest = min(pitched, key=lambda i: tracks[i].mean_pitch)
    return lowest if tracks[lowest].mean_pitch < LOWEST_BASS_MEAN else None


def _pick_lead(tracks: Sequence[TrackStats], candidates: list[int], tolerance: float) -> int | None:
    candidates = [i for i in candidates if tracks[i].program not in NOT_LEAD] or candidates
    if not candidates:
        return None
    named = [i for i in candidates if any(h in tracks[i].name.lower() for h in LEAD_HINTS)]
    mono = [i for i in candidates if tracks[i].polyphony(tolerance) <= MONOPHONIC_SHARE]
    group = named or mono or candidates
    return max(group, key=lambda i: (tracks[i].mean_pitch, len(tracks[i].notes)))


def stats_of(track: Track) -> TrackStats:
    """TrackStats of a pattern track (times in steps)."""
    return TrackStats(
        track.program,
        track.is_drum,
        track.name,
        tuple((n.pitch, float(n.start), float(n.end)) for n in track.notes),
    )


def gm_named(tracks: Sequence[Track]) -> list[Track]:
    """The tracks, each pitched one without a name named by its GM program (`program_name`)."""
    named = dataclasses.replace
    return [t if t.is_drum or t.name else named(t, name=program_name(t.program)) for t in tracks]


def with_roles(tracks: Sequence[Track]) -> tuple[Track, ...]:
    """The tracks with roles assigned from their notes (for decoded patterns and user clips)."""
    roles = assign_roles([stats_of(t) for t in tracks])
    return tuple(dataclasses.replace(t, role=r) for t, r in zip(tracks, roles, strict=True))
