# SPDX-License-Identifier: MIT
"""Generation on the CPU. Speed (batch of one, small configs): a 2-bar decode (slider latency) with the
bundled models, a 5x5 blend grid and a 16-bar trio sample with untrained weights of the same sizes.
Quality (benchmarks/generate_quality.py): interpolation moving from A to B in note space and humanized
spread against the drummer's own (bundled models, on music they never trained on), completed melodies
against samples (a tiny model trained for seconds on real files, tests/realmusic.py `quick_model`).
"""

from __future__ import annotations

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
    from engine.midi.files import read_clip
    from tests.realmusic import BEATS, GROOVES

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
