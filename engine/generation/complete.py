# SPDX-License-Identifier: MIT
"""Completing a clip: keep the parts the musician gives, write the missing ones (models with a track per
part, trio_16bar; engine/generation/complete_multitrack.py does the instrument-slot models).

Encode the clip with the missing parts empty, move z for a few dozen Adam steps to make the given parts
likely (plus the prior's pull, so z stays where the decoder writes music), decode with the given parts
teacher-forced, then add the new parts to the whole clip, whose own tracks and events stay as they were
(`with_new_parts`). With nothing to write the clip comes back unchanged, with a notice.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import torch

from engine.generation.fit import FittedClip, GenerationError
from engine.generation.humanize import finish
from engine.generation.runner import Notices, Runner
from engine.music.keys import Key
from engine.music.pattern import Pattern, Role, Track
from models.spec import SPECS, ModelSpec
from models.vocab import FIRST_PITCH_TOKEN

FIT_STEPS = 24  # two dozen: a trio fit is ~1 s per step on a busy laptop CPU
FIT_LR = 0.1
ROLE_OF = {"melody": Role.LEAD, "bass": Role.BASS, "drums": Role.DRUMS}


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


NOTHING_ASKED = "no part was asked for, so nothing was written"


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


def plan_parts(
    spec: ModelSpec, arrays: dict[str, np.ndarray], parts: Sequence[str] | None
) -> tuple[list[str], list[str]]:
    """(given, write) part names for a clip of a model with a track per part (trio_16bar); GenerationError
    when there is nothing to keep or the request is wrong, NothingToWrite when every part is there and
    none was asked for."""
    names = spec.parts
    if len(names) < 2:
        several = " or ".join(n for n, s in SPECS.items() if len(s.parts) > 1)
        raise GenerationError(f"complete needs a model with several parts ({several}), not {spec.name}")
    present = [k for k in names if (arrays[k] >= (FIRST_PITCH_TOKEN if k in spec.maskable else 1)).any()]
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
            raise NothingToWrite(NOTHING_ASKED)
    given = [k for k in present if k not in write]
    if not given:
        raise GenerationError("nothing to keep: the clip has none of the parts that are not being written")
    return given, write


def fit_latent(runner: Runner, batch: dict[str, torch.Tensor], keys: list[str]) -> torch.Tensor:
    """z (1, Z) that makes batch[keys] likely: Adam from the encoder's mean, with a prior penalty."""
    mu = runner.encode_batch(batch)
    z = mu.detach().clone().float().requires_grad_(True)
    opt = torch.optim.Adam([z], lr=FIT_LR)
    with torch.enable_grad():
        for _ in range(FIT_STEPS):
            opt.zero_grad()
            loss = -runner.model.recon_log_prob(z, batch, keys=keys).sum() + 0.5 * (z**2).sum()
            loss.backward()  # type: ignore[no-untyped-call]  # torch leaves Tensor.backward unannotated
            opt.step()
    return z.detach()


def complete(
    runner: Runner,
    clip: Pattern,
    parts: Sequence[str] | None,
    *,
    seed: int,
    temperature: float,
    key: Key | str | None,
    feel: bool,
    notices: Notices,
) -> Pattern:
    """The whole clip with its missing parts (or `parts`) added; its own tracks and events come back
    unchanged. With nothing to write (every part there, or `parts` empty) the clip itself, with a notice."""
    if parts is not None and not parts:
        notices.append(NOTHING_ASKED)
        return clip
    fitted = runner.fit(clip, "the clip", notices)
    try:
        given, write = plan_parts(runner.spec, fitted.arrays, parts)
    except NothingToWrite as e:
        notices.append(str(e))
        return clip
    arrays = dict(fitted.arrays)
    for k in write:
        arrays[k] = np.zeros_like(arrays[k])
    batch = runner.batch([arrays])
    z = fit_latent(runner, batch, given)
    resolved = runner.resolve_key(key, fitted.pattern, notices)
    out = runner.decode(z, temperature, resolved, seed, notices, given={k: batch[k] for k in given})
    made = finish(runner, runner.to_patterns(out, tempo=clip.tempo), temperature, seed, feel, notices)[0]
    new = [t for t in made.tracks if (t.name if t.name in ROLE_OF else part_of(t)) in write and t.notes]
    notices.append(f"kept {', '.join(given)}; wrote {', '.join(write)}")
    return with_new_parts(clip, fitted, write, new)
