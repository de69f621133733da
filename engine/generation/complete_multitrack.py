# SPDX-License-Identifier: MIT
"""Completing a multitrack_1bar clip: new instruments in empty slots (drums, a bass, a melody).

The slots are decoded independently given z, so after fitting z to the clip each missing part is read
from an empty slot decoded with its program restricted (drum kit, GM basses, or other pitched programs).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import torch

from engine.generation.complete import (
    EMPTY_SLOT,
    ROLE_OF,
    NothingToWrite,
    fit_latent,
    part_of,
    with_new_parts,
)
from engine.generation.fit import GenerationError
from engine.music.pattern import Pattern

if TYPE_CHECKING:
    from engine.generation.generator import Generator

DRUM_KIT = 128
PART_PROGRAMS = {
    "drums": [DRUM_KIT],
    "bass": list(range(32, 40)),
    "melody": [p for p in range(112) if not 32 <= p < 40],  # pitched instruments, no sound effects
}


def program_mask(part: str) -> torch.Tensor:
    mask = torch.zeros(EMPTY_SLOT + 1, dtype=torch.bool)
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
        raise NothingToWrite("no part was asked for, so nothing was written")
    return write


def complete_multitrack(
    gen: Generator,
    clip: Pattern,
    parts: Sequence[str] | None,
    *,
    seed: int | None = None,
    temperature: float = 0.5,
    key: object = None,
) -> Pattern:
    """The clip's own tracks unchanged plus one new instrument per missing (or requested) part."""
    seed = gen._seed(seed)
    fitted = gen.fit(clip)
    try:
        write = plan(fitted.pattern, parts)
    except NothingToWrite as e:
        gen.notices.append(str(e))
        return clip
    kept = [t for t in fitted.pattern.tracks if part_of(t) not in write]
    if not any(t.notes for t in kept):
        raise GenerationError("nothing to keep: the clip has only the parts that are being written")
    window = Pattern(tuple(kept), fitted.pattern.steps, fitted.pattern.tempo)
    arrays = gen.converter.to_tensors(window)
    empty = [int(i) for i in np.flatnonzero(arrays["program"] == EMPTY_SLOT)]
    # slots decode independently given z, so with all 8 in use the last (least busy) ones are decoded again
    free = empty + [i for i in range(len(arrays["program"]) - 1, -1, -1) if i not in empty]
    batch = gen.batch([arrays])
    z = fit_latent(gen, batch, ["program", "tokens"])
    resolved = gen.resolve_key(key, window)
    new = []
    for i, (part, slot) in enumerate(zip(write, free, strict=False)):
        masks = gen._masks(resolved) or {}
        masks["program"] = program_mask(part).to(gen.device)
        rng = torch.Generator(device=gen.device).manual_seed(seed + i)
        out = gen.model.decode(z, temperature=temperature, logit_mask=masks, generator=rng)
        one = {k: v[0].detach().cpu().numpy() for k, v in out.items()}
        single = {
            "program": np.full_like(one["program"], EMPTY_SLOT),
            "tokens": np.zeros_like(one["tokens"]),
            "velocity": np.zeros_like(one["velocity"]),
        }
        for k in single:
            single[k][0] = one[k][slot]
        made = gen.finish([gen.converter.from_tensors(single, tempo=clip.tempo)], temperature, seed + i)[0]
        new += [dataclasses.replace(t, role=ROLE_OF[part], name=part) for t in made.tracks if t.notes]
    gen.notices.append(f"kept {len(kept)} track(s); wrote {', '.join(write)}")
    return with_new_parts(clip, fitted, write, new)
