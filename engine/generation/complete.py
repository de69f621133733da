# SPDX-License-Identifier: MIT
"""Completing a clip: keep the parts the musician gives, write the missing ones.

Encode the clip with the missing parts empty, move z for a few dozen Adam steps to make the given parts
likely (plus the prior's pull, so z stays where the decoder writes music), decode with the given parts
teacher-forced, then add the new parts to the whole clip, whose own tracks and events stay as they were
(`with_new_parts`). With nothing to write the clip comes back unchanged, with a notice.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import torch

from engine.generation.fit import FittedClip, GenerationError
from engine.music.pattern import Pattern, Role, Track

if TYPE_CHECKING:
    from engine.generation.generator import Generator

FIT_STEPS = 24  # two dozen: a trio fit is ~1 s per step on a busy laptop CPU
FIT_LR = 0.1
PARTS: dict[str, tuple[str, ...]] = {"trio_16bar": ("melody", "bass", "drums")}
ROLE_OF = {"melody": Role.LEAD, "bass": Role.BASS, "drums": Role.DRUMS}
EMPTY_SLOT = 129


def parse_parts(text: str | Sequence[str] | None) -> list[str] | None:
    """ "melody,bass" or ["melody", "bass"] -> list; None stays None (= write the missing parts)."""
    if text is None:
        return None
    items = text.replace("+", ",").split(",") if isinstance(text, str) else list(text)
    return [p.strip().lower() for p in items if p.strip()]


def part_of(track: Track) -> str:
    """ "melody", "bass" or "drums" for tracks with those roles, else ""."""
    if track.is_drum or track.role == Role.DRUMS:
        return "drums"
    return "bass" if track.role == Role.BASS else "melody" if track.role == Role.LEAD else ""


class NothingToWrite(Exception):
    """Every part is there already and none was asked for; str(e) is the notice for the musician."""


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


def plan_parts(config: str, arrays: dict[str, np.ndarray], parts: Sequence[str] | None) -> tuple[list, list]:
    """(given, write) part names for a trio clip; GenerationError when there is nothing to keep or the
    request is wrong, NothingToWrite when every part is there and none was asked for."""
    names = PARTS.get(config)
    if names is None:
        raise GenerationError(
            f"complete needs a model with several parts (trio_16bar or multitrack_1bar), not {config}"
        )
    present = [k for k in names if (arrays[k] >= (1 if k == "drums" else 2)).any()]
    if parts is None:
        write = [k for k in names if k not in present]
        if not write:
            raise NothingToWrite(
                "the clip already has melody, bass and drums, so nothing was written; "
                "say which to rewrite with --parts"
            )
    else:
        unknown = [p for p in parts if p not in names]
        if unknown:
            raise GenerationError(f"unknown part {unknown[0]!r}; choose from {', '.join(names)}")
        write = [k for k in names if k in parts]
        if not write:
            raise NothingToWrite("no part was asked for, so nothing was written")
    given = [k for k in present if k not in write]
    if not given:
        raise GenerationError("nothing to keep: the clip has none of the parts that are not being written")
    return given, write


def fit_latent(gen: Generator, batch: dict[str, torch.Tensor], keys: list[str]) -> torch.Tensor:
    """z (1, Z) that makes batch[keys] likely: Adam from the encoder's mean, with a prior penalty."""
    mu, _ = gen.model.encode(batch)
    z = mu.detach().clone().float().requires_grad_(True)
    opt = torch.optim.Adam([z], lr=FIT_LR)
    with torch.enable_grad():
        for _ in range(FIT_STEPS):
            opt.zero_grad()
            loss = -gen.model.recon_log_prob(z, batch, keys=keys).sum() + 0.5 * (z**2).sum()
            loss.backward()
            opt.step()
    return z.detach()


def complete(
    gen: Generator,
    clip: Pattern,
    parts: str | Sequence[str] | None = None,
    *,
    seed: int | None = None,
    temperature: float = 0.5,
    key: object = None,
) -> Pattern:
    """See Generator.complete."""
    if gen.config_name == "multitrack_1bar" and parse_parts(parts) != []:
        from engine.generation.complete_multitrack import complete_multitrack

        return complete_multitrack(gen, clip, parse_parts(parts), seed=seed, temperature=temperature, key=key)
    seed = gen._seed(seed)
    if parse_parts(parts) == []:
        gen.notices.append("no part was asked for, so nothing was written")
        return clip
    fitted = gen.fit(clip)
    try:
        given, write = plan_parts(gen.config_name, fitted.arrays, parse_parts(parts))
    except NothingToWrite as e:
        gen.notices.append(str(e))
        return clip
    arrays = dict(fitted.arrays)
    for k in write:
        arrays[k] = np.zeros_like(arrays[k])
    batch = gen.batch([arrays])
    z = fit_latent(gen, batch, given)
    resolved = gen.resolve_key(key, fitted.pattern)
    out = gen.decode_arrays(z, temperature, resolved, seed, given={k: batch[k] for k in given})
    made = gen.finish(gen.to_patterns(out, tempo=clip.tempo), temperature, seed)[0]
    new = [t for t in made.tracks if (t.name if t.name in ROLE_OF else part_of(t)) in write and t.notes]
    gen.notices.append(f"kept {', '.join(given)}; wrote {', '.join(write)}")
    return with_new_parts(clip, fitted, write, new)
