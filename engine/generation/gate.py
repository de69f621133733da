# SPDX-License-Identifier: MIT
"""The sample-quality check: named defect checks of a generated clip against the training music.

Each check is a pure function `(measured clip, limits) -> list[Defect]` with a reason a musician
understands: `silence` (no note, or a longer rest than the music has), `empty_part` (a part the model
has is silent), `too_dense` (half again as many notes in a bar as the busiest 1% of the music's clips),
`held_too_long` (a note longer than the music ever holds one), `out_of_range` (pitches beyond the part's
range by more than `RANGE_SLACK` semitones). `Limits` holds what they compare with: the model card's
`GateStats`, or general limits when the card has none; `Limits.check(clip)` runs them all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from engine.data.gate_stats import PartView, clip_parts, longest_silence
from engine.music.pattern import STEPS_PER_BAR, Pattern
from models.card import GateStats, PartStats
from models.spec import DecoderKind, ModelSpec
from models.vocab import NOTE_NAMES

RANGE_SLACK = 3  # semitones beyond the part's range that still pass
TRANSPOSE_SPAN = 5  # training moves melodic parts up to 5 semitones each way (engine/data/dataset.py)
# A busy part of an unseen song of the band still passes: held-out Freedoom songs reach 1.32x the training
# songs' 99th percentile (drums, trio_16bar windows), while the bundled trio's noisy samples reach 2x.
DENSITY_SLACK = 1.5
REQUIRED_PRESENCE = 0.5  # a part the music plays in at least half of its clips is one the model has
WORDS = {"lead": "melody", "bass": "bass", "drums": "drums", "other": "other instruments"}
# General limits for a model whose card records no statistics of its music and whose training folder is
# gone: wide enough that real music passes (the widest of the bundled models' measured music), narrow
# enough to catch noise (a part on every 16th across the whole keyboard) and silence.
GENERAL_RANGES = {"lead": (28, 107), "bass": (23, 64), "other": (21, 108)}
# with DENSITY_SLACK, 48 drum hits in a bar: Freedoom's drums reach 45, Groove's 38, noise 58-80
GENERAL_DRUM_DENSITY = 32.0
GENERAL_LONGEST_NOTE = 4 * STEPS_PER_BAR


@dataclass(frozen=True, slots=True)
class Defect:
    """Why a clip fails: the `check` that found it, a short `label` to count ("no melody", "bass out of
    range") and the `detail` a musician reads ("bass up to C8; the music's bass spans E1-G3")."""

    check: str
    label: str
    detail: str


def pitch_name(pitch: int) -> str:
    """C4 = 60."""
    return f"{NOTE_NAMES[pitch % 12]}{pitch // 12 - 1}"


def length_words(steps: int) -> str:
    """16th steps in a musician's units: '3 beats', '2.5 bars'."""
    if steps < STEPS_PER_BAR:
        beats = steps / 4
        return f"{beats:g} beat{'s' * (beats != 1)}"
    bars = round(2 * steps / STEPS_PER_BAR) / 2  # to the half bar
    return f"{bars:g} bar{'s' * (bars != 1)}"


@dataclass(frozen=True, slots=True)
class Limits:
    """What the checks compare a clip with: the music's `GateStats`, the parts the model writes (roles:
    "lead", "bass", "drums"), the semitones training moved the melodic parts (0 or TRANSPOSE_SPAN), and
    whether they are general limits rather than measured ones."""

    stats: GateStats
    parts: tuple[str, ...] = ("lead", "bass", "drums")
    transposed_by: int = 0
    general: bool = False

    def check(self, clip: Pattern) -> tuple[Defect, ...]:
        """Every defect of the clip, in the order of CHECKS; empty when it passes."""
        measured = Measured.of(clip)
        return tuple(d for run in CHECKS for d in run(measured, self))


@dataclass(frozen=True, slots=True)
class Measured:
    """What the checks read of a clip: its parts, its note count, its longest rest (16ths)."""

    parts: dict[str, PartView]
    notes: int
    rest: int

    @classmethod
    def of(cls, clip: Pattern) -> Measured:
        return cls(clip_parts(clip), clip.note_count, longest_silence(clip))


def part_roles(spec: ModelSpec) -> tuple[str, ...]:
    """The roles of the parts a model always writes ("melody" is the lead): its fixed tracks. A multitrack
    or band model picks its instruments (an empty slot is one of its choices: 10% of Freedoom's bars leave
    out the bass, the melody or the drums, and the band corpus has no bass in 12% of its 4-bar windows, no
    instrument besides melody, bass and drums in 16%), so none of its parts is required; the report card's
    per-part presence compares how often its samples play each part with the music."""
    if spec.decoder in (DecoderKind.MULTITRACK, DecoderKind.BAND):
        return ()
    return tuple("lead" if p == "melody" else p for p in spec.parts)


def limits_for(spec: ModelSpec, stats: GateStats | None, transposed: bool) -> Limits:
    """The limits of a model of `spec` whose music measured `stats` (None: general limits)."""
    if stats is None:
        return general_limits(spec)
    return Limits(stats, part_roles(spec), TRANSPOSE_SPAN if transposed and spec.maskable else 0)


def general_limits(spec: ModelSpec) -> Limits:
    """Lenient limits from the model's config alone (no part is required)."""
    parts = []
    for name in ("lead", "bass", "drums", "other"):
        if name == "drums":
            if spec.reads_drums:
                parts.append(PartStats("drums", 0.0, GENERAL_DRUM_DENSITY, 1, None, None))
            continue
        if spec.reads_pitched:
            lo, hi = GENERAL_RANGES[name]
            parts.append(PartStats(name, 0.0, float("inf"), GENERAL_LONGEST_NOTE, lo, hi))
    rest = min(spec.steps - 1, max(STEPS_PER_BAR, spec.steps // 4))  # all-silent clips always fail
    return Limits(GateStats(0, rest, tuple(parts)), part_roles(spec), general=True)


def empty_part(clip: Measured, limits: Limits) -> list[Defect]:
    """A part the model writes, which the music plays in at least half of its clips, is silent."""
    if clip.notes == 0:  # `silence` says it
        return []
    out = []
    for part in limits.stats.parts:
        view = clip.parts.get(part.part)
        silent = view is None or view.notes == 0
        if silent and part.part in limits.parts and part.presence >= REQUIRED_PRESENCE:
            word = WORDS.get(part.part, part.part)
            detail = f"no {word}; the music has {word} in {part.presence:.0%} of its clips"
            out.append(Defect("empty part", f"no {word}", detail))
    return out


def too_dense(clip: Measured, limits: Limits) -> list[Defect]:
    """A bar with DENSITY_SLACK times as many notes of a part as the densest bar of 99% of the music's
    clips."""
    out = []
    for view, part in _known(clip, limits):
        if view.densest_bar > DENSITY_SLACK * part.densest_bar:
            word = WORDS.get(view.part, view.part)
            most = f"{part.densest_bar:g}"
            usual = (
                f"more than {most} is rare"
                if limits.general
                else (f"the music's {word} {_plays(word)} at most {most} in a bar (in 99% of its clips)")
            )
            detail = f"{view.densest_bar} {word} notes in bar {view.densest_at + 1}; {usual}"
            out.append(Defect("too dense", f"{word} too busy", detail))
    return out


def held_too_long(clip: Measured, limits: Limits) -> list[Defect]:
    """A note held longer than the music ever holds one in that part (drum hits have no length)."""
    out = []
    for view, part in _known(clip, limits):
        if part.lowest is not None and view.longest_note > part.longest_note:
            word = WORDS.get(view.part, view.part)
            whose = "the usual" if limits.general else "the music's"
            detail = (
                f"a {word} note held {length_words(view.longest_note)}; {whose} longest is "
                f"{length_words(part.longest_note)}"
            )
            out.append(Defect("held too long", f"{word} note held too long", detail))
    return out


def out_of_range(clip: Measured, limits: Limits) -> list[Defect]:
    """Pitches more than RANGE_SLACK semitones beyond the part's range (widened by the transposition the
    model learned)."""
    out = []
    slack = RANGE_SLACK + limits.transposed_by
    for view, part in _known(clip, limits):
        low, high, music_low, music_high = view.lowest, view.highest, part.lowest, part.highest
        if low is None or high is None or music_low is None or music_high is None:
            continue
        word = WORDS.get(view.part, view.part)
        whose = f"{word} usually" if limits.general else f"the music's {word}"
        span = f"{whose} spans {pitch_name(music_low)}-{pitch_name(music_high)}"
        if high > music_high + slack:
            detail = f"{word} up to {pitch_name(high)}; {span}"
            out.append(Defect("out of range", f"{word} out of range", detail))
        elif low < music_low - slack:
            detail = f"{word} down to {pitch_name(low)}; {span}"
            out.append(Defect("out of range", f"{word} out of range", detail))
    return out


def silence(clip: Measured, limits: Limits) -> list[Defect]:
    """No note at all, or a longer stretch in which nothing sounds than the music ever has."""
    if clip.notes == 0:
        return [Defect("silence", "silent", "not a single note")]
    longest = limits.stats.longest_silence
    if clip.rest > longest:
        whose = "music seldom rests" if limits.general else "the music never rests"
        detail = f"{length_words(clip.rest)} of silence; {whose} longer than {length_words(longest)}"
        return [Defect("silence", "long silence", detail)]
    return []


def _plays(word: str) -> str:
    return "play" if word.endswith("s") else "plays"


def _known(clip: Measured, limits: Limits) -> list[tuple[PartView, PartStats]]:
    """The clip's sounding parts that the music has too, with the music's statistics of them."""
    pairs = []
    for view in clip.parts.values():
        part = limits.stats.part(view.part)
        if part is not None and view.notes:
            pairs.append((view, part))
    return pairs


CHECKS: Sequence[Callable[[Measured, Limits], list[Defect]]] = (
    silence,
    empty_part,
    too_dense,
    held_too_long,
    out_of_range,
)
