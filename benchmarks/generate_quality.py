# SPDX-License-Identifier: MIT
"""Quality figures for bench_generate: tiny models trained for seconds on a few real files.

Interpolation: share of steps whose note distance from A grows and to B shrinks. Humanize: velocity and
timing spread of a flattened beat after humanizing, over the training music's. Completion: Yang & Lerch
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
from engine.generator import Generator
from engine.midi_io import read_clip, read_song
from engine.pattern import Note, Pattern, Role

MIDI = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "midi"
GROOVES = MIDI / "drums" / "zharry29-drums-with-llm"
BEATS = [
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


def _monotone_share(gen: Generator, a: Pattern, b: Pattern, steps: int = 7) -> float:
    hits = [gen.converter.to_tensors(c)["hits"] for c in gen.interpolate(a, b, steps, temperature=0.0)]
    from_a = [int((h != hits[0]).sum()) for h in hits]
    to_b = [int((h != hits[-1]).sum()) for h in hits]
    ok = [from_a[i + 1] >= from_a[i] and to_b[i + 1] <= to_b[i] for i in range(steps - 1)]
    return float(np.mean(ok))


def _flat(p: Pattern) -> Pattern:
    return p.with_tracks(
        [t.with_notes(Note(n.pitch, n.start, n.end, 100, 0.0) for n in t.notes) for t in p.tracks]
    )


def _drum_figures(root: Path) -> list[Figure]:
    folder = _folder(root, "beats", [GROOVES / b for b in BEATS])
    gen = Generator.load(quick_model(folder, "drums_2bar", root / "drums-model", 150))
    beats = [read_clip(GROOVES / b) for b in BEATS]
    shares = [_monotone_share(gen, a, b) for a, b in itertools.combinations(beats, 2)]
    train = gen.summary["drums"]
    vel_ratio, off_ratio = [], []
    for beat in beats:
        out = gen.humanize(_flat(beat.slice(0, 64)), 1.0, seed=0)
        notes = [n for t in out.tracks for n in t.notes]
        vel_ratio.append(float(np.std([n.velocity for n in notes])) / train["velocity_std"])
        off_ratio.append(float(np.std([n.offset for n in notes])) / train["offset_std"])
    note = "drums_2bar tiny, 150 steps on 6 grooves"
    return [
        Figure("interpolation steps moving away from A and toward B", tuple(shares), "share", "1.0", COMMAND,
               note=f"{note}; 15 pairs, 7 steps, note space"),
        Figure("humanized velocity spread / training music's", tuple(vel_ratio), "ratio", "about 1", COMMAND,
               note=f"{note}; flat beats (velocity 100, on the grid)"),
        Figure("humanized timing spread / training music's", tuple(off_ratio), "ratio", "about 1", COMMAND,
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
    from engine.metrics import compare_sets, mean_area

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
        return _drum_figures(Path(tmp)) + _completion_figures(Path(tmp))
