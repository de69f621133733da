# SPDX-License-Identifier: MIT
"""Completing a multitrack_1bar clip: new instruments in empty slots (drums, a bass, a melody).

The slots are decoded independently given z, so after fitting z to the clip each missing part is read
from an empty slot decoded with its program restricted (drum kit, GM basses, or other pitched programs).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import torch

from engine.generation.complete import (
    NOTHING_ASKED,
    ROLE_OF,
    NothingToWrite,
    fit_latent,
    part_of,
    with_new_parts,
)
from engine.generation.fit import GenerationError
from engine.generation.humanize import finish
from engine.generation.runner import Notices, Runner, Temperature
from engine.music.keys import Key
from engine.music.pattern import Pattern
from models.vocab import DRUM_KIT, EMPTY_SLOT, PROGRAM_CLASSES

GM_BASSES = range(32, 40)
GM_SOUND_EFFECTS = range(112, 128)
PART_PROGRAMS = {  # the program classes a slot may take to play each part
    "drums": [DRUM_KIT],
    "bass": list(GM_BASSES),
    "melody": [p for p in range(GM_SOUND_EFFECTS.start) if p not in GM_BASSES],  # pitched, no effects
}


def program_mask(part: str) -> torch.Tensor:
    mask = torch.zeros(PROGRAM_CLASSES, dtype=torch.bool)
    mask[PART_PROGRAMS[part]] = True
    return mask


def plan(clip: Pattern, parts: Sequence[str] | None) -> list[str]:
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


def complete_multitrack(
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
    """The whole clip, its own tracks and events unchanged, plus one new instrument per missing (or
    requested) part; with nothing to write the clip itself, with a notice.

    Each new part is decoded like any generated clip (the runner's decode: key mask, seed, velocity
    spread), with the slot's program restricted to the part's instruments.
    """
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
    window = Pattern(tuple(kept), fitted.pattern.steps, fitted.pattern.tempo)
    arrays = runner.converter.to_tensors(window)
    empty = [int(i) for i in np.flatnonzero(arrays["program"] == EMPTY_SLOT)]
    # slots decode independently given z, so with all 8 in use the last (least busy) ones are decoded again
    free = empty + [i for i in range(len(arrays["program"]) - 1, -1, -1) if i not in empty]
    batch = runner.batch([arrays])
    z = fit_latent(runner, batch, ["program", "tokens"])
    resolved = runner.resolve_key(key, window, notices)
    new = []
    for i, (part, slot) in enumerate(zip(write, free, strict=False)):
        programs = {"program": program_mask(part)}
        one = {
            k: v[0]
            for k, v in runner.decode(z, temperature, resolved, seed + i, notices, masks=programs).items()
        }
        single = {
            "program": np.full_like(one["program"], EMPTY_SLOT),
            "tokens": np.zeros_like(one["tokens"]),
            "velocity": np.zeros_like(one["velocity"]),
        }
        for k in single:
            single[k][0] = one[k][slot]
        made = runner.converter.from_tensors(single, tempo=clip.tempo)
        made = finish(runner, [made], runner.feel_temperature(temperature), seed + i, feel, notices)[0]
        new += [dataclasses.replace(t, role=ROLE_OF[part], name=part) for t in made.tracks if t.notes]
    notices.append(f"kept {len(kept)} track(s); wrote {', '.join(write)}")
    return with_new_parts(clip, fitted, write, new)
