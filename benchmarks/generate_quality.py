# SPDX-License-Identifier: MIT
"""Quality figures for bench_generate: tiny models trained for seconds on a few real files, and the
bundled drum model.

Interpolation (the bundled models): share of steps whose note distance from A grows and to B shrinks,
beside evenly spaced codes. Humanize (the bundled
drum model, on beats it never saw): velocity and timing spread of a flattened beat after humanizing, over
the drummer's own playing of it. Completion: Yang & Lerch
overlap of completed melodies with the training melodies, beside that of sampled melodies.
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from benchmarks.bench_generate import COMMAND, quick_model
from benchmarks.common import Figure
from engine.generation.generator import Generator
from engine.generation.morph import note_distances
from engine.midi.files import MidiError, read_clip, read_song
from engine.music.pattern import Note, Pattern, Role

MIDI = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "midi"
GROOVES = MIDI / "drums" / "zharry29-drums-with-llm"
GROOVE_VALIDATION = MIDI.parent / "train" / "groove" / "validation"
BEATS = [  # real grooves: the tiny test models learn from them; the first four are the blend corners
    "drummer3/session2/31_hiphop_92_beat_4-4.mid",
    "drummer3/session2/32_hiphop_92_beat_4-4.mid",
    "drummer4/session1/4_latin-brazilian_92_beat_4-4.mid",
    "drummer4/session1/6_blues-shuffle_134_beat_4-4.mid",
    "drummer7/session3/91_neworleans-funk_93_beat_4-4.mid",
    "drummer3/session1/16_jazz_120_beat_4-4.mid",
]
SONGS = [
    MIDI / "multitrack" / "freedoom-freedoom" / f"{n}.mid" for n in ("d_dm15", "d_dm25", "d_dm28", "d_map03")
]


def _folder(root: Path, name: str, files: Sequence[Path]) -> Path:
    folder = root / name
    folder.mkdir()
    for f in files:
        (folder / f.name).symlink_to(f)
    return folder


def monotone_share(clips: Sequence[Pattern]) -> float:
    """Share of steps whose note distance from the first clip does not shrink and to the last does not
    grow (notes as (pitch, step, drum))."""
    from_a, to_b = note_distances(clips)
    return float(
        np.mean([from_a[i + 1] >= from_a[i] and to_b[i + 1] <= to_b[i] for i in range(len(clips) - 1)])
    )


def _flat(p: Pattern) -> Pattern:
    return p.with_tracks(
        [t.with_notes(Note(n.pitch, n.start, n.end, 100, 0.0) for n in t.notes) for t in p.tracks]
    )


def tunes(count: int) -> list[Pattern]:
    """The first `count` tunes with 4/4 bars: the folk tunes, then Bach chorales (their soprano leads)."""
    tunes = []
    for path in sorted((MIDI / "folk").rglob("*.mid")) + sorted((MIDI / "bach_chorales").rglob("*.mid")):
        try:
            segments = read_song(path).segments  # the first run of 4/4 bars: 6/8 and 3/4 tunes give none
        except MidiError:
            continue
        if not segments:
            continue
        tunes.append(segments[0])
        if len(tunes) == count:
            break
    return tunes


def _interpolation_figures() -> list[Figure]:
    """Bundled models on music they never trained on: 15 pairs each, 7 steps at temperature 0, Bandmate's
    `interpolate` beside evenly spaced codes decoded as they are (MusicVAE's own interpolation)."""
    out = []
    for config, clips, what in (
        ("drums_2bar", [read_clip(p) for p in validation_beats(6)], "6 Groove validation beats"),
        ("mel_2bar", tunes(6), "6 folk tunes and chorales"),
    ):
        gen = Generator.load(config)
        pairs = list(itertools.combinations(clips, 2))
        mine = [monotone_share(gen.interpolate(a, b, 7, temperature=0.0)) for a, b in pairs]
        even = [monotone_share(gen.decode(gen.interpolation_path(a, b, 7), 0.0)) for a, b in pairs]
        note = f"bundled {config}; {what}, {len(pairs)} pairs, 7 steps, note space"
        out += [
            Figure(f"interpolation steps moving away from A and toward B ({config})", tuple(mine), "share",
                   "1.0", COMMAND, note=note),
            Figure(f"the same with evenly spaced codes ({config})", tuple(even), "share", "-", COMMAND,
                   note=note),
        ]  # fmt: skip
    return out


def validation_beats(count: int) -> list[Path]:
    """`count` 4/4 beats spread evenly over the Groove validation split (the bundled drum model never
    trained on them)."""
    beats = sorted(GROOVE_VALIDATION.rglob("*_beat_4-4.mid"))
    return beats[:: max(1, len(beats) // count)][:count]


def humanize_ratios(gen: Generator, beats: Sequence[Path], bars: int = 8) -> tuple[list[float], list[float]]:
    """Per beat: the velocity and timing spread of its humanized flat copy over the drummer's own."""
    vel, off = [], []
    for path in beats:
        played = read_clip(path)
        played = played.slice(0, min(played.steps, bars * 16))
        out = gen.humanize(_flat(played), 1.0, seed=0)
        mine = [n for t in out.tracks for n in t.notes]
        real = [n for t in played.tracks for n in t.notes]
        vel.append(float(np.std([n.velocity for n in mine]) / np.std([n.velocity for n in real])))
        off.append(float(np.std([n.offset for n in mine]) / np.std([n.offset for n in real])))
    return vel, off


def _humanize_figures() -> list[Figure]:
    gen = Generator.load("drums_2bar")
    vel, off = humanize_ratios(gen, validation_beats(20))
    note = "bundled drums_2bar; 20 Groove validation beats, 8 bars, flattened (velocity 100, on the grid)"
    return [
        Figure("humanized velocity spread / the drummer's own", tuple(vel), "ratio", "about 1", COMMAND,
               note=note),
        Figure("humanized timing spread / the drummer's own", tuple(off), "ratio", "about 1", COMMAND,
               note=note),
    ]  # fmt: skip


def _melodies(patterns: Sequence[Pattern]) -> list[Pattern]:
    out = []
    for p in patterns:
        lead = [t for t in p.tracks if t.name == "melody" or t.role == Role.LEAD]
        out.append(p.with_tracks(lead[:1]))
    return out


def _completion_figures(root: Path) -> list[Figure]:
    folder = _folder(root, "band", SONGS)
    gen = Generator.load(quick_model(folder, "trio_16bar", root / "trio-model", 60, batch=16))
    conv = gen.converter
    windows = [w for f in SONGS for seg in read_song(f).segments for w in conv.windows(seg)][::4]
    reference = _melodies([conv.from_tensors(conv.to_tensors(w)) for w in windows])
    given = [w for w in windows if w.track_for(Role.BASS) and any(t.is_drum for t in w.tracks)][:8]
    completed = _melodies([gen.complete(w, "melody", seed=i, temperature=0.5) for i, w in enumerate(given)])
    sampled = _melodies(gen.sample(len(given), 0.5, seed=0))
    from engine.evaluation.metrics import compare_sets, mean_area

    done, free = mean_area(compare_sets(reference, completed)), mean_area(compare_sets(reference, sampled))
    note = f"trio_16bar tiny, 60 steps on 4 songs; {len(given)} clips vs {len(reference)} windows"
    return [
        Figure("completed melodies: overlap with the training melodies", (done or 0.0,), "area", "≥ samples",
               COMMAND, note=note),
        Figure("sampled melodies: overlap with the training melodies", (free or 0.0,), "area", "", COMMAND,
               note=note),
    ]  # fmt: skip


def quality_figures() -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="bandmate-bench-") as tmp:
        return _interpolation_figures() + _humanize_figures() + _completion_figures(Path(tmp))
