"""Real music that the tests and the benchmarks share: the files of ../shared/data the tiny test models
learn from and the bundled models are measured on, a tiny model trained for seconds on them, and the
quality measures both report (interpolation moving from A to B, humanized spread).

These are test fixtures over a developer's data folder, not product knowledge, so they live with the
tests; the benchmarks import them (benchmarks -> tests, never the other way).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from engine.generation.generator import Generator
from engine.generation.morph import note_distances
from engine.midi.files import MidiError, read_clip, read_song
from engine.music.pattern import Note, Pattern
from models.musicvae import MusicVAE

MIDI = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "midi"  # as tests/conftest.py
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


def monotone_share(clips: Sequence[Pattern]) -> float:
    """Share of steps whose note distance from the first clip does not shrink and to the last does not
    grow (notes as (pitch, step, drum))."""
    from_a, to_b = note_distances(clips)
    return float(
        np.mean([from_a[i + 1] >= from_a[i] and to_b[i + 1] <= to_b[i] for i in range(len(clips) - 1)])
    )


def flat(p: Pattern) -> Pattern:
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
        out = gen.humanize(flat(played), 1.0, seed=0).clip
        mine = [n for t in out.tracks for n in t.notes]
        real = [n for t in played.tracks for n in t.notes]
        vel.append(float(np.std([n.velocity for n in mine]) / np.std([n.velocity for n in real])))
        off.append(float(np.std([n.offset for n in mine]) / np.std([n.offset for n in real])))
    return vel, off


def quick_model(folder: Path, config: str, out: Path, steps: int, batch: int = 32) -> Path:
    """A tiny model trained `steps` Adam steps on the folder's examples, saved with its data summary.

    A learning rate of 5e-3 and a KL weight of 0.05 make a tiny model use its latent code within a few
    seconds (the `tiny` training preset, tuned for smoke runs, decodes the same clip from every code);
    no dropout, which regularises minutes of training but slows a 150-step fixture down.
    """
    from engine.data.dataset import load_examples
    from engine.data.stats import folder_stats
    from models.card import DataSummary
    from models.checkpoint import save_checkpoint
    from models.presets import tiny_config

    torch.manual_seed(0)
    ex = load_examples(folder, config, transpose=None)
    model = MusicVAE(tiny_config(config, z_size=32, dropout=0.0))
    opt = torch.optim.Adam(model.parameters(), lr=5e-3)
    rng = np.random.default_rng(0)
    with torch.enable_grad():
        for _ in range(steps):
            idx = rng.choice(len(ex), size=min(batch, len(ex)), replace=False)
            loss = model(model.to_batch({k: v[idx] for k, v in ex.arrays.items()}), beta=0.05).loss
            opt.zero_grad()
            loss.backward()
            opt.step()
    data = DataSummary(folder=str(folder), files=len(ex.files), music=folder_stats(folder))
    save_checkpoint(out, model.eval(), step=steps, data=data, best=True)
    return out
