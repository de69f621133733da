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
import collections
import dataclasses
import functools
import operator

import numpy as np

from engine.data.codec import DEFAULT_VELOCITY
from engine.generation.fit import GenerationError, check_content, readable_spans
from engine.generation.runner import Notices, Runner
from engine.music.pattern import STEPS_PER_BAR, Note, Pattern, Track, make_notes, ordered_track
from models.card import TimingStats
from models.spec import DecoderKind
from models.vocab import DRUM_CLASS_OF, DRUM_KIT

MAX_OFFSET = 0.499  # Note.offset must stay < 0.5
# model windows one humanize encodes and decodes (512 bars of drums_2bar); each costs a few ms of CPU, so
# a clip of thousands of bars (a damaged file's far delta times) would take a minute
MAX_WINDOWS = 256
_pitch_of, _start_of, _end_of = (operator.attrgetter(f) for f in ("pitch", "start", "end"))
_velocity_of, _offset_of, _ref_of = (operator.attrgetter(f) for f in ("velocity", "offset", "ref"))
_SET_VELOCITY, _SET_OFFSET = Note.__dict__["velocity"].__set__, Note.__dict__["offset"].__set__  # slots
_SINK: collections.deque[None] = collections.deque(maxlen=0)
_consume = _SINK.extend  # runs an iterator to its end, keeping nothing


def _move(note: Note, velocity: float, offset: float, amount: float) -> Note:
    if amount == 0.0:
        return note
    v = note.velocity + amount * (velocity - note.velocity)
    o = note.offset + amount * (offset - note.offset)
    # plain min/max: np.clip on one number costs ~20 us, which a clip of many thousand notes pays per note
    return Note(
        note.pitch,
        note.start,
        note.end,
        min(max(round(v), 1), 127),
        min(max(float(o), -0.5), MAX_OFFSET),
        note.ref,
    )


class _Windows:
    """The clip's 4/4 runs cut into model-length windows (the last of each run padded with silence), and
    which window and step each note falls in. Windows where no note starts are left out (they have
    nothing to move); after `limit` windows the rest of the clip is left as it was, and `notice` says
    from which bar."""

    def __init__(
        self, clip: Pattern, steps: int, spans: list[tuple[int, int]], limit: int = MAX_WINDOWS
    ) -> None:
        self.steps = steps
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.patterns: list[Pattern] = []
        self.notice = ""
        onsets = sorted({n.start for t in clip.tracks for n in t.notes})
        for lo, hi in spans:
            for start in range(lo, hi, steps):
                end = min(start + steps, hi)
                first = bisect.bisect_left(onsets, start)
                if first == len(onsets) or onsets[first] >= end:
                    continue
                if len(self.patterns) == limit:
                    bar = bisect.bisect_right(clip.bar_starts(), start)
                    self.notice = (
                        f"bars {bar}-{clip.bars} were left as they were: one humanize moves at most "
                        f"{limit} windows of {steps // STEPS_PER_BAR} bar(s) (humanize the rest on its own)"
                    )
                    return
                w = clip.slice(start, end)
                self.patterns.append(w if w.steps == steps else Pattern(w.tracks, steps, w.tempo))
                self.starts.append(start)
                self.ends.append(end)

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


def humanize_drums(
    runner: Runner, clip: Pattern, amount: float, seed: int, notices: Notices, windows: _Windows
) -> Pattern:
    """Velocities and offsets predicted by the drum model for the clip's own hits, window by window, with
    the held-out spread of real playing around them."""
    batch = runner.batch([runner.converter.to_tensors(w) for w in windows.patterns])
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
            cls, where = DRUM_CLASS_OF.get(n.pitch), windows.find(n)
            if cls is None or where is None:
                notes.append(n)
                continue
            w, t = where
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


@functools.lru_cache(maxsize=64)
def _by_position(values: tuple[float, ...]) -> np.ndarray:
    """A statistic per beat position as a read-only float64 array (made once per model, not per clip)."""
    out = np.asarray(values, dtype=np.float64)
    out.flags.writeable = False
    return out


def _humanize_track(
    track: Track,
    stats: TimingStats,
    amount: float,
    rng: np.random.Generator,
    scale: float = 1.0,
    velocity: bool = True,
    spans: list[tuple[int, int]] | None = None,
    fresh: bool = False,
) -> Track:
    """Each note moved toward its beat position's mean velocity and offset plus the music's jitter
    around those means (times `scale`); with velocity=False only the timing moves. With `spans` only
    notes starting in them move (beat positions counted from each span's start); amount 0 moves none.

    `fresh`: the track's notes were made for this call and nothing else holds them (a clip just decoded,
    see `finish`): their velocities and offsets are set in place and the track itself comes back (the
    same values as new notes, without making 500 notes again per 16-bar trio)."""
    if not track.notes or amount == 0.0:
        return track
    notes = track.notes
    if spans is None:
        moving = None  # every note
        starts = np.fromiter(map(_start_of, notes), dtype=np.int64, count=len(notes))
        pos = starts % STEPS_PER_BAR
        velocities = np.fromiter(map(_velocity_of, notes), dtype=np.float64, count=len(notes))
        offsets = np.fromiter(map(_offset_of, notes), dtype=np.float64, count=len(notes))
    else:
        placed = [
            (i, n.start - origin)
            for i, n in enumerate(notes)
            if (origin := _span_start(spans, n.start)) is not None
        ]
        if not placed:
            return track
        moving = [i for i, _ in placed]
        pos = np.array([d % STEPS_PER_BAR for _, d in placed], dtype=np.int64)
        velocities = np.array([notes[i].velocity for i in moving], dtype=np.float64)
        offsets = np.array([notes[i].offset for i in moving], dtype=np.float64)
    # all notes at once (this runs on every generated clip): the draws alternate velocity, offset per note,
    # the order the note-by-note loop drew them in, so a seed gives the same feel
    # rng.normal(0, sd) draws loc + sd * standard_normal() per number (numpy's random_normal): the same
    # numbers from one standard_normal fill, without normal's per-number broadcasting (~3x the cost)
    jitter = np.array([stats.velocity_jitter * scale, stats.offset_jitter * scale])
    draws = 0.0 + rng.standard_normal((len(pos), 2)) * jitter
    v = _by_position(stats.velocity_by_position)[pos] + draws[:, 0]
    o = _by_position(stats.offset_by_position)[pos] + draws[:, 1]
    v = velocities + amount * ((v if velocity else velocities) - velocities)  # as _move
    o = offsets + amount * (o - offsets)
    # np.minimum/np.maximum, not np.clip: the same values at a third of the call cost
    vel = np.minimum(np.maximum(np.rint(v), 1), 127).astype(np.int64).tolist()  # rint: half to even
    off = np.minimum(np.maximum(o, -0.5), MAX_OFFSET).tolist()
    if moving is None and fresh:  # in range by the clipping above, as Note checks them
        _consume(map(_SET_VELOCITY, notes, vel))
        _consume(map(_SET_OFFSET, notes, off))
        return track
    if moving is None:  # the notes' own pitches, spans and refs with the new velocities and offsets
        new = make_notes(
            list(map(_pitch_of, notes)),
            list(map(_start_of, notes)),
            list(map(_end_of, notes)),
            vel,
            off,
            list(map(_ref_of, notes)),
        )
        # same starts, pitches and ends: the track's order holds, so no sort again
        return ordered_track(new, track.program, track.is_drum, track.role, track.name, track.channel)
    out = list(notes)
    for i, vv, oo in zip(moving, vel, off, strict=True):
        n = out[i]  # Note(...), not dataclasses.replace: 4x cheaper
        out[i] = Note(n.pitch, n.start, n.end, vv, oo, n.ref)
    return track.with_notes(out)


def add_feel(
    runner: Runner,
    clips: list[Pattern],
    temperature: float,
    seed: int,
    notices: Notices,
    fresh: bool = False,
) -> list[Pattern]:
    """Generated clips played with the training music's loudness and timing where the model writes none.

    mel_2bar and trio_16bar write every note at velocity 100 on the grid: each note gets its beat
    position's mean velocity and timing in the training music plus that music's jitter, scaled by
    sqrt(temperature) as engine/generation/groove.py scales a drum model's spread (0 gives the means alone).
    multitrack_1bar writes velocities but no timing, so only the timing moves; drums_2bar writes both.
    Clips stay as they are when the model records no statistics of its training music.
    `fresh`: the clips were just decoded and nothing else holds their notes (`_humanize_track`).
    """
    if runner.spec.has_groove or runner.spec.decoder is DecoderKind.BAND:  # they write both themselves
        return clips
    stats = runner.music_stats(notices)
    if stats.pitched is None:
        return clips
    scale = float(np.sqrt(max(temperature, 0.0)))
    velocity = not runner.spec.velocity_head
    rng = np.random.default_rng(seed)
    return [
        _with_feel(clip, stats.pitched, stats.drums, 1.0, rng, scale, velocity, fresh=fresh) for clip in clips
    ]


def _with_feel(
    clip: Pattern,
    pitched: TimingStats,
    drums: TimingStats | None,
    amount: float,
    rng: np.random.Generator,
    scale: float = 1.0,
    velocity: bool = True,
    spans: list[tuple[int, int]] | None = None,
    fresh: bool = False,
) -> Pattern:
    """Every track moved by `_humanize_track`: pitched tracks by the pitched notes' statistics, drum
    tracks by the drums' (the pitched ones when the training music had no drums)."""
    beat = drums or pitched
    tracks = [
        _humanize_track(t, beat if t.is_drum else pitched, amount, rng, scale, velocity, spans, fresh)
        for t in clip.tracks
    ]
    if fresh and all(map(operator.is_, tracks, clip.tracks)):  # moved in place (or nothing to move)
        return clip
    return clip.with_tracks(tracks)


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
    runner: Runner, clip: Pattern, amount: float, seed: int, notices: Notices, spans: list[tuple[int, int]]
) -> Pattern:
    """Loudness and timing drawn from the training music's statistics (drum tracks from its drums')."""
    p, drums = training_stats(runner, notices)
    out = _with_feel(clip, p, drums, amount, np.random.default_rng(seed), spans=spans)
    why = (
        "writes velocity and timing only with notes of its own"
        if runner.spec.decoder is DecoderKind.BAND
        else "has no learned velocities"
    )
    notices.append(
        f"{runner.spec.name} {why}: used the velocity and timing statistics of its "
        f"training music (velocity {p.velocity_mean:.0f} ± {p.velocity_std:.0f}, "
        f"timing spread {p.offset_std:.2f} steps)"
    )
    return out


def humanize_multitrack(
    runner: Runner, clip: Pattern, amount: float, seed: int, notices: Notices, windows: _Windows
) -> Pattern:
    """Velocities predicted by the multitrack model for the clip's own notes (bar by bar, per instrument
    slot); its timing has no learned part, so offsets come from the training music's statistics if known."""
    batch = runner.batch([runner.converter.to_tensors(w) for w in windows.patterns])
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
            where = windows.find(n)
            if where is None:
                notes.append(n)
                continue
            w, t = where
            slots = np.flatnonzero(programs[w] == code)
            v = float(vel[w, slots, t].max()) * 127.0 if len(slots) else 0.0
            o = n.offset
            if timing is not None:
                o = timing.offset_by_position[t % STEPS_PER_BAR] + rng.normal(0.0, timing.offset_jitter)
            notes.append(_move(n, v, o, amount) if v >= 1.0 else n)
        tracks.append(track.with_notes(notes))
    notices.append("velocities from the model; timing " + ("from the training music" if timing else "kept"))
    return clip.with_tracks(tracks)


def humanize(runner: Runner, clip: Pattern, amount: float, seed: int, notices: Notices) -> Pattern:
    """Same notes, with velocities and micro-timing learned from the training music (see Generator)."""
    if not 0.0 <= amount <= 2.0:
        raise GenerationError(f"--amount {amount} is outside 0..2")
    check_content(clip, runner.spec)
    try:
        spans, read = readable_spans(clip, any_meter=runner.spec.any_meter)
    except GenerationError as e:  # no 4/4 bar: every bar is left as it was
        notices.append(f"{e}: nothing was humanized")
        return clip
    notices.extend(read)
    steps = runner.converter.steps
    if runner.spec.has_groove or runner.spec.decoder is DecoderKind.MULTITRACK:
        windows = _Windows(clip, steps, spans)
        if windows.notice:
            notices.append(windows.notice)
        if runner.spec.has_groove:
            return humanize_drums(runner, clip, amount, seed, notices, windows)
        return humanize_multitrack(runner, clip, amount, seed, notices, windows)
    return humanize_from_summary(runner, clip, amount, seed, notices, spans)


def finish(
    runner: Runner,
    clips: list[Pattern],
    temperature: float,
    seed: int,
    feel: bool,
    notices: Notices,
    fresh: bool = False,
) -> list[Pattern]:
    """Decoded clips as the musician gets them: with the training music's feel where the model writes
    no loudness or timing (`feel`, the default), or every note flat on the grid (feel off). `fresh`:
    the clips were just decoded (`Runner.to_patterns`) and nothing else holds their notes, so the feel
    may set their velocities and offsets in place (the same clips as new notes would give)."""
    return add_feel(runner, clips, temperature, seed, notices, fresh) if feel else flatten(clips)
