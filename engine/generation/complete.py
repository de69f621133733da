# SPDX-License-Identifier: MIT
"""Completing a song: keep the parts the musician gives, write the missing ones (or the ones asked for)
for every bar of the song, with any model that has several parts.

The work is infilling over every bar (engine/generation/infill.py): model-length windows that overlap
and condition on what was written before. A model with a line per part (trio_16bar) rewrites the track
that plays an asked part in place, or adds one when the song has none; a model of instruments
(multitrack_1bar, band_1bar/4bar/16bar) adds each asked part as a new instrument beside the song's own,
which it hears; a band model writes each run of bars in its own meter. With
nothing to write the song comes back unchanged, with a notice.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.generation.fit import GenerationError
from engine.generation.infill import (
    NOTHING_ASKED,
    PARTS,
    ROLE_OF,
    NothingToWrite,
    fill,
    missing_parts,
    parse_parts,
    part_of,
)
from engine.generation.runner import Notices, Runner, Temperature
from engine.music.keys import Key
from engine.music.pattern import Pattern
from models.spec import SPECS, DecoderKind

__all__ = ["NOTHING_ASKED", "ROLE_OF", "NothingToWrite", "complete", "parse_parts", "part_of"]


def complete(
    runner: Runner,
    clip: Pattern,
    parts: Sequence[str] | None,
    *,
    seed: int,
    temperature: Temperature,
    key: Key | str | None,
    feel: bool,
    notices: Notices,
) -> Pattern:
    """The whole song with its missing parts (or `parts`) written for every bar the model reads (4/4; a
    band model: each run of bars in a band meter); every other track
    and event comes back unchanged. With nothing to write (every part there, or `parts` empty) the song
    itself, with a notice. GenerationError for a model with one part, an unknown part, or a song with
    nothing to keep."""
    spec = runner.spec
    slots = spec.decoder in (DecoderKind.MULTITRACK, DecoderKind.BAND)
    if not slots and len(spec.parts) < 2:
        several = " or ".join(n for n, s in SPECS.items() if len(s.parts) > 1)
        raise GenerationError(
            f"complete needs a model with several parts ({several}), not {spec.name}; "
            "infill rewrites bars of a part with it"
        )
    if parts is not None and not parts:
        notices.append(NOTHING_ASKED)
        return clip
    runner.fit(clip, "the clip", [])  # the clip's one-line errors (no notes, no 4/4 bars) come first
    model_parts = list(PARTS) if slots else [p for p in spec.parts if p in PARTS]
    if parts is not None:
        unknown = [p for p in parts if p not in model_parts]
        if unknown:
            raise GenerationError(f"unknown part {unknown[0]!r}; choose from {', '.join(model_parts)}")
        write = list(parts)
    else:
        try:
            write = missing_parts(clip, model_parts)
        except NothingToWrite as e:
            notices.append(str(e))
            return clip
    kept = [t for t in clip.tracks if t.notes and (slots or part_of(t) not in write)]
    if not slots:
        kept = [t for t in kept if part_of(t) in model_parts or (part_of(t) == "" and "melody" not in write)]
    if not kept:
        raise GenerationError("nothing to keep: the clip has none of the parts that are not being written")
    return fill(
        runner, clip, write, None, seed=seed, temperature=temperature, key=key, feel=feel,
        notices=notices, new_instruments=slots,
    )  # fmt: skip
