# SPDX-License-Identifier: MIT
"""Completing a clip with a band model: new instruments (drums, a bass, a melody or chords) in one
window of the model's length, in the clip's meter.

As for multitrack_1bar (engine/generation/complete_multitrack.py): the (bar, slot) sequences decode
independently given z and the bar's conductor embedding, so after fitting z to the kept tracks each
missing part is read from a slot decoded with its program restricted to the part's instruments.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from engine.generation.complete import (
    NOTHING_ASKED,
    ROLE_OF,
    NothingToWrite,
    fit_latent,
    part_of,
    with_new_parts,
)
from engine.generation.complete_multitrack import plan, program_mask
from engine.generation.fit import GenerationError
from engine.generation.humanize import finish
from engine.generation.runner import Notices, Runner, Temperature
from engine.music.keys import Key
from engine.music.pattern import Pattern
from models.vocab import EMPTY_SLOT


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
