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
