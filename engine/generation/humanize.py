# SPDX-License-Identifier: MIT
"""Humanize: same notes, new loudness and micro-timing (GrooVAE's idea).

Drum models (drums_2bar) predict velocity and offset for given drum hits: decode with the hits
teacher-forced, plus the spread real playing has around those predictions (engine/generation/groove.py);
multitrack_1bar predicts velocity the same way. Other models use the velocity/timing
statistics of their training music (model.json's data summary). `amount` scales the move from the
input's values toward the new ones. Only the notes in the clip's 4/4 bars move (the models read 4/4):
every other note and event of the clip comes back as it was (its source is kept, so a file written from
the result differs from the original only in the moved notes).
"""

from __future__ import annotations

import bisect
import dataclasses
from typing import TYPE_CHECKING

import numpy as np

from engine.data.codec import DEFAULT_VELOCITY
from engine.generation.fit import GenerationError, check_content, readable_spans
from engine.music.pattern import STEPS_PER_BAR, Note, Pattern, Track

if TYPE_CHECKING:
    from engine.generation.generator import Generator

MAX_OFFSET = 0.499  # Note.offset must stay < 0.5
DRUM_SLOT = 128  # the multitrack program of the drum kit


def _move(note: Note, velocity: float, offset: float, amount: float) -> Note:
    if amount == 0.0:
        return note
    v = note.velocity + amount * (velocity - note.velocity)
    o = note.offset + amount * (offset - note.offset)
    return dataclasses.replace(
        note, velocity=int(np.clip(round(v), 1, 127)), offset=float(np.clip(o, -0.5, MAX_OFFSET))
    )


def drum_class_of() -> dict[int, int]:
    from engine.data.converters import DRUM_PITCHES

    return {pitch: cls for cls, pitches in enumerate(DRUM_PITCHES) for pitch in pitches}


class _Windows:
    """The clip's 4/4 runs cut into model-length windows (the last of each run padded with silence), and
    which window and step each note falls in."""

    def __init__(self, clip: Pattern, steps: int, spans: list[tuple[int, int]]) -> None:
        self.steps = steps
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.patterns: list[Pattern] = []
        for lo, hi in spans:
            for start in range(lo, hi, steps):
                w = clip.slice(start, min(start + steps, hi))
                self.patterns.append(w if w.steps == steps else Pattern(w.tracks, steps, w.tempo))
                self.starts.append(start)
                self.ends.append(min(start + steps, hi))

    def find(self, note: Note) -> tuple[int, int] | None:
        """(window, step in it) of the note's onset, or None outside the 4/4 runs."""
        i = bisect.bisect_right(self.starts, note.start) - 1
        if i < 0 or note.start >= self.ends[i]:
            return None
        return i, note.start - self.starts[i]


def _span_start(spans: list[tuple[int, int]], step: int) -> int | None:
    """The start of the span (sorted, disjoint) holding `step`, or None."""
    i = bisect.bisect_right(spans, step, key=lambda s: s[0]) - 1
    return spans[i][0] if i >= 0 and step < spans[i][1] else None


def humanize_drums(gen: Generator, clip: Pattern, amount: float, seed: int, windows: _Windows) -> Pattern:
    """Velocities and offsets predicted by the drum model for the clip's own hits, window by window, with
    the held-out spread of real playing around them."""
    examples = [gen.converter.to_tensors(w) for w in windows.patterns]
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
            cls, where = classes.get(n.pitch), windows.find(n)
            if cls is None or where is None:
                notes.append(n)
                continue
            w, t = where
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
    spans: list[tuple[int, int]] | None = None,
) -> Track:
    """Each note moved toward its beat position's mean velocity and offset plus the music's jitter
    (times `scale`); with velocity=False only the timing moves. With `spans` only notes starting in them
    move (beat positions counted from each span's start)."""
    v_mean, o_mean = float(stats["velocity_mean"]), float(stats.get("offset_mean") or 0.0)
    by_pos = stats.get("velocity_by_position")
    o_by_pos = stats.get("offset_by_position")
    v_jit = float(stats.get("velocity_jitter", stats["velocity_std"]) if by_pos else stats["velocity_std"])
    o_jit = float(
        stats.get("offset_jitter", stats.get("offset_std", 0.0)) if o_by_pos else stats.get("offset_std", 0.0)
    )
    notes = []
    for n in track.notes:
        origin = 0 if spans is None else _span_start(spans, n.start)
        if origin is None:
            notes.append(n)
            continue
        pos = (n.start - origin) % STEPS_PER_BAR
        v = (float(by_pos[pos]) if by_pos else v_mean) + rng.normal(0.0, v_jit * scale)
        o = (float(o_by_pos[pos]) if o_by_pos else o_mean) + rng.normal(0.0, o_jit * scale)
        notes.append(_move(n, v if velocity else n.velocity, o, amount))
    return track.with_notes(notes)


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
    spans: list[tuple[int, int]] | None = None,
) -> Pattern:
    """Every track moved by `_humanize_track`, drum tracks by the drums' statistics."""
    drum_stats = stats.get("drums") or stats
    return clip.with_tracks(
        [
            _humanize_track(t, drum_stats if t.is_drum else stats, amount, rng, scale, velocity, spans)
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


def humanize_from_summary(
    gen: Generator, clip: Pattern, amount: float, seed: int, spans: list[tuple[int, int]]
) -> Pattern:
    """Loudness and timing drawn from the training music's statistics (drum tracks from its drums')."""
    stats = training_stats(gen)
    out = _with_feel(clip, stats, amount, np.random.default_rng(seed), spans=spans)
    gen.notices.append(
        f"{gen.config_name} has no learned velocities: used the velocity and timing statistics of its "
        f"training music (velocity {float(stats['velocity_mean']):.0f} ± {float(stats['velocity_std']):.0f}, "
        f"timing spread {float(stats.get('offset_std') or 0.0):.2f} steps)"
    )
    return out


def humanize_multitrack(
    gen: Generator, clip: Pattern, amount: float, seed: int, windows: _Windows
) -> Pattern:
    """Velocities predicted by the multitrack model for the clip's own notes (bar by bar, per instrument
    slot); its timing has no learned part, so offsets come from the training music's statistics if known."""
    batch = gen.batch([gen.converter.to_tensors(w) for w in windows.patterns])
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
            where = windows.find(n)
            if where is None:
                notes.append(n)
                continue
            w, t = where
            slots = np.flatnonzero(programs[w] == code)
            v = float(vel[w, slots, t].max()) * 127.0 if len(slots) else 0.0
            o = n.offset
            if o_by_pos:
                o = float(o_by_pos[t % STEPS_PER_BAR]) + rng.normal(
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
    try:
        spans, notices = readable_spans(clip)
    except GenerationError as e:  # no 4/4 bar: every bar is left as it was
        gen.notices.append(f"{e}: nothing was humanized")
        return clip
    gen.notices.extend(notices)
    if gen.config_name == "drums_2bar":
        return humanize_drums(gen, clip, amount, seed, _Windows(clip, gen.steps, spans))
    if gen.config_name == "multitrack_1bar":
        return humanize_multitrack(gen, clip, amount, seed, _Windows(clip, gen.steps, spans))
    return humanize_from_summary(gen, clip, amount, seed, spans)
