# SPDX-License-Identifier: MIT
"""Fitting a musician's clip to a model: length (cut or loop, with a note saying so) and clear errors
for clips the model cannot use (empty, drums only for a melody model, no drums for a drum model).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.generation.chain import loop_to
from engine.music.pattern import STEPS_PER_BAR, Pattern
from models.vocab import EMPTY_SLOT

PITCHED_ONLY = {"mel_2bar"}
DRUMS_ONLY = {"drums_2bar"}


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


def check_content(clip: Pattern, config: str, label: str = "the clip") -> None:
    """Raise GenerationError when `clip` has nothing the model `config` can read."""
    if clip.note_count == 0:
        raise GenerationError(f"{label} has no notes")
    pitched = sum(len(t.notes) for t in clip.tracks if not t.is_drum)
    drums = sum(len(t.notes) for t in clip.tracks if t.is_drum)
    if config in PITCHED_ONLY and pitched == 0:
        raise GenerationError(
            f"{label} has only drums, but this is a melody model ({config}); give it a clip with a melody"
        )
    if config in DRUMS_ONLY and drums == 0:
        raise GenerationError(
            f"{label} has no drums (MIDI channel 10), but this is a drum model ({config}); give it a beat"
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


def has_content(arrays: dict[str, np.ndarray], config: str) -> bool:
    """Whether the model's tensors of a clip hold any event."""
    if config == "multitrack_1bar":
        return bool((arrays["program"] != EMPTY_SLOT).any() and (arrays["tokens"] != 0).any())
    keys = [k for k in ("melody", "bass", "drums") if k in arrays]
    return any(bool((arrays[k] >= (2 if k != "drums" else 1)).any()) for k in keys)


def fit_clip(clip: Pattern, converter, config: str, label: str = "the clip") -> FittedClip:  # noqa: ANN001
    """Check, cut or loop `clip` to `converter.steps` and convert it to one example's arrays."""
    check_content(clip, config, label)
    window, notices = fit_length(clip, converter.steps, label)
    check_content(window, config, f"the part of {label} the model reads")
    arrays = converter.to_tensors(window)
    if not has_content(arrays, config):
        raise GenerationError(f"{label} has no notes that a {config} model can read")
    return FittedClip(window, arrays, notices)
