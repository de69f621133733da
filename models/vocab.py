# SPDX-License-Identifier: MIT
"""The data contract's vocabularies, the one home of what engine, models and gui share about tokens.

Melody vocabulary (Magenta's MelodyOneHotEncoding): 0 no event, 1 note off, 2 + (pitch - 21) note-on of
MIDI pitch 21..108. Drum vocabulary: Magenta's 9 General MIDI drum classes as the bits of a 0..511 token.
Multitrack slots name their instrument by a program class: 0..127 General MIDI, then the drum kit and the
empty slot. Plain values only: models may import nothing of ours, and everyone imports this.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

MIN_PITCH, MAX_PITCH = 21, 108  # the piano's range: what the melody vocabulary can write
NO_EVENT, NOTE_OFF, FIRST_PITCH_TOKEN = 0, 1, 2
MELODY_VOCAB = FIRST_PITCH_TOKEN + MAX_PITCH - MIN_PITCH + 1  # 90

# Magenta's DEFAULT_DRUM_TYPE_PITCHES: the General MIDI keys of each class, the first one written back.
DRUM_PITCHES: tuple[tuple[int, ...], ...] = (
    (36, 35),
    (38, 27, 28, 31, 32, 33, 34, 37, 39, 40, 56, 65, 66, 75, 85),
    (42, 44, 54, 68, 69, 70, 71, 73, 78, 80, 22),
    (46, 67, 72, 74, 79, 81, 26),
    (45, 29, 41, 43, 61, 64, 84),
    (48, 47, 60, 63, 77, 86, 87),
    (50, 30, 62, 76, 83),
    (49, 52, 55, 57, 58),
    (51, 53, 59, 82),
)
DRUM_CLASS_NAMES = (
    "Kick",
    "Snare",
    "Closed hat",
    "Open hat",
    "Low tom",
    "Mid tom",
    "High tom",
    "Crash",
    "Ride",
)
DRUM_CLASSES = len(DRUM_PITCHES)  # 9
DRUM_VOCAB = 1 << DRUM_CLASSES  # 512: every set of classes hit on one step
DRUM_CLASS_OF: Mapping[int, int] = MappingProxyType(
    {pitch: k for k, pitches in enumerate(DRUM_PITCHES) for pitch in pitches}
)

GM_PROGRAMS = 128  # General MIDI programs 0..127
DRUM_KIT, EMPTY_SLOT = GM_PROGRAMS, GM_PROGRAMS + 1  # 128, 129: the other program classes of a slot
PROGRAM_CLASSES = GM_PROGRAMS + 2  # 130
MULTITRACK_VOCAB = MELODY_VOCAB + DRUM_VOCAB  # a slot's tokens: melody tokens, then 90 + drum token

GM_BASSES = range(32, 40)  # General MIDI's bass programs (acoustic bass ... synth bass 2)


def part_of_program(program: int) -> str:
    """The part a multitrack slot's program plays: "drums" (the kit), "bass" (GM basses), else "melody"
    (an empty slot counts as melody: it writes nothing)."""
    return "drums" if program == DRUM_KIT else "bass" if program in GM_BASSES else "melody"


DRUM_CHANNEL = 9  # 0-based MIDI channel of the General MIDI drum kit (channel 10)
NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")

# ---- the band vocabulary (band_* configs): one event sequence per (bar, instrument slot) --------------
# A note is a compound of events: [POS p] PITCH k  DUR d  [VEL b]  [MICRO m]. POS (the onset's 16th step
# within the bar) comes only when the onset moves, so the notes of a chord share one; VEL only when the
# velocity bin changes (as Magenta's performance encoding sends VELOCITY only on a change); MICRO only off
# the grid. END closes the sequence (and pads it). Pitches are MIDI 0..127, drum notes their GM key.
BAND_END = 0
BAND_MAX_BAR_STEPS = 32  # 16th steps a bar may hold (8/4); 12/8 needs 24
BAND_POS = 1  # POS p = BAND_POS + p, p in 0..31
BAND_PITCH = BAND_POS + BAND_MAX_BAR_STEPS  # PITCH k = BAND_PITCH + k, k in 0..127
BAND_MAX_DURATION = 64  # steps: longer notes are written as 64 (4 bars of 4/4)
BAND_DUR = BAND_PITCH + 128  # DUR d = BAND_DUR + d - 1, d in 1..64
VELOCITY_BINS = 16  # bins of 127/16 ~ 8 velocity steps (Magenta's multiperf_vel uses 8)
BAND_VEL = BAND_DUR + BAND_MAX_DURATION  # VEL b = BAND_VEL + b
MICRO_BINS = 8  # micro-timing in eighths of a 16th step, m in -4..3 (about 16 ms at 120 BPM)
BAND_MICRO = BAND_VEL + VELOCITY_BINS  # MICRO m = BAND_MICRO + m + 4
BAND_VOCAB = BAND_MICRO + MICRO_BINS  # 249
BAND_SLOTS = 8  # instruments per window: Magenta's multiperf max_num_instruments

# The meters a band model reads: (numerator, denominator); the index is the meter class the decoder is
# conditioned on. 2/2 reads as 4/4 (the same 16 steps). A bar has 16 * n / d sixteenth steps.
BAND_METERS: tuple[tuple[int, int], ...] = (
    (4, 4), (3, 4), (2, 4), (5, 4), (6, 4), (7, 4), (3, 8), (5, 8), (6, 8), (7, 8), (9, 8), (12, 8),
)  # fmt: skip
METER_CLASSES = len(BAND_METERS)


def meter_class(numerator: int, denominator: int) -> int | None:
    """The band meter class of a time signature (2/2 as 4/4), or None for a meter the band models lack."""
    if (numerator, denominator) == (2, 2):
        return 0
    try:
        return BAND_METERS.index((numerator, denominator))
    except ValueError:
        return None


def meter_steps(meter: int) -> int:
    """16th steps in one bar of band meter class `meter` (12 for 3/4 and 6/8, 14 for 7/8)."""
    n, d = BAND_METERS[meter]
    return 16 * n // d


def velocity_bin(velocity: int) -> int:
    """MIDI velocity 1..127 -> its bin 0..VELOCITY_BINS-1."""
    return min(VELOCITY_BINS - 1, max(0, (velocity - 1) * VELOCITY_BINS // 127))


def bin_velocity(b: int) -> int:
    """A velocity bin -> the MIDI velocity at its middle (1..127)."""
    return min(127, max(1, round(1 + (b + 0.5) * 127 / VELOCITY_BINS)))
