# SPDX-License-Identifier: MIT
"""Statistics of a body of music that generation reuses: loudness and micro-timing per beat position
(humanize for models without learned velocity), key and pitch classes (`--key auto`), tempo.

`music_stats(patterns)` gives the `MusicStats` of a model card's data summary (models/card.py);
`folder_stats(folder)` reads a MIDI folder for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from engine.music.keys import key_from_histogram, pitch_class_histogram
from engine.music.pattern import STEPS_PER_BAR, Pattern
from models.card import MusicStats, TimingStats

MIN_NOTES = 8  # fewer notes than this give no statistics


def _timing(notes: list[tuple[int, int, float]]) -> TimingStats | None:
    """Velocity and offset statistics of (step-in-bar, velocity, offset) triples; None for too few."""
    if len(notes) < MIN_NOTES:
        return None
    pos = np.array([n[0] for n in notes])
    vel = np.array([n[1] for n in notes], dtype=float)
    off = np.array([n[2] for n in notes], dtype=float)
    by_pos_v = np.full(STEPS_PER_BAR, vel.mean())
    by_pos_o = np.full(STEPS_PER_BAR, off.mean())
    for p in range(STEPS_PER_BAR):
        here = pos == p
        if here.sum() >= 2:
            by_pos_v[p], by_pos_o[p] = vel[here].mean(), off[here].mean()
    return TimingStats(
        notes=len(notes),
        velocity_mean=round(float(vel.mean()), 3),
        velocity_std=round(float(vel.std()), 3),
        velocity_jitter=round(float((vel - by_pos_v[pos]).std()), 3),  # spread around the position mean
        velocity_by_position=tuple(round(float(v), 2) for v in by_pos_v),
        offset_mean=round(float(off.mean()), 4),
        offset_std=round(float(off.std()), 4),
        offset_jitter=round(float((off - by_pos_o[pos]).std()), 4),
        offset_by_position=tuple(round(float(o), 4) for o in by_pos_o),
    )


def music_stats(patterns: Iterable[Pattern]) -> MusicStats:
    """Timing of the pitched notes and of the drum hits, key, pitch classes, median tempo."""
    pitched: list[tuple[int, int, float]] = []
    drums: list[tuple[int, int, float]] = []
    hist = np.zeros(12)
    tempos: list[float] = []
    for p in patterns:
        tempos.append(p.tempo)
        hist += pitch_class_histogram(p)
        for t in p.tracks:
            into = drums if t.is_drum else pitched
            into += [(n.start % STEPS_PER_BAR, n.velocity, n.offset) for n in t.notes]
    key = key_from_histogram(hist)
    return MusicStats(
        pitched=_timing(pitched),
        drums=_timing(drums),
        key=None if key is None else str(key),
        pitch_classes=None if key is None else tuple(round(float(h), 1) for h in hist),
        tempo_median=round(float(np.median(tempos)), 2) if tempos else None,
    )


def folder_stats(folder: str | Path, files: Iterable[str | Path] | None = None) -> MusicStats:
    """music_stats of every usable 4/4 segment in `files` (default: all MIDI files in `folder`)."""
    from engine.data.dataset import scan_folder
    from engine.midi.files import MidiError, read_song

    segments: list[Pattern] = []
    for path in files if files is not None else scan_folder(folder):
        try:
            segments += read_song(path).segments
        except (MidiError, OSError, ValueError):
            continue
    return music_stats(segments)
