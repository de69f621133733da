# SPDX-License-Identifier: MIT
"""Clips cut into the stream's bars: each note becomes a `LiveNote` of its part, with its micro-timing
and a density weight, in the bar where it starts."""

from __future__ import annotations

import random

from engine.live.mixer import metric_weight
from engine.live.stream import Bar, LiveNote
from engine.music.pattern import STEPS_PER_BAR, Pattern

CHANNELS = {"lead": 0, "bass": 1, "answer": 2, "drums": 9}  # drums on MIDI channel 10
PROGRAMS = {"lead": 81, "bass": 38, "answer": 0, "drums": 0}  # GM: saw lead, synth bass 1, piano, kit
BASS_LOW, BASS_HIGH = 28, 55  # MIDI notes: E1..G3, a bass guitar's useful range


def clip_bars(pattern: Pattern, part: str, bars: int, seed: int, program: int | None = None) -> list[Bar]:
    """`bars` bars of `pattern` looped, every note as a LiveNote of `part` on the part's channel.

    Pitched parts play on CHANNELS[part] with `program` (default: the clip's own program, else the
    part's); weights are the metrical weight with a jitter seeded by (seed, bar, step, pitch).
    """
    channel = CHANNELS[part]
    out: list[list[LiveNote]] = [[] for _ in range(bars)]
    programs: tuple[tuple[int, int], ...] = ()
    pitched = [t for t in pattern.tracks if not t.is_drum and t.notes]
    if part != "drums":
        chosen = program if program is not None else pitched[0].program if pitched else PROGRAMS[part]
        programs = ((channel, chosen),)
    total = bars * STEPS_PER_BAR
    for copy in range(-(-total // pattern.steps)):
        base = copy * pattern.steps
        for track in pattern.tracks:
            for n in track.notes:
                start = base + n.start
                if start >= total:
                    continue
                bar, step = divmod(start, STEPS_PER_BAR)
                jitter = random.Random(f"{seed}:{bar}:{step}:{n.pitch}").random()
                on = max(0.0, step + n.offset)
                out[bar].append(
                    LiveNote(on, max(on + 0.25, float(step + n.duration)), n.pitch, n.velocity, channel, part,
                             metric_weight(step, jitter))
                )  # fmt: skip
    return [Bar(tuple(notes), programs) for notes in out]


def merge(*bars: Bar) -> Bar:
    """One bar holding the notes and programs of several."""
    notes = tuple(n for b in bars for n in b.notes)
    programs = tuple(dict(p for b in bars for p in b.programs).items())
    return Bar(tuple(sorted(notes, key=lambda n: (n.on, n.channel, n.pitch))), programs)


def to_bass(pattern: Pattern) -> Pattern:
    """A melody moved by whole octaves so its notes sit in the bass range (BASS_LOW..BASS_HIGH)."""
    pitches = [n.pitch for t in pattern.tracks for n in t.notes]
    if not pitches:
        return pattern
    shift = 0
    while max(pitches) + shift > BASS_HIGH and min(pitches) + shift - 12 >= BASS_LOW - 12:
        shift -= 12
    tracks = []
    for t in pattern.tracks:
        notes = [
            n.__class__(min(127, max(0, n.pitch + shift)), n.start, n.end, n.velocity, n.offset)
            for n in t.notes
        ]
        tracks.append(t.with_notes(notes))
    return pattern.with_tracks(tracks)
