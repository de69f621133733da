# SPDX-License-Identifier: MIT
"""Fitting a musician's clip to a model: length (cut or loop, with a note saying so) and clear errors
for clips the model cannot use (empty, drums only for a melody model, no drums for a drum model).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.data.converter import Converter
from engine.generation.chain import loop_to
from engine.music.pattern import STEPS_PER_BAR, Pattern
from models.spec import DecoderKind, ModelSpec
from models.vocab import EMPTY_SLOT, FIRST_PITCH_TOKEN


class GenerationError(ValueError):
    """A request the model cannot serve; str(e) is one plain line for the musician."""


@dataclass(frozen=True, slots=True)
class FittedClip:
    """A clip cut or looped to the model's length, its tensors (one example) and notes for the user."""

    pattern: Pattern
    arrays: dict[str, np.ndarray]
    notices: tuple[str, ...]


def _bars(steps: int) -> str:
    bars = steps / STEPS_PER_BAR
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
    """Cut a longer clip to its first `steps` steps or loop a shorter one, with a note saying so."""
    if clip.steps == steps:
        return clip, ()
    if clip.steps > steps:
        first = "the first bar was" if steps == STEPS_PER_BAR else f"the first {_bars(steps)} were"
        note = f"{label} is {_bars(clip.steps)} long; the model plays {_bars(steps)}, so only {first} used"
        return clip.slice(0, steps), (note,)
    note = f"{label} is {_bars(clip.steps)} long; it was looped to the model's {_bars(steps)}"
    return loop_to(clip, steps), (note,)


def has_content(arrays: dict[str, np.ndarray], spec: ModelSpec) -> bool:
    """Whether the model's tensors of a clip hold any event: a note-on in a pitched array, a hit in a
    drum array (any token but 0), or a played slot with a token."""
    if spec.decoder is DecoderKind.MULTITRACK:
        return bool((arrays["program"] != EMPTY_SLOT).any() and (arrays["tokens"] != 0).any())
    return any(
        bool((arrays[k] >= (FIRST_PITCH_TOKEN if k in spec.maskable else 1)).any()) for k in spec.tracks
    )


def fit_clip(clip: Pattern, converter: Converter, label: str = "the clip") -> FittedClip:
    """Check, cut or loop `clip` to `converter.steps` and convert it to one example's arrays."""
    spec = converter.spec
    check_content(clip, spec, label)
    window, notices = fit_length(clip, converter.steps, label)
    check_content(window, spec, f"the part of {label} the model reads")
    arrays = converter.to_tensors(window)
    if not has_content(arrays, spec):
        raise GenerationError(f"{label} has no notes that a {spec.name} model can read")
    return FittedClip(window, arrays, notices)
