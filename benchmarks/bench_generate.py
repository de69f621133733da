# SPDX-License-Identifier: MIT
"""Generation on the CPU. Speed (batch of one, small configs): a 2-bar decode (slider latency) with the
bundled models, a 5x5 blend grid and a 16-bar trio sample with untrained weights of the same sizes.
Quality (benchmarks/generate_quality.py): interpolation moving from A to B in note space and humanized
spread against the drummer's own (bundled models, on music they never trained on), completed melodies
against samples (a tiny model trained for seconds on real files, see `quick_model`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from benchmarks.common import Figure, repeat
from engine.generation.generator import Generator
from models.musicvae import MusicVAE
from models.presets import get_config

COMMAND = "python -m benchmarks.run generate"


def _generator(config: str) -> Generator:
    torch.manual_seed(0)
    return Generator(MusicVAE(get_config(config, "small")))


def _decode_figure(config: str) -> Figure:
    """The bundled (trained) model: an untrained one writes a hit on nearly every step for every drum,
    which is no clip a musician sees and makes the note conversion, not the network, the cost."""
    gen = Generator.load(config)
    z = torch.randn(1, gen.z_size, generator=torch.Generator().manual_seed(0))
    gen.decode(z, 0.5, seed=0)  # warm-up
    times = repeat(lambda: gen.decode(z, 0.5, seed=0), 200)
    return Figure(
        f"decode one 2-bar clip ({config}, small, bundled model)",
        tuple(t * 1000 for t in times),
        "ms",
        target="< 15 ms",
        command=COMMAND,
        stat="p95",
    )


def _blend_figure() -> Figure:
    from benchmarks.generate_quality import BEATS, GROOVES
    from engine.midi.files import read_clip

    gen = _generator("drums_2bar")
    corners = [read_clip(GROOVES / b) for b in BEATS[:4]]
    gen.blend_grid(corners, 2, seed=0)  # warm-up (the result is not needed)
    times = repeat(lambda: gen.blend_grid(corners, 5, 0.5, seed=0), 5)
    return Figure(
        "5x5 blend grid (drums_2bar, small; encode 4 corners + decode 25)",
        times,
        "s",
        target="< 1 s",
        command=COMMAND,
    )


def _trio_figure() -> Figure:
    gen = _generator("trio_16bar")
    times = repeat(lambda: gen.sample(1, 0.5, seed=0), 3)
    return Figure("one 16-bar trio sample (trio_16bar, small)", times, "s", target="< 0.5 s", command=COMMAND)


def quick_model(folder: Path, config: str, out: Path, steps: int, batch: int = 32) -> Path:
    """A tiny model trained `steps` Adam steps on the folder's examples, saved with its data summary.

    A learning rate of 5e-3 and a KL weight of 0.05 make a tiny model use its latent code within a few
    seconds (the `tiny` training preset, tuned for smoke runs, decodes the same clip from every code).
    """
    from engine.data.dataset import load_examples
    from engine.data.stats import folder_stats
    from models.card import DataSummary
    from models.checkpoint import save_checkpoint
    from models.presets import tiny_config

    torch.manual_seed(0)
    ex = load_examples(folder, config, transpose=None)
    model = MusicVAE(tiny_config(config, z_size=32))
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


def run() -> list[Figure]:
    # Batch-of-one decoding is a chain of tiny matrix products: one thread is fastest, and more threads
    # spin against each other (and against other programs) on a busy laptop. The CLI does the same.
    threads = torch.get_num_threads()
    torch.set_grad_enabled(False)
    torch.set_num_threads(1)
    try:
        speed = [_decode_figure("drums_2bar"), _decode_figure("mel_2bar"), _blend_figure(), _trio_figure()]
        from benchmarks.generate_quality import quality_figures

        return speed + quality_figures()
    finally:
        torch.set_grad_enabled(True)
        torch.set_num_threads(threads)
