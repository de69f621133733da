# SPDX-License-Identifier: MIT
"""Token codecs shared by the converters: monophonic lines ⇄ melody tokens, drum hits ⇄ 9-class tokens.

The vocabularies themselves (token numbers, drum classes and their General MIDI keys) live in
models/vocab.py.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from engine.music.pattern import Note, make_notes
from models.vocab import (
    DRUM_CLASS_OF,
    DRUM_CLASSES,
    DRUM_PITCHES,
    DRUM_VOCAB,
    FIRST_PITCH_TOKEN,
    MAX_PITCH,
    MELODY_VOCAB,
    MIN_PITCH,
    NO_EVENT,
    NOTE_OFF,
)

DEFAULT_VELOCITY = 100  # what notes get where the model writes no velocity
_BITS = 1 << np.arange(DRUM_CLASSES)
_CLASS_OF = np.array([DRUM_CLASS_OF.get(p, -1) for p in range(128)], dtype=np.int64)  # pitch -> class, -1
_FIRST_PITCH = np.array([pitches[0] for pitches in DRUM_PITCHES])  # what a decoded hit of a class plays


def fit_pitch(pitch: int) -> int:
    """Move a pitch by octaves into the melody range 21..108."""
    while pitch < MIN_PITCH:
        pitch += 12
    while pitch > MAX_PITCH:
        pitch -= 12
    return pitch


def monophonic(notes: Iterable[Note], top: bool = True) -> list[Note]:
    """Reduce notes to one line: the top line (melody) or, with top=False, the lowest line (bass).

    At each onset the highest (lowest) new note wins; it is dropped while a higher (lower) note of the line
    still sounds, otherwise it cuts the sounding note short.
    """
    by_step: dict[int, Note] = {}
    for n in notes:
        best = by_step.get(n.start)
        if best is None or (n.pitch > best.pitch if top else n.pitch < best.pitch):
            by_step[n.start] = n
    line: list[Note] = []
    for step in sorted(by_step):
        n = by_step[step]
        if line and line[-1].end > step:
            cur = line[-1]
            if (cur.pitch > n.pitch) if top else (cur.pitch < n.pitch):
                continue
            line[-1] = Note(cur.pitch, cur.start, step, cur.velocity, cur.offset)
        line.append(n)
    return line


def encode_line(line: Sequence[Note], steps: int) -> np.ndarray:
    """A monophonic line (from `monophonic`) as melody tokens, int64 (steps,).

    Vectorised when the onsets strictly increase (a line from `monophonic` always): then no two tokens
    land on one step and the writes need no order; otherwise one note after the other."""
    if line and steps > 0:
        count = len(line)
        start = np.fromiter(map(_start_of, line), dtype=np.int64, count=count)
        if count == 1 or bool((start[1:] > start[:-1]).all()):
            return _encode_increasing(line, start, steps)
    tokens = [NO_EVENT] * steps  # a list first: numpy item writes are slow
    for i, n in enumerate(line):
        if 0 <= n.start < steps:
            tokens[n.start] = FIRST_PITCH_TOKEN + fit_pitch(n.pitch) - MIN_PITCH
            following = line[i + 1].start if i + 1 < len(line) else steps
            if n.end < min(following, steps):
                tokens[n.end] = NOTE_OFF
    return np.array(tokens, dtype=np.int64)


_start_of = operator.attrgetter("start")  # of a Note, at C speed
_pitch_of = operator.attrgetter("pitch")
_end_of = operator.attrgetter("end")


def _encode_increasing(line: Sequence[Note], start: np.ndarray, steps: int) -> np.ndarray:
    """`encode_line` of a line whose onsets `start` strictly increase, at once: each onset in [0, steps)
    gets its pitch token (moved into 21..108 by octaves, as `fit_pitch` does), and a NOTE_OFF where the
    note ends before the next onset (and before `steps`)."""
    count = len(line)
    pitch = np.fromiter(map(_pitch_of, line), dtype=np.int64, count=count)
    end = np.fromiter(map(_end_of, line), dtype=np.int64, count=count)
    pitch = pitch - 12 * np.minimum((pitch - MIN_PITCH) // 12, 0)  # up by octaves below MIN_PITCH
    pitch = pitch - 12 * np.maximum(-((MAX_PITCH - pitch) // 12), 0)  # down by octaves above MAX_PITCH
    tokens = np.full(steps, NO_EVENT, dtype=np.int64)
    inside = (start >= 0) & (start < steps)
    tokens[start[inside]] = FIRST_PITCH_TOKEN + pitch[inside] - MIN_PITCH
    following = np.append(start[1:], steps)
    off = inside & (end < np.minimum(following, steps))
    tokens[end[off]] = NOTE_OFF
    return tokens


def decode_line(tokens: np.ndarray, velocity: np.ndarray | None = None) -> list[Note]:
    """Melody tokens (steps,) back to notes; velocity (steps,) in [0,1] at onsets, else 100.

    A note runs from its pitch token to the next note-off or pitch token (or the end); other tokens
    (no event, out of range) are skipped. Vectorised: this runs on every decoded clip.
    """
    tokens = np.asarray(tokens)
    events = np.flatnonzero((tokens >= NOTE_OFF) & (tokens < MELODY_VOCAB))  # note-offs and note-ons
    ons = np.flatnonzero(tokens[events] >= FIRST_PITCH_TOKEN)  # indices into events
    starts = events[ons]
    ends = np.append(events, len(tokens))[ons + 1]  # the next event, else the end
    pitches = tokens[starts] - FIRST_PITCH_TOKEN + MIN_PITCH
    vel = [DEFAULT_VELOCITY] * len(starts)
    if velocity is not None:
        value = np.rint(np.asarray(velocity[starts], dtype=np.float64) * 127)  # half to even, as round()
        clipped = np.where(value > 0, np.minimum(np.maximum(value, 1), 127), DEFAULT_VELOCITY)
        vel = clipped.astype(np.int64).tolist()
    count = len(starts)
    # make_notes: the same notes as Note(p, s, e, v) one by one, checked column by column
    return list(
        make_notes(pitches.tolist(), starts.tolist(), ends.tolist(), vel, [0.0] * count, [-1] * count)
    )


def drum_grid(notes: Iterable[Note], steps: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Drum notes as (hits, velocity, offset), each f32 (steps, 9); the loudest hit of a class wins (the
    first of equals, in the notes' order). Vectorised (NumPy).

    Pitches outside the 9-class map are dropped, as Magenta's ignore_unknown_drums does.
    """
    hits = np.zeros((steps, DRUM_CLASSES), dtype=np.float32)
    vel = np.zeros_like(hits)
    off = np.zeros_like(hits)
    notes = notes if isinstance(notes, Sequence) else list(notes)
    if not notes:
        return hits, vel, off
    start, pitch, velocity = np.array([(n.start, n.pitch, n.velocity) for n in notes], dtype=np.int64).T
    klass = _CLASS_OF[pitch]
    index = np.flatnonzero((klass >= 0) & (start >= 0) & (start < steps))
    if len(index):
        order = index[np.lexsort((index, -velocity[index], klass[index], start[index]))]
        cell = start[order] * DRUM_CLASSES + klass[order]
        win = order[
            np.concatenate(([True], cell[1:] != cell[:-1]))
        ]  # per (step, class): the loudest, then the first
        rows, cols = start[win], klass[win]
        hits[rows, cols] = 1.0
        vel[rows, cols] = velocity[win] / 127.0
        off[rows, cols] = np.array([notes[i].offset for i in win.tolist()], dtype=np.float64)
    return hits, vel, off


def drum_tokens(hits: np.ndarray) -> npt.NDArray[np.int64]:
    """Hits (steps, 9) -> tokens int64 (steps,) with bit k set for class k."""
    tokens: npt.NDArray[np.int64] = ((hits > 0.5).astype(np.int64) * _BITS).sum(axis=-1)
    return tokens


def token_hits(tokens: np.ndarray) -> np.ndarray:
    """Tokens (steps,) -> hits f32 (steps, 9)."""
    return ((np.asarray(tokens, dtype=np.int64)[:, None] & _BITS) > 0).astype(np.float32)


def drum_notes(
    tokens: np.ndarray, velocity: np.ndarray | None = None, offset: np.ndarray | None = None
) -> list[Note]:
    """Drum tokens (steps,) back to one-step notes on each class's first pitch.

    velocity/offset are (steps, 9) per class or (steps,) per step; missing ones give 100 and 0.
    Velocity 0 (no prediction) also gives 100. Vectorised: this runs on every decoded clip.
    """
    # np.minimum/np.maximum, not np.clip: the same values at a third of the call cost (numpy 2)
    tokens = np.minimum(np.maximum(tokens, 0), DRUM_VOCAB - 1)
    steps, classes = np.nonzero(tokens[:, None] & _BITS)  # by step, then class
    vel = [DEFAULT_VELOCITY] * len(steps)
    if velocity is not None:
        v = np.asarray(velocity[steps] if velocity.ndim == 1 else velocity[steps, classes], dtype=np.float64)
        scaled = np.minimum(np.maximum(np.rint(v * 127), 1), 127)  # rint: half to even, as round() does
        vel = np.where(v > 0, scaled, DEFAULT_VELOCITY).astype(np.int64).tolist()
    off = [0.0] * len(steps)
    if offset is not None:
        o = np.asarray(offset[steps] if offset.ndim == 1 else offset[steps, classes], dtype=np.float64)
        off = np.minimum(np.maximum(o, -0.5), 0.499).tolist()
    # make_notes: the same notes as Note(p, s, s + 1, v, o) one by one, checked column by column
    return list(
        make_notes(
            _FIRST_PITCH[classes].tolist(), steps.tolist(), (steps + 1).tolist(), vel, off, [-1] * len(steps)
        )
    )
