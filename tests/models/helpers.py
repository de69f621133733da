"""Synthetic batches that obey CONTRIBUTING.md's data contract, for model tests."""

from __future__ import annotations

import torch

from models.musicvae import drum_hits
from models.presets import ModelConfig


def fake_batch(cfg: ModelConfig, b: int = 4, seed: int = 0) -> dict[str, torch.Tensor]:
    """Random but well-formed arrays for `cfg` with a leading batch axis b."""
    g = torch.Generator().manual_seed(seed)
    if cfg.name == "mel_2bar":
        return {"melody": torch.randint(0, 90, (b, 32), generator=g)}
    if cfg.name == "drums_2bar":
        drums = torch.randint(0, 512, (b, 32), generator=g)
        hits = drum_hits(drums)
        vel = torch.rand(b, 32, 9, generator=g) * hits
        off = (torch.rand(b, 32, 9, generator=g) - 0.5) * hits
        return {"drums": drums, "hits": hits, "velocity": vel, "offset": off}
    if cfg.name == "trio_16bar":
        return {
            "melody": torch.randint(0, 90, (b, 256), generator=g),
            "bass": torch.randint(0, 90, (b, 256), generator=g),
            "drums": torch.randint(0, 512, (b, 256), generator=g),
        }
    if cfg.decoder.value == "band":  # events: some notes, then END; a random meter
        events = torch.randint(1, 249, (b, cfg.bars, cfg.slots, cfg.bar_steps), generator=g)
        ends = torch.randint(0, cfg.bar_steps, (b, cfg.bars, cfg.slots, 1), generator=g)
        events = torch.where(torch.arange(cfg.bar_steps) < ends, events, 0)
        program = torch.randint(0, 130, (b, cfg.slots), generator=g)
        return {"program": program, "meter": torch.randint(0, 12, (b,), generator=g), "events": events}
    program = torch.randint(0, 130, (b, 8), generator=g)
    tokens = torch.randint(0, 90, (b, 8, 16), generator=g)
    tokens = torch.where((program == 128).unsqueeze(-1), tokens + 90, tokens)
    return {"program": program, "tokens": tokens, "velocity": torch.rand(b, 8, 16, generator=g)}
