# SPDX-License-Identifier: MIT
"""Completing a clip: keep the parts the musician gives, write the missing ones (models with a track per
part, trio_16bar; engine/generation/complete_multitrack.py does the instrument-slot models).

Encode the clip with the missing parts empty, move z for a few dozen Adam steps to make the given parts
likely (plus the prior's pull, so z stays where the decoder writes music), decode with the given parts
teacher-forced, then put the musician's own tracks back unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from engine.generation.fit import GenerationError
from engine.generation.humanize import finish
from engine.generation.runner import Notices, Runner, Temperature
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


def plan_parts(
    spec: ModelSpec, arrays: dict[str, np.ndarray], parts: Sequence[str] | None
) -> tuple[list, list]:
    """(given, write) part names for a clip of a model with a track per part (trio_16bar); raises
    GenerationError when there is nothing to do."""
    names = spec.parts
    if len(names) < 2:
        several = " or ".join(n for n, s in SPECS.items() if len(s.parts) > 1)
        raise GenerationError(f"complete needs a model with several parts ({several}), not {spec.name}")
    present = [k for k in names if (arrays[k] >= (FIRST_PITCH_TOKEN if k in spec.maskable else 1)).any()]
    if parts is None:
        write = [k for k in names if k not in present]
        if not write:
            raise GenerationError(
                "the clip already has melody, bass and drums; say which to rewrite with --parts"
            )
    else:
        unknown = [p for p in parts if p not in names]
        if unknown:
            raise GenerationError(f"unknown part {unknown[0]!r}; choose from {', '.join(names)}")
        write = [k for k in names if k in parts]
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
            loss.backward()
            opt.step()
    return z.detach()


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
    """The clip with its missing parts (or `parts`) written; the given parts come back unchanged."""
    fitted = runner.fit(clip, "the clip", notices)
    given, write = plan_parts(runner.spec, fitted.arrays, parts)
    arrays = dict(fitted.arrays)
    for k in write:
        arrays[k] = np.zeros_like(arrays[k])
    batch = runner.batch([arrays])
    z = fit_latent(runner, batch, given)
    resolved = runner.resolve_key(key, fitted.pattern, notices)
    out = runner.decode(z, temperature, resolved, seed, notices, given={k: batch[k] for k in given})
    made = finish(
        runner,
        runner.to_patterns(out, tempo=clip.tempo),
        runner.feel_temperature(temperature),
        seed,
        feel,
        notices,
    )[0]
    kept = [t for t in fitted.pattern.tracks if part_of(t) not in write]
    new = [t for t in made.tracks if (t.name if t.name in ROLE_OF else part_of(t)) in write and t.notes]
    notices.append(f"kept {', '.join(given)}; wrote {', '.join(write)}")
    return Pattern(tuple(kept + new), fitted.pattern.steps, clip.tempo)
