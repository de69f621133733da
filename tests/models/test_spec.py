"""Model specs: one frozen value per config from which ModelConfig and the converters derive; a new
config is one table entry (plus a converter only when no existing one reads it)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from engine.data.converters import CONVERTERS, KINDS
from engine.music.pattern import Note, Pattern, Role, Track
from models import presets, spec
from models.presets import ModelConfig, get_config
from models.spec import SPECS, DecoderKind, ModelSpec, spec_of
from models.vocab import MELODY_VOCAB


@pytest.mark.parametrize("name", list(SPECS))
def test_configs_and_converters_take_their_shape_from_the_spec(name: str) -> None:
    s, cfg, conv = SPECS[name], get_config(name), CONVERTERS[name]
    if s.decoder is DecoderKind.BAND:  # events of every (bar, slot): the model's steps are events
        assert (cfg.steps, cfg.bars, cfg.slots, cfg.bar_steps) == (
            s.window_bars * s.bar_events, s.window_bars, s.segments, s.bar_events,
        )  # fmt: skip
    else:
        assert (cfg.steps, cfg.bars, cfg.bar_steps) == (s.steps, s.segments, s.segment_steps)
    assert (cfg.tracks, cfg.vocab, cfg.decoder) == (s.tracks, s.vocab, s.decoder)
    assert cfg.groove == s.has_groove and cfg.spec is s
    assert conv.spec is s and conv.steps == s.steps and conv.pitched == s.maskable
    assert isinstance(conv, KINDS[s.converter])


def test_the_decoder_kind_is_an_enum_that_json_spells_as_before() -> None:
    cfg = ModelConfig.from_dict({**get_config("trio_16bar").to_dict(), "decoder": "hier"})
    assert cfg.decoder is DecoderKind.HIER and cfg.to_dict()["decoder"] == "hier"
    with pytest.raises(ValueError, match="decoder must be one of"):
        dataclasses.replace(cfg, decoder="lstm")  # type: ignore[arg-type]


def test_specs_are_frozen_and_validated() -> None:
    mel = SPECS["mel_2bar"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        mel.window_bars = 4  # type: ignore[misc]
    with pytest.raises(ValueError, match="one segment"):
        dataclasses.replace(mel, segments=2)
    with pytest.raises(ValueError, match="maskable"):
        dataclasses.replace(mel, maskable=("bass",))
    with pytest.raises(ValueError, match="offset head"):
        dataclasses.replace(mel, offset_head=True)
    with pytest.raises(ValueError, match="unknown config 'mel_3bar'; choose one of mel_2bar"):
        spec_of("mel_3bar")


def test_a_new_config_is_one_table_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 4-bar hierarchical melody model: its spec alone gives a config (with the tuned sizes of its
    decoder kind) and a converter (the melody one, on 4-bar windows)."""
    mel4 = ModelSpec(
        name="mel_4bar", short_name="mel4", converter="melody", tracks=("melody",), vocab=(MELODY_VOCAB,),
        decoder=DecoderKind.HIER, window_bars=4, segments=4, parts=("melody",), reads_pitched=True,
        reads_drums=False, maskable=("melody",),
    )  # fmt: skip
    monkeypatch.setattr(spec, "SPECS", {**SPECS, "mel_4bar": mel4})
    monkeypatch.setattr(presets, "SPECS", spec.SPECS)
    cfg = get_config("mel_4bar")
    assert (cfg.steps, cfg.bars, cfg.bar_steps, cfg.decoder) == (64, 4, 16, DecoderKind.HIER)
    assert cfg.cond_size == get_config("trio_16bar").cond_size  # the tuned HIER sizes
    conv = KINDS[mel4.converter](mel4)
    line = Track(tuple(Note(60 + i, 4 * i, 4 * i + 3) for i in range(16)), 0, False, Role.LEAD)
    arrays = conv.to_tensors(Pattern((line,), 64))
    assert arrays["melody"].shape == (64,) and np.count_nonzero(arrays["melody"] >= 2) == 16
    assert conv.from_tensors(arrays).tracks[0].notes == line.notes
