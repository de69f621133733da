"""The generation runner: one decode path for the facade, completion, humanize and the report card."""

from __future__ import annotations

import pytest
import torch

from engine.evaluation.evaluate import _caps, _samples
from engine.generation.generator import Generator
from engine.generation.runner import Generated, new_seed
from engine.music.pattern import Pattern
from models.musicvae import MusicVAE
from models.presets import tiny_config
from models.report import GrooveSpread

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_the_report_card_samples_what_the_musician_gets() -> None:
    """Same prior codes, sampling noise and groove spread as `sample` (a drum model writes its own
    loudness and timing, so the training music's feel adds nothing to its clips)."""
    torch.manual_seed(0)
    gen = Generator(MusicVAE(tiny_config("drums_2bar")))
    gen.runner._spread = GrooveSpread((50,) * 9, (9.0,) * 9, (0.05,) * 9)  # as report.json would have it
    n = _caps(gen.steps)[3]
    assert _samples(gen.runner, 0.8, seed=3) == list(gen.sample(n, 0.8, seed=3, checked=False).clips)


def test_generated_carries_the_seed_and_one_clip() -> None:
    one = Generated((Pattern(),), 5, ("a note",))
    assert one.clip == Pattern() and one.seed == 5
    with pytest.raises(ValueError, match="2 clips"):
        Generated((Pattern(), Pattern()), 5).clip  # noqa: B018
    assert new_seed(7) == 7 and 0 <= new_seed(None) < 2**31
