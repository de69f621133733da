# SPDX-License-Identifier: MIT
"""Fitting a musician's clip to a model: the 4/4 part a model can read (a whole file may hold other
meters), its length (cut or loop, with a note saying so) and clear errors for clips the model cannot use
(empty, no 4/4 bar, drums only for a melody model, no drums for a drum model).
"""

from __future__ import annotations

import bisect
import dataclasses
from dataclasses import dataclass

import numpy as np

from engine.data.converter import Converter
from engine.generation.chain import loop_to
from engine.midi.regions import band_meter, regions
from engine.music.pattern import FOUR_FOUR, STEPS_PER_BAR, Note, Pattern, Track
from models.spec import DecoderKind, ModelSpec
from models.vocab import EMPTY_SLOT, FIRST_PITCH_TOKEN


class GenerationError(ValueError):
    """A request the model cannot serve; str(e) is one plain line for the musician."""


@dataclass(frozen=True, slots=True)
class FittedClip:
    """A clip cut or looped to the model's length, its tensors (one example) and notes for the user.

    `start` is the step of the clip where the model's window begins (its first readable 4/4 bar).
    """

    pattern: Pattern
    arrays: dict[str, np.ndarray]
    notices: tuple[str, ...]
    start: int = 0


def _has_onset(track: Track, start: int, end: int) -> bool:
    """Whether a note of `track` (sorted by start) begins in [start, end): by bisection."""
    i = bisect.bisect_left(track.notes, start, key=_start)
    return i < len(track.notes) and track.notes[i].start < end


def _start(note: Note) -> int:
    return note.start


def readable_spans(
    clip: Pattern, label: str = "the clip", any_meter: bool = False
) -> tuple[list[tuple[int, int]], tuple[str, ...]]:
    """The clip's runs of 4/4 bars with notes as step spans [start, end), and a notice naming the bars in
    other meters (left as they were). GenerationError when no 4/4 bar holds a note. `any_meter` (the
    band models): runs of bars in any band meter (2/4 ... 12/8), each run in one meter."""
    if any_meter:
        return _band_spans(clip, label)
    spans, other = [], []
    for region in regions(clip):
        if not region.common_time:
            other.append(region.describe())
        elif region.bars and any(_has_onset(t, region.start, region.end) for t in clip.tracks):
            spans.append((region.start, min(region.end, clip.steps)))
    if not spans:
        why = "; ".join(other) or "no notes in 4/4 bars"
        raise GenerationError(f"{label} has no 4/4 bars with notes ({why}); the models read 4/4 only")
    notices = (
        f"{label}: {'; '.join(other)}; the model reads 4/4 only, so those bars were left as they were",
    )
    return spans, notices if other else ()


def _band_spans(clip: Pattern, label: str) -> tuple[list[tuple[int, int]], tuple[str, ...]]:
    spans, other = [], []
    for region in regions(clip):
        if not band_meter(region.meter):
            other.append(region.describe())
        elif region.bars and any(_has_onset(t, region.start, region.end) for t in clip.tracks):
            spans.append((region.start, min(region.end, clip.steps)))
    if not spans:
        why = "; ".join(other) or "no notes"
        raise GenerationError(f"{label} has no bars with notes in a meter the band models read ({why})")
    notices = (f"{label}: {'; '.join(other)}; the band models do not read those meters, so those bars were "
               "left as they were",)  # fmt: skip
    return spans, notices if other else ()


def carry_maps(clips: list[Pattern], window: Pattern) -> list[Pattern]:
    """Generated clips with the tempo and meter map of the window they came from (within their length)."""
    return [
        dataclasses.replace(
            c,
            tempo=window.tempo,
            meter=window.meter,
            tempo_map=tuple(t for t in window.tempo_map if t[0] < c.steps),
            meter_map=tuple(m for m in window.meter_map if m[0] < c.steps),
        )
        for c in clips
    ]


def _bars(steps: int, bar_steps: float = STEPS_PER_BAR) -> str:
    bars = steps / bar_steps
    return f"{bars:.3g} bar" + ("" if bars == 1 else "s")


def check_content(clip: Pattern, spec: ModelSpec, label: str = "the clip") -> None:
    """Raise GenerationError when `clip` has nothing a model of `spec` can read."""
    if clip.note_count == 0:
        raise GenerationError(f"{label} has no notes")
    pitched = sum(len(t.notes) for t in clip.tracks if not t.is_drum)
    drums = sum(len(t.notes) for t in clip.tracks if t.is_drum)
    if not spec.reads_drums and pitched == 0:
        raise GenerationError(
            f"{label} has only drums, but this is a melody model ({spec.name}); give it a clip with a melody"
        )
    if not spec.reads_pitched and drums == 0:
        raise GenerationError(
            f"{label} has no drums (MIDI channel 10), but this is a drum model ({spec.name}); give it a beat"
        )


def fit_length(clip: Pattern, steps: int, label: str = "the clip") -> tuple[Pattern, tuple[str, ...]]:
    """Cut a longer clip to its first `steps` steps or loop a shorter one, with a note saying so (bars
    counted in the clip's meter)."""
    if clip.steps == steps:
        return clip, ()
    bar = clip.meter.bar_steps
    if clip.steps > steps:
        first = "the first bar was" if steps == bar else f"the first {_bars(steps, bar)} were"
        note = (f"{label} is {_bars(clip.steps, bar)} long; the model plays {_bars(steps, bar)}, so only "
                f"{first} used")  # fmt: skip
        return clip.slice(0, steps), (note,)
    note = f"{label} is {_bars(clip.steps, bar)} long; it was looped to the model's {_bars(steps, bar)}"
    return loop_to(clip, steps), (note,)


def has_content(arrays: dict[str, np.ndarray], spec: ModelSpec) -> bool:
    """Whether the model's tensors of a clip hold any event: a note-on in a pitched array, a hit in a
    drum array (any token but 0), or a played slot with a token."""
    if spec.decoder is DecoderKind.MULTITRACK:
        return bool((arrays["program"] != EMPTY_SLOT).any() and (arrays["tokens"] != 0).any())
    if spec.decoder is DecoderKind.BAND:
        return bool((arrays["program"] != EMPTY_SLOT).any() and (arrays["events"] != 0).any())
    return any(
        bool((arrays[k] >= (FIRST_PITCH_TOKEN if k in spec.maskable else 1)).any()) for k in spec.tracks
    )


def fit_clip(clip: Pattern, converter: Converter, label: str = "the clip") -> FittedClip:
    """Check `clip`, take its first run of 4/4 bars, cut or loop it to `converter.steps` and convert it to
    one example's arrays."""
    spec = converter.spec
    check_content(clip, spec, label)
    spans, notices = readable_spans(clip, label, spec.any_meter)
    start, end = spans[0]
    # the run is in one meter (a meter change a fraction of a step before its first bar is not a bar of it)
    meter = clip.meter_at(start + 0.5) if spec.any_meter else FOUR_FOUR
    region = dataclasses.replace(clip.slice(start, end), meter=meter, meter_map=())
    if len(spans) > 1:
        runs = "bars in one meter" if spec.any_meter else "4/4 bars"
        notices += (f"{label} has {len(spans)} runs of {runs}; the model reads the first",)
    steps = converter.window_steps(meter) if spec.any_meter else converter.steps
    window, cut = fit_length(region, steps, label)
    check_content(window, spec, f"the part of {label} the model reads")
    arrays = converter.to_tensors(window)
    if not has_content(arrays, spec):
        raise GenerationError(f"{label} has no notes that a {spec.name} model can read")
    return FittedClip(window, arrays, notices + cut, start)
