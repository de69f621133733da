"""engine/data/codec.py: decoded tokens become the notes the reference loops made (the vectorised
`drum_notes` and `decode_line` against those loops, on random tokens, velocities and offsets)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.data.codec import (
    DEFAULT_VELOCITY,
    DRUM_PITCHES,
    decode_line,
    drum_notes,
    encode_line,
    monophonic,
    token_hits,
)
from engine.music.pattern import Note


def _reference(tokens: np.ndarray, velocity: np.ndarray | None, offset: np.ndarray | None) -> list[Note]:
    """One hit at a time, as drum_notes did before it was vectorised."""
    notes = []
    for step, k in zip(*np.nonzero(token_hits(np.clip(tokens, 0, 511))), strict=True):
        v = None if velocity is None else (velocity[step] if velocity.ndim == 1 else velocity[step, k])
        o = 0.0 if offset is None else float(offset[step] if offset.ndim == 1 else offset[step, k])
        vel = DEFAULT_VELOCITY if v is None or v <= 0 else min(max(int(round(float(v) * 127)), 1), 127)
        notes.append(Note(DRUM_PITCHES[k][0], int(step), int(step) + 1, vel, min(max(o, -0.5), 0.499)))
    return notes


@pytest.mark.parametrize("per_class", [True, False])
def test_drum_notes_match_the_reference_loop(per_class: bool) -> None:
    rng = np.random.default_rng(0)
    for _ in range(50):
        tokens = rng.integers(-3, 600, 32)  # out-of-range tokens are clipped
        shape = (32, 9) if per_class else (32,)
        velocity = rng.uniform(-0.1, 1.1, shape).astype(np.float32)
        velocity[rng.random(shape) < 0.2] = 0.0  # no prediction: velocity 100
        velocity.flat[:4] = np.array([0.5, 1.5, 2.5, 63.5]) / 127  # halves round to even, as round() does
        offset = rng.uniform(-0.7, 0.7, shape).astype(np.float32)
        for vel, off in ((velocity, offset), (None, None), (velocity, None), (None, offset)):
            got = drum_notes(tokens, vel, off)
            assert got == _reference(tokens, vel, off)
            assert all(type(n.velocity) is int and type(n.offset) is float for n in got)


def _reference_line(tokens: np.ndarray, velocity: np.ndarray | None) -> list[Note]:
    """Step by step, as decode_line did before it was vectorised."""
    notes: list[Note] = []
    pitch, start = -1, 0
    for step in range(len(tokens) + 1):
        token = int(tokens[step]) if step < len(tokens) else 1
        if token == 0 or token >= 90 or token < 0:
            continue
        if pitch >= 0:
            v = DEFAULT_VELOCITY
            if velocity is not None:
                value = int(round(float(velocity[start]) * 127))
                v = min(max(value, 1), 127) if value > 0 else DEFAULT_VELOCITY
            notes.append(Note(pitch, start, step, v))
            pitch = -1
        if token >= 2:
            pitch, start = token - 2 + 21, step
    return notes


def test_decode_line_matches_the_reference_loop() -> None:
    rng = np.random.default_rng(1)
    for trial in range(200):
        steps = (16, 32, 256)[trial % 3]
        tokens = rng.choice([-1, 0, 0, 0, 1, 1, 2, 40, 89, 90, 95], steps)  # silence, offs, notes, junk
        tokens = np.where(rng.random(steps) < 0.3, rng.integers(2, 90, steps), tokens)
        velocity = rng.uniform(-0.1, 1.1, steps).astype(np.float32)
        velocity[rng.random(steps) < 0.2] = 0.0
        velocity[:3] = np.array([0.5, 1.5, 0.003]) / 127  # halves round to even; rounding to 0 gives 100
        for vel in (None, velocity):
            got = decode_line(tokens, vel)
            assert got == _reference_line(tokens, vel)
            assert all(type(n.velocity) is int and type(n.pitch) is int for n in got)


def test_encode_line_at_once_equals_one_note_after_the_other() -> None:
    """The vectorised path (strictly increasing onsets) against the loop it stands for, on random lines
    with pitches outside 21..108, onsets outside the window and notes outlasting it."""
    from engine.data.codec import fit_pitch
    from models.vocab import FIRST_PITCH_TOKEN, MIN_PITCH, NO_EVENT, NOTE_OFF

    def loop(line: list[Note], steps: int) -> np.ndarray:
        tokens = [NO_EVENT] * steps
        for i, n in enumerate(line):
            if 0 <= n.start < steps:
                tokens[n.start] = FIRST_PITCH_TOKEN + fit_pitch(n.pitch) - MIN_PITCH
                following = line[i + 1].start if i + 1 < len(line) else steps
                if n.end < min(following, steps):
                    tokens[n.end] = NOTE_OFF
        return np.array(tokens, dtype=np.int64)

    rng = np.random.default_rng(1)
    for _ in range(500):
        steps = int(rng.integers(1, 64))
        notes = [
            Note(int(rng.integers(0, 128)), int(s), int(s) + int(rng.integers(1, 20)))
            for s in rng.integers(0, 70, size=int(rng.integers(0, 30)))
        ]
        for line in (monophonic(notes), monophonic(notes, top=False), sorted(notes, key=lambda n: n.start)):
            assert np.array_equal(encode_line(line, steps), loop(line, steps))
