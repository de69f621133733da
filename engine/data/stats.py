# SPDX-License-Identifier: MIT
"""Statistics of a body of music that generation reuses: loudness and micro-timing per beat position
(humanize for models without learned velocity), key and pitch classes (`--key auto`), tempo.

`music_stats(patterns)` gives a JSON-able dict meant for the data summary in a model's `model.json`
(meta["data"]); `folder_stats(folder)` reads a MIDI folder for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from engine.music.keys import key_from_histogram, pitch_class_histogram
from engine.music.pattern import STEPS_PER_BAR, Pattern

MIN_NOTES = 8  # fewer notes than this give no statistics


def _timing(notes: list[tuple[int, int, float]]) -> dict[str, Any]:
    """Velocity and offset statistics of (step-in-bar, velocity, offset) triples."""
    if len(notes) < MIN_NOTES:
        return {}
    pos = np.array([n[0] for n in notes])
    vel = np.array([n[1] for n in notes], dtype=float)
    off = np.array([n[2] for n in notes], dtype=float)
    by_pos_v = np.full(STEPS_PER_BAR, vel.mean())
    by_pos_o = np.full(STEPS_PER_BAR, off.mean())
    for p in range(STEPS_PER_BAR):
        here = pos == p
        if here.sum() >= 2:
            by_pos_v[p], by_pos_o[p] = vel[here].mean(), off[here].mean()
    return {
        "notes": len(notes),
        "velocity_mean": round(float(vel.mean()), 3),
        "velocity_std": round(float(vel.std()), 3),
        "velocity_jitter": round(float((vel - by_pos_v[pos]).std()), 3),  # spread around the position mean
        "velocity_by_position": [round(float(v), 2) for v in by_pos_v],
        "offset_mean": round(float(off.mean()), 4),
        "offset_std": round(float(off.std()), 4),
        "offset_jitter": round(float((off - by_pos_o[pos]).std()), 4),
        "offset_by_position": [round(float(o), 4) for o in by_pos_o],
    }


def music_stats(patterns: Iterable[Pattern]) -> dict[str, Any]:
    """Stats of pitched notes (top level), of drum hits (under "drums"), key, pitch classes, tempo."""
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
    out: dict[str, Any] = dict(_timing(pitched))
    if drums_stats := _timing(drums):
        out["drums"] = drums_stats
    key = key_from_histogram(hist)
    if key is not None:
        out["key"] = str(key)
        out["pitch_classes"] = [round(float(h), 1) for h in hist]
    if tempos:
        out["tempo_median"] = round(float(np.median(tempos)), 2)
    return out


def folder_stats(folder: str | Path, files: Iterable[str | Path] | None = None) -> dict[str, Any]:
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
