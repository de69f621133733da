"""The bundled default models load, generate notes, carry a report card and a licence note, and stay small."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT

BUNDLED = ROOT / "resources" / "models"
CONFIGS = ("mel_2bar", "drums_2bar", "trio_16bar", "multitrack_1bar")


def test_bundled_models_are_under_60_mb() -> None:
    total = sum(p.stat().st_size for p in BUNDLED.rglob("*") if p.is_file())
    assert total < 60 * 2**20, f"bundled models take {total / 2**20:.1f} MiB"


@pytest.mark.parametrize("config", CONFIGS)
def test_bundled_model_samples_notes_by_its_name(config: str) -> None:
    import torch

    from engine.generation.generator import Generator

    torch.set_num_threads(1)
    folder = BUNDLED / config
    for name in ("model.json", "best.safetensors", "report.md", "report.json", "LICENSE.md"):
        assert (folder / name).is_file(), f"{config}: {name} missing"
    gen = Generator.load(config)
    assert Path(gen.path).resolve() == folder.resolve()
    assert gen.config_name == config
    clips = gen.sample(2, temperature=0.5, seed=3).clips
    assert all(clip.note_count > 0 for clip in clips)
    assert clips[0].steps == gen.steps
