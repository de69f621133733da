# SPDX-License-Identifier: MIT
"""Completing a clip with a band model: new instruments (drums, a bass, a melody or chords) in one
window of the model's length, in the clip's meter.

As multitrack_1bar did before whole-song completion (engine/generation/infill.py): the (bar, slot)
sequences decode independently given z and the bar's conductor embedding, so after fitting z to the
kept tracks each missing part is read from a slot decoded with its program restricted to the part's
instruments.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import torch

from engine.generation.fit import FittedClip, GenerationError
from engine.generation.humanize import finish
from engine.generation.infill import (
    NOTHING_ASKED,
    PART_PROGRAMS,
    ROLE_OF,
    NothingToWrite,
    fit_latent,
    part_of,
)
from engine.generation.runner import Notices, Runner, Temperature
from engine.music.keys import Key
from engine.music.pattern import Pattern, Track
from models.vocab import EMPTY_SLOT, PROGRAM_CLASSES


def program_mask(part: str) -> torch.Tensor:
    """(PROGRAM_CLASSES,) bool: the program classes a slot may take to play `part` (PART_PROGRAMS)."""
    mask = torch.zeros(PROGRAM_CLASSES, dtype=torch.bool)
    mask[PART_PROGRAMS[part]] = True
    return mask


def plan(clip: Pattern, parts: Sequence[str] | None) -> list[str]:
    """The parts to write: `parts`, or those the clip lacks. GenerationError for an unknown part,
    NothingToWrite when there is nothing to write."""
    present = {part_of(t) for t in clip.tracks if t.notes}
    if parts is None:
        write = [p for p in PART_PROGRAMS if p not in present]
        if not write:
            raise NothingToWrite(
                "the clip already has drums, bass and melody, so nothing was written; "
                "say which to rewrite with --parts"
            )
        return write
    unknown = [p for p in parts if p not in PART_PROGRAMS]
    if unknown:
        raise GenerationError(f"unknown part {unknown[0]!r}; choose from {', '.join(PART_PROGRAMS)}")
    write = [p for p in PART_PROGRAMS if p in parts]
    if not write:
        raise NothingToWrite(NOTHING_ASKED)
    return write


def with_new_parts(clip: Pattern, fitted: FittedClip, write: Sequence[str], new: Sequence[Track]) -> Pattern:
    """The whole clip (its source and every event kept) with the new parts placed where the model's window
    starts and cut to the clip's end; a part being rewritten loses only its notes inside that window."""
    lo, hi = fitted.start, min(fitted.start + fitted.pattern.steps, clip.steps)
    kept = [
        t if part_of(t) not in write else t.with_notes(n for n in t.notes if not lo <= n.start < hi)
        for t in clip.tracks
    ]
    placed = []
    for t in new:
        notes = [
            dataclasses.replace(n, start=n.start + lo, end=min(n.end + lo, clip.steps), ref=-1)
            for n in t.notes
            if n.start + lo < hi
        ]
        if notes:
            placed.append(dataclasses.replace(t, notes=tuple(notes), channel=None))
    return clip.with_tracks(kept + placed)


def complete_band(
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
    """The whole clip, its own tracks unchanged, plus one new instrument per missing (or requested)
    part in the model's window (in the clip's meter); with nothing to write the clip itself, with a
    notice. GenerationError when nothing would be kept."""
    if parts is not None and not parts:
        notices.append(NOTHING_ASKED)
        return clip
    fitted = runner.fit(clip, "the clip", notices)
    try:
        write = plan(fitted.pattern, parts)
    except NothingToWrite as e:
        notices.append(str(e))
        return clip
    kept = [t for t in fitted.pattern.tracks if part_of(t) not in write]
    if not any(t.notes for t in kept):
        raise GenerationError("nothing to keep: the clip has only the parts that are being written")
    window = dataclasses.replace(fitted.pattern, tracks=tuple(kept), source=None)
    arrays = runner.converter.to_tensors(window)
    empty = [int(i) for i in np.flatnonzero(arrays["program"] == EMPTY_SLOT)]
    batch = runner.batch([arrays])
    z = fit_latent(runner, batch, ["program", "events"])
    resolved = runner.resolve_key(key, window, notices)
    new = []
    for i, part in enumerate(write):
        masks = {"program": program_mask(part)}
        out = runner.decode(z, temperature, resolved, seed + i, notices, masks=masks, meter=window.meter)
        one = {k: v[0] for k, v in out.items()}
        # of the slots that took one of the part's instruments: the first free one that wrote events, else
        # the one that wrote the most
        counts = (one["events"] != 0).sum(axis=(0, 2)) * program_mask(part).numpy()[one["program"]]
        slot = next((s for s in empty if counts[s]), int(np.argmax(counts)))
        if not counts[slot]:
            notices.append(f"the model wrote no {part} here; try another seed or a higher temperature")
            continue
        single = {
            "program": np.full_like(one["program"], EMPTY_SLOT),
            "meter": one["meter"],
            "events": np.zeros_like(one["events"]),
        }
        single["program"][0] = one["program"][slot]
        single["events"][:, 0] = one["events"][:, slot]
        made = runner.converter.from_tensors(single, tempo=clip.tempo)
        made = finish(runner, [made], runner.feel_temperature(temperature), seed + i, feel, notices)[0]
        new += [dataclasses.replace(t, role=ROLE_OF[part], name=part) for t in made.tracks if t.notes]
    notices.append(f"kept {len(kept)} track(s); wrote {', '.join(write)}")
    return with_new_parts(clip, fitted, write, new)
