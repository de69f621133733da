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

import numpy as np

from engine.data.codec import DEFAULT_VELOCITY
from engine.generation.fit import GenerationError, check_content
from engine.generation.runner import Notices, Runner
from engine.music.pattern import STEPS_PER_BAR, Note, Pattern, Track
from models.card import TimingStats
from models.spec import DecoderKind
from models.vocab import DRUM_CLASS_OF, DRUM_KIT

MAX_OFFSET = 0.499  # Note.offset must stay < 0.5


def _move(note: Note, velocity: float, offset: float, amount: float) -> Note:
    v = note.velocity + amount * (velocity - note.velocity)
    o = note.offset + amount * (offset - note.offset)
    return dataclasses.replace(
        note, velocity=int(np.clip(round(v), 1, 127)), offset=float(np.clip(o, -0.5, MAX_OFFSET))
    )


def _windows(clip: Pattern, steps: int) -> list[Pattern]:
    """The clip cut into model-length windows; the last one padded with silence."""
    out = []
    for start in range(0, clip.steps, steps):
        w = clip.slice(start, min(start + steps, clip.steps))
        out.append(w if w.steps == steps else Pattern(w.tracks, steps, w.tempo))
    return out


def humanize_drums(runner: Runner, clip: Pattern, amount: float, seed: int, notices: Notices) -> Pattern:
    """Velocities and offsets predicted by the drum model for the clip's own hits, window by window, with
    the held-out spread of real playing around them."""
    steps = runner.converter.steps
    windows = _windows(clip, steps)
    batch = runner.batch([runner.converter.to_tensors(w) for w in windows])
    mu = runner.encode_batch(batch)
    # The hits are given, so temperature only scales the groove spread: 1.0 is the real playing's spread
    out = runner.decode(mu, 1.0, None, seed, notices, given={"drums": batch["drums"]})
    vel, off = out["velocity"], out["offset"]  # (W, T, 9) each
    tracks = []
    for track in clip.tracks:
        if not track.is_drum:
            tracks.append(track)
            continue
        notes = []
        for n in track.notes:
            cls = DRUM_CLASS_OF.get(n.pitch)
            w, t = divmod(n.start, steps)
            if cls is None or w >= len(windows):
                notes.append(n)
                continue
            notes.append(_move(n, float(vel[w, t, cls]) * 127.0, float(off[w, t, cls]), amount))
        tracks.append(track.with_notes(notes))
    if any(not t.is_drum and t.notes for t in clip.tracks):
        notices.append("only the drums were humanized: this is a drum model")
    return clip.with_tracks(tracks)


def training_stats(runner: Runner, notices: Notices) -> tuple[TimingStats, TimingStats | None]:
    """The training music's timing statistics, (pitched notes, drums), from model.json, else measured in
    its folder."""
    stats = runner.music_stats(notices)
    if stats.pitched is not None:
        return stats.pitched, stats.drums
    raise GenerationError(
        "this model has no learned velocities and its model.json records no velocity statistics "
        "of its training music (and its training folder is gone); use a drums_2bar model"
    )


def _humanize_track(
    track: Track,
    stats: TimingStats,
    amount: float,
    rng: np.random.Generator,
    scale: float = 1.0,
    velocity: bool = True,
) -> Track:
    """Each note moved toward its beat position's mean velocity and offset plus the music's jitter
    around those means (times `scale`); with velocity=False only the timing moves."""
    if not track.notes:
        return track
    # all notes at once (this runs on every generated clip): the draws alternate velocity, offset per note,
    # the order the note-by-note loop drew them in, so a seed gives the same feel
    now = np.array([(n.start % STEPS_PER_BAR, n.velocity, n.offset) for n in track.notes])  # (notes, 3)
    pos = now[:, 0].astype(np.int64)
    jitter = [stats.velocity_jitter * scale, stats.offset_jitter * scale]
    draws = rng.normal(0.0, np.tile(jitter, len(pos))).reshape(-1, 2)
    v = np.asarray(stats.velocity_by_position, dtype=np.float64)[pos] + draws[:, 0]
    o = np.asarray(stats.offset_by_position, dtype=np.float64)[pos] + draws[:, 1]
    v = now[:, 1] + amount * ((v if velocity else now[:, 1]) - now[:, 1])  # as _move
    o = now[:, 2] + amount * (o - now[:, 2])
    vel = np.clip(np.rint(v), 1, 127).astype(np.int64).tolist()  # rint rounds half to even, as round()
    off = np.clip(o, -0.5, MAX_OFFSET).tolist()
    return track.with_notes(
        dataclasses.replace(n, velocity=vv, offset=oo)
        for n, vv, oo in zip(track.notes, vel, off, strict=True)
    )


def add_feel(
    runner: Runner, clips: list[Pattern], temperature: float, seed: int, notices: Notices
) -> list[Pattern]:
    """Generated clips played with the training music's loudness and timing where the model writes none.

    mel_2bar and trio_16bar write every note at velocity 100 on the grid: each note gets its beat
    position's mean velocity and timing in the training music plus that music's jitter, scaled by
    sqrt(temperature) as engine/generation/groove.py scales a drum model's spread (0 gives the means alone).
    multitrack_1bar writes velocities but no timing, so only the timing moves; drums_2bar writes both.
    Clips stay as they are when the model records no statistics of its training music.
    """
    if runner.spec.has_groove:
        return clips
    stats = runner.music_stats(notices)
    if stats.pitched is None:
        return clips
    scale = float(np.sqrt(max(temperature, 0.0)))
    velocity = not runner.spec.velocity_head
    rng = np.random.default_rng(seed)
    return [_with_feel(clip, stats.pitched, stats.drums, 1.0, rng, scale, velocity) for clip in clips]


def _with_feel(
    clip: Pattern,
    pitched: TimingStats,
    drums: TimingStats | None,
    amount: float,
    rng: np.random.Generator,
    scale: float = 1.0,
    velocity: bool = True,
) -> Pattern:
    """Every track moved by `_humanize_track`: pitched tracks by the pitched notes' statistics, drum
    tracks by the drums' (the pitched ones when the training music had no drums)."""
    beat = drums or pitched
    return clip.with_tracks(
        [
            _humanize_track(t, beat if t.is_drum else pitched, amount, rng, scale, velocity)
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
    runner: Runner, clip: Pattern, amount: float, seed: int, notices: Notices
) -> Pattern:
    """Loudness and timing drawn from the training music's statistics (drum tracks from its drums')."""
    p, drums = training_stats(runner, notices)
    out = _with_feel(clip, p, drums, amount, np.random.default_rng(seed))
    notices.append(
        f"{runner.spec.name} has no learned velocities: used the velocity and timing statistics of its "
        f"training music (velocity {p.velocity_mean:.0f} ± {p.velocity_std:.0f}, "
        f"timing spread {p.offset_std:.2f} steps)"
    )
    return out


def humanize_multitrack(runner: Runner, clip: Pattern, amount: float, seed: int, notices: Notices) -> Pattern:
    """Velocities predicted by the multitrack model for the clip's own notes (bar by bar, per instrument
    slot); its timing has no learned part, so offsets come from the training music's statistics if known."""
    steps = runner.converter.steps
    windows = _windows(clip, steps)
    batch = runner.batch([runner.converter.to_tensors(w) for w in windows])
    mu = runner.encode_batch(batch)
    given = {"program": batch["program"], "tokens": batch["tokens"]}
    # the notes are given, so temperature only scales the velocity spread: 1.0 is the real playing's
    vel = runner.decode(mu, 1.0, None, seed, notices, given=given)["velocity"]  # (W, 8, 16)
    programs = batch["program"].cpu().numpy()  # (W, 8)
    timing = runner.music_stats(notices).pitched  # the offsets of the training music's notes, if known
    rng = np.random.default_rng(seed)
    tracks = []
    for track in clip.tracks:
        code = DRUM_KIT if track.is_drum else track.program
        notes = []
        for n in track.notes:
            w, t = divmod(n.start, steps)
            slots = np.flatnonzero(programs[w] == code)
            v = float(vel[w, slots, t].max()) * 127.0 if len(slots) else 0.0
            o = n.offset
            if timing is not None:
                o = timing.offset_by_position[n.start % STEPS_PER_BAR] + rng.normal(0.0, timing.offset_jitter)
            notes.append(_move(n, v, o, amount) if v >= 1.0 else n)
        tracks.append(track.with_notes(notes))
    notices.append("velocities from the model; timing " + ("from the training music" if timing else "kept"))
    return clip.with_tracks(tracks)


def humanize(runner: Runner, clip: Pattern, amount: float, seed: int, notices: Notices) -> Pattern:
    """Same notes, with velocities and micro-timing learned from the training music (see Generator)."""
    if not 0.0 <= amount <= 2.0:
        raise GenerationError(f"--amount {amount} is outside 0..2")
    check_content(clip, runner.spec)
    if runner.spec.has_groove:
        return humanize_drums(runner, clip, amount, seed, notices)
    if runner.spec.decoder is DecoderKind.MULTITRACK:
        return humanize_multitrack(runner, clip, amount, seed, notices)
    return humanize_from_summary(runner, clip, amount, seed, notices)


def finish(
    runner: Runner, clips: list[Pattern], temperature: float, seed: int, feel: bool, notices: Notices
) -> list[Pattern]:
    """Decoded clips as the musician gets them: with the training music's feel where the model writes
    no loudness or timing (`feel`, the default), or every note flat on the grid (feel off)."""
    return add_feel(runner, clips, temperature, seed, notices) if feel else flatten(clips)
