# SPDX-License-Identifier: MIT
"""Humanize: same notes, new loudness and micro-timing (GrooVAE's idea).

Drum models (drums_2bar) predict velocity and offset for given drum hits: decode with the hits
teacher-forced. Models without learned velocity use the velocity/timing statistics of their training music
(the data summary in model.json). `amount` scales the move from the input's values toward the new ones.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np

from engine.clip_prep import GenerationError, check_content
from engine.pattern import STEPS_PER_BAR, Note, Pattern, Track

if TYPE_CHECKING:
    from engine.generator import Generator

MAX_OFFSET = 0.499  # Note.offset must stay < 0.5


def _move(note: Note, velocity: float, offset: float, amount: float) -> Note:
    v = note.velocity + amount * (velocity - note.velocity)
    o = note.offset + amount * (offset - note.offset)
    return dataclasses.replace(
        note, velocity=int(np.clip(round(v), 1, 127)), offset=float(np.clip(o, -0.5, MAX_OFFSET))
    )


def drum_class_of() -> dict[int, int]:
    from engine.convert import DRUM_PITCHES

    return {pitch: cls for cls, pitches in enumerate(DRUM_PITCHES) for pitch in pitches}


def _windows(clip: Pattern, steps: int) -> list[Pattern]:
    """The clip cut into model-length windows; the last one padded with silence."""
    out = []
    for start in range(0, clip.steps, steps):
        w = clip.slice(start, min(start + steps, clip.steps))
        out.append(w if w.steps == steps else Pattern(w.tracks, steps, w.tempo))
    return out


def humanize_drums(gen: Generator, clip: Pattern, amount: float, seed: int) -> Pattern:
    """Velocities and offsets predicted by the drum model for the clip's own hits, window by window."""
    steps = gen.steps
    windows = _windows(clip, steps)
    examples = [gen.converter.to_tensors(w) for w in windows]
    batch = gen.batch(examples)
    mu, _ = gen.model.encode(batch)
    out = gen.decode_arrays(mu, 0.0, None, seed, given={"drums": batch["drums"]})
    vel, off = out["velocity"], out["offset"]  # (W, T, 9) each
    classes = drum_class_of()
    tracks = []
    for track in clip.tracks:
        if not track.is_drum:
            tracks.append(track)
            continue
        notes = []
        for n in track.notes:
            cls = classes.get(n.pitch)
            w, t = divmod(n.start, steps)
            if cls is None or w >= len(windows):
                notes.append(n)
                continue
            notes.append(_move(n, float(vel[w, t, cls]) * 127.0, float(off[w, t, cls]), amount))
        tracks.append(track.with_notes(notes))
    if any(not t.is_drum and t.notes for t in clip.tracks):
        gen.notices.append("only the drums were humanized: this is a drum model")
    return clip.with_tracks(tracks)


def _stat(summary: dict, *names: str) -> object:
    for name in names:
        if summary.get(name) is not None:
            return summary[name]
    return None


def humanize_from_summary(gen: Generator, clip: Pattern, amount: float, seed: int) -> Pattern:
    """Velocities drawn around the training music's per-beat-position means; offsets from its spread."""
    s = gen.summary
    v_mean = _stat(s, "velocity_mean")
    v_std = _stat(s, "velocity_std")
    if v_mean is None or v_std is None:
        raise GenerationError(
            "this model has no learned velocities and its model.json records no velocity statistics "
            "of its training music; train it again with this Bandmate, or use a drums_2bar model"
        )
    by_pos = np.asarray(_stat(s, "velocity_by_position") or [v_mean] * STEPS_PER_BAR, dtype=float)
    o_mean = np.asarray(_stat(s, "offset_by_position") or [_stat(s, "offset_mean") or 0.0] * STEPS_PER_BAR)
    o_std = float(_stat(s, "offset_std") or 0.0)
    rng = np.random.default_rng(seed)
    tracks = []
    for track in clip.tracks:
        notes = []
        for n in track.notes:
            pos = n.start % STEPS_PER_BAR
            v = by_pos[pos % len(by_pos)] + rng.normal(0.0, float(v_std))
            o = float(o_mean[pos % len(o_mean)]) + rng.normal(0.0, o_std)
            notes.append(_move(n, v, o, amount))
        tracks.append(Track(tuple(notes), track.program, track.is_drum, track.role, track.name))
    gen.notices.append(
        f"{gen.config_name} has no learned velocities: used the velocity and timing statistics of its "
        f"training music (velocity {float(v_mean):.0f} ± {float(v_std):.0f}, timing spread {o_std:.2f} steps)"
    )
    return clip.with_tracks(tracks)


def humanize(gen: Generator, clip: Pattern, amount: float = 1.0, seed: int | None = None) -> Pattern:
    """See Generator.humanize."""
    if not 0.0 <= amount <= 2.0:
        raise GenerationError(f"--amount {amount} is outside 0..2")
    seed = gen._seed(seed)
    check_content(clip, gen.config_name)
    if gen.config_name == "drums_2bar":
        return humanize_drums(gen, clip, amount, seed)
    return humanize_from_summary(gen, clip, amount, seed)
