# SPDX-License-Identifier: MIT
"""Humanize: same notes, new loudness and micro-timing (GrooVAE's idea).

Drum models (drums_2bar) predict velocity and offset for given drum hits: decode with the hits
teacher-forced, plus the spread real playing has around those predictions (engine/generation/groove.py);
multitrack_1bar predicts velocity the same way. Other models use the velocity/timing
statistics of their training music (model.json's data summary). `amount` scales the move from the
input's values toward the new ones.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np

from engine.data.codec import DEFAULT_VELOCITY
from engine.generation.fit import GenerationError, check_content
from engine.music.pattern import STEPS_PER_BAR, Note, Pattern, Track

if TYPE_CHECKING:
    from engine.generation.generator import Generator

MAX_OFFSET = 0.499  # Note.offset must stay < 0.5
DRUM_SLOT = 128  # the multitrack program of the drum kit


def _move(note: Note, velocity: float, offset: float, amount: float) -> Note:
    v = note.velocity + amount * (velocity - note.velocity)
    o = note.offset + amount * (offset - note.offset)
    return dataclasses.replace(
        note, velocity=int(np.clip(round(v), 1, 127)), offset=float(np.clip(o, -0.5, MAX_OFFSET))
    )


def drum_class_of() -> dict[int, int]:
    from engine.data.converters import DRUM_PITCHES

    return {pitch: cls for cls, pitches in enumerate(DRUM_PITCHES) for pitch in pitches}


def _windows(clip: Pattern, steps: int) -> list[Pattern]:
    """The clip cut into model-length windows; the last one padded with silence."""
    out = []
    for start in range(0, clip.steps, steps):
        w = clip.slice(start, min(start + steps, clip.steps))
        out.append(w if w.steps == steps else Pattern(w.tracks, steps, w.tempo))
    return out


def humanize_drums(gen: Generator, clip: Pattern, amount: float, seed: int) -> Pattern:
    """Velocities and offsets predicted by the drum model for the clip's own hits, window by window, with
    the held-out spread of real playing around them."""
    steps = gen.steps
    windows = _windows(clip, steps)
    examples = [gen.converter.to_tensors(w) for w in windows]
    batch = gen.batch(examples)
    mu, _ = gen.model.encode(batch)
    # The hits are given, so temperature only scales the groove spread: 1.0 is the real playing's spread
    out = gen.decode_arrays(mu, 1.0, None, seed, given={"drums": batch["drums"]})
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


def training_stats(gen: Generator) -> dict:
    """Velocity/timing statistics of the training music (model.json, else measured in its folder)."""
    stats = gen.music_stats()
    if stats.get("velocity_mean") is not None and stats.get("velocity_std") is not None:
        return stats
    raise GenerationError(
        "this model has no learned velocities and its model.json records no velocity statistics "
        "of its training music (and its training folder is gone); use a drums_2bar model"
    )


def _humanize_track(
    track: Track,
    stats: dict,
    amount: float,
    rng: np.random.Generator,
    scale: float = 1.0,
    velocity: bool = True,
) -> Track:
    """Each note moved toward its beat position's mean velocity and offset plus the music's jitter
    (times `scale`); with velocity=False only the timing moves."""
    v_mean, o_mean = float(stats["velocity_mean"]), float(stats.get("offset_mean") or 0.0)
    by_pos = stats.get("velocity_by_position")
    o_by_pos = stats.get("offset_by_position")
    v_jit = float(stats.get("velocity_jitter", stats["velocity_std"]) if by_pos else stats["velocity_std"])
    o_jit = float(
        stats.get("offset_jitter", stats.get("offset_std", 0.0)) if o_by_pos else stats.get("offset_std", 0.0)
    )
    if not track.notes:
        return track
    # all notes at once (this runs on every generated clip): the draws alternate velocity, offset per note,
    # the order the note-by-note loop drew them in, so a seed gives the same feel
    now = np.array([(n.start % STEPS_PER_BAR, n.velocity, n.offset) for n in track.notes])  # (notes, 3)
    pos = now[:, 0].astype(np.int64)
    draws = rng.normal(0.0, np.tile([v_jit * scale, o_jit * scale], len(pos))).reshape(-1, 2)
    v = (np.asarray(by_pos, dtype=np.float64)[pos] if by_pos else v_mean) + draws[:, 0]
    o = (np.asarray(o_by_pos, dtype=np.float64)[pos] if o_by_pos else o_mean) + draws[:, 1]
    v = now[:, 1] + amount * ((v if velocity else now[:, 1]) - now[:, 1])  # as _move
    o = now[:, 2] + amount * (o - now[:, 2])
    vel = np.clip(np.rint(v), 1, 127).astype(np.int64).tolist()  # rint rounds half to even, as round()
    off = np.clip(o, -0.5, MAX_OFFSET).tolist()
    return track.with_notes(
        Note(n.pitch, n.start, n.end, vv, oo) for n, vv, oo in zip(track.notes, vel, off, strict=True)
    )


def add_feel(gen: Generator, clips: list[Pattern], temperature: float, seed: int) -> list[Pattern]:
    """Generated clips played with the training music's loudness and timing where the model writes none.

    mel_2bar and trio_16bar write every note at velocity 100 on the grid: each note gets its beat
    position's mean velocity and timing in the training music plus that music's jitter, scaled by
    sqrt(temperature) as engine/generation/groove.py scales a drum model's spread (0 gives the means alone).
    multitrack_1bar writes velocities but no timing, so only the timing moves; drums_2bar writes both.
    Clips stay as they are when the model records no statistics of its training music.
    """
    if gen.config_name == "drums_2bar":
        return clips
    stats = gen.music_stats()
    if stats.get("velocity_mean") is None or stats.get("velocity_std") is None:
        return clips
    scale = float(np.sqrt(max(temperature, 0.0)))
    velocity = gen.config_name != "multitrack_1bar"
    rng = np.random.default_rng(seed)
    return [_with_feel(clip, stats, 1.0, rng, scale, velocity) for clip in clips]


def _with_feel(
    clip: Pattern,
    stats: dict,
    amount: float,
    rng: np.random.Generator,
    scale: float = 1.0,
    velocity: bool = True,
) -> Pattern:
    """Every track moved by `_humanize_track`, drum tracks by the drums' statistics."""
    drum_stats = stats.get("drums") or stats
    return clip.with_tracks(
        [
            _humanize_track(t, drum_stats if t.is_drum else stats, amount, rng, scale, velocity)
            for t in clip.tracks
        ]
    )


def flatten(clips: list[Pattern]) -> list[Pattern]:
    """Every note at velocity 100, exactly on the grid (what the model wrote, before any feel)."""
    return [
        clip.with_tracks(
            [t.with_notes(dataclasses.replace(n, velocity=DEFAULT_VELOCITY, offset=0.0) for n in t.notes)
             for t in clip.tracks]
        )
        for clip in clips
    ]  # fmt: skip


def humanize_from_summary(gen: Generator, clip: Pattern, amount: float, seed: int) -> Pattern:
    """Loudness and timing drawn from the training music's statistics (drum tracks from its drums')."""
    stats = training_stats(gen)
    out = _with_feel(clip, stats, amount, np.random.default_rng(seed))
    gen.notices.append(
        f"{gen.config_name} has no learned velocities: used the velocity and timing statistics of its "
        f"training music (velocity {float(stats['velocity_mean']):.0f} ± {float(stats['velocity_std']):.0f}, "
        f"timing spread {float(stats.get('offset_std') or 0.0):.2f} steps)"
    )
    return out


def humanize_multitrack(gen: Generator, clip: Pattern, amount: float, seed: int) -> Pattern:
    """Velocities predicted by the multitrack model for the clip's own notes (bar by bar, per instrument
    slot); its timing has no learned part, so offsets come from the training music's statistics if known."""
    windows = _windows(clip, gen.steps)
    batch = gen.batch([gen.converter.to_tensors(w) for w in windows])
    mu, _ = gen.model.encode(batch)
    given = {"program": batch["program"], "tokens": batch["tokens"]}
    # the notes are given, so temperature only scales the velocity spread: 1.0 is the real playing's
    vel = gen.decode_arrays(mu, 1.0, None, seed, given=given)["velocity"]  # (W, 8, 16)
    programs = batch["program"].cpu().numpy()  # (W, 8)
    stats = gen.music_stats()
    o_by_pos = stats.get("offset_by_position")
    rng = np.random.default_rng(seed)
    tracks = []
    for track in clip.tracks:
        code = DRUM_SLOT if track.is_drum else track.program
        notes = []
        for n in track.notes:
            w, t = divmod(n.start, gen.steps)
            slots = np.flatnonzero(programs[w] == code)
            v = float(vel[w, slots, t].max()) * 127.0 if len(slots) else 0.0
            o = n.offset
            if o_by_pos:
                o = float(o_by_pos[n.start % STEPS_PER_BAR]) + rng.normal(
                    0.0, float(stats.get("offset_jitter", 0.0))
                )
            notes.append(_move(n, v, o, amount) if v >= 1.0 else n)
        tracks.append(track.with_notes(notes))
    gen.notices.append(
        "velocities from the model; timing " + ("from the training music" if o_by_pos else "kept")
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
    if gen.config_name == "multitrack_1bar":
        return humanize_multitrack(gen, clip, amount, seed)
    return humanize_from_summary(gen, clip, amount, seed)
