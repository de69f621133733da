# SPDX-License-Identifier: MIT
"""Generation speed on the CPU, batch of one, small configs: decode a 2-bar clip (slider latency),
a 5x5 blend grid from four real beats, one 16-bar trio sample.

Weights are untrained: decoding cost depends on the config's sizes and lengths, not on what was learned.
"""

from __future__ import annotations

import torch

from benchmarks.common import Figure, repeat
from engine.generator import Generator
from models.musicvae import MusicVAE
from models.presets import get_config

COMMAND = "python -m benchmarks.run generate"
BEATS = [
    "drummer3/session2/31_hiphop_92_beat_4-4.mid",
    "drummer3/session2/32_hiphop_92_beat_4-4.mid",
    "drummer4/session1/4_latin-brazilian_92_beat_4-4.mid",
    "drummer4/session1/6_blues-shuffle_134_beat_4-4.mid",
]


def _generator(config: str) -> Generator:
    torch.manual_seed(0)
    return Generator(MusicVAE(get_config(config, "small")), {})


def _decode_figure(config: str) -> Figure:
    gen = _generator(config)
    z = torch.randn(1, gen.z_size)
    gen.decode(z, 0.5, seed=0)  # warm-up
    times = repeat(lambda: gen.decode(z, 0.5, seed=0), 40)
    return Figure(
        f"decode one 2-bar clip ({config}, small)",
        tuple(t * 1000 for t in times),
        "ms",
        target="< 15 ms",
        command=COMMAND,
        stat="p95",
    )


def _blend_figure() -> Figure:
    from engine.midi_io import read_clip
    from tests.conftest import MIDI_DIR

    gen = _generator("drums_2bar")
    corners = [read_clip(MIDI_DIR / "drums" / "zharry29-drums-with-llm" / b) for b in BEATS]
    gen.blend_grid(corners, 2, seed=0)  # warm-up
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
        return [_decode_figure("drums_2bar"), _decode_figure("mel_2bar"), _blend_figure(), _trio_figure()]
    finally:
        torch.set_grad_enabled(True)
        torch.set_num_threads(threads)
