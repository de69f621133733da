"""The bundled models decode to the very clips they decoded before the fast decoder (issue 17): note tuples
for a few latent codes, seeds, temperatures, a key mask and humanize, recorded from the reference code;
and at their real sizes the C kernel samples the NumPy loop's tokens.

`python -m tests.engine.generation.test_decode_pinned` records them again (only after a change that is
meant to change what a model writes).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.generation.generator import Generator
from engine.music.keys import parse_key
from engine.music.pattern import Pattern, parse_meter
from models import fast_decode

PINS = Path(__file__).with_name("decode_pins.json")
# (config, batch, temperature, seed, key): the slider's case (batch 1, T 0.5), a batch, argmax, a key mask
CASES: dict[str, list[tuple[int, float, int, str | None]]] = {
    "drums_2bar": [(1, 0.5, 0, None), (1, 0.5, 1, None), (3, 1.0, 2, None), (1, 0.0, 3, None)],
    "mel_2bar": [
        (1, 0.5, 0, None),
        (1, 0.5, 1, None),
        (3, 1.0, 2, None),
        (1, 0.5, 4, "C:major"),
        (2, 1.0, 5, "A:minor"),
    ],
    "multitrack_1bar": [(1, 0.5, 0, None), (2, 1.0, 1, None)],
    "trio_16bar": [(1, 0.5, 0, None)],
}

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _notes(clip: Pattern) -> list[list]:
    """[track index, program, is_drum, pitch, start, end, velocity, offset] per note."""
    return [
        [i, t.program, t.is_drum, n.pitch, n.start, n.end, n.velocity, n.offset]
        for i, t in enumerate(clip.tracks)
        for n in t.notes
    ]


def _decoded(config: str) -> dict[str, list]:
    """Every pinned case of one bundled model, with its weights as saved (float32: generation rounds them
    to bfloat16, whose kernel path `test_kernel_samples_the_numpy_loops_tokens_on_bundled_models` checks):
    clips as note lists, keyed by the case."""
    from engine.registry import resolve_model
    from models.checkpoint import load_model

    folder = resolve_model(config)
    net, card = load_model(folder, bfloat16=False)
    gen = Generator(net, card.data, folder, torch.device("cpu"), card.latent)
    out: dict[str, list] = {}
    for batch, temperature, seed, key in CASES[config]:
        z = torch.randn(batch, gen.z_size, generator=torch.Generator().manual_seed(100 + seed))
        clips = gen.decode(z, temperature, key, seed=seed).clips
        out[f"decode b{batch} t{temperature} s{seed} k{key}"] = [_notes(c) for c in clips]
    if config in ("drums_2bar", "multitrack_1bar"):  # the regression head with teacher-forced tokens
        z = torch.randn(1, gen.z_size, generator=torch.Generator().manual_seed(7))
        clip = gen.decode(z, 0.5, seed=7).clips[0]
        out["humanize s7"] = [_notes(gen.humanize(clip, 1.0, seed=7).clips[0])]
    return out


@pytest.mark.parametrize("kernel", [True, False], ids=["c-kernel", "numpy-fallback"])
@pytest.mark.parametrize("config", sorted(CASES))
def test_bundled_model_decodes_its_pinned_clips(
    config: str, kernel: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not kernel:  # as on a machine where the C kernel could not be compiled
        monkeypatch.setattr(fast_decode, "_kernel", None)
    expected = json.loads(PINS.read_text())[config]
    got = _decoded(config)
    assert sorted(got) == sorted(expected)
    for case, clips in expected.items():
        assert len(got[case]) == len(clips), case
        for g, e in zip(got[case], clips, strict=True):
            assert [n[:7] for n in g] == [n[:7] for n in e], case  # tracks, pitches, times, velocities
            # offsets come from float32 head outputs: equal up to float32 rounding
            assert [n[7] for n in g] == pytest.approx([n[7] for n in e], abs=1e-6), case


if __name__ == "__main__":
    torch.set_num_threads(1)
    PINS.write_text(json.dumps({c: _decoded(c) for c in sorted(CASES)}, separators=(",", ":")) + "\n")
    print(f"wrote {PINS}", file=sys.stderr)


@pytest.mark.parametrize("config", sorted(CASES))
def test_kernel_samples_the_numpy_loops_tokens_on_bundled_models(config: str) -> None:
    """Each decoder of the bundled model as generation loads it (bfloat16 weights, which the kernel reads
    as bfloat16), fed its own conditioning sizes: batches 1, 3 and 16 (trio's bars), temperatures
    0..1.5, with and without the regression head's teacher forcing."""
    model = Generator.load(config).model
    for dec in model.decoders:
        loop = fast_decode.pack(dec).weights
        assert loop.dtype == np.uint32 and loop.shape[-1] == fast_decode.BLOCK // 2  # bfloat16 pairs
        for seed in range(12):
            cond = torch.randn(
                (1, 3, 16)[seed % 3], dec.init.in_features, generator=torch.Generator().manual_seed(seed)
            )
            temperature = (0.5, 1.0, 0.0, 1.5)[seed % 4]
            fast, slow = (
                dec.sample(cond, 16, temperature, None, None, torch.Generator().manual_seed(seed), b)
                for b in ("auto", "numpy")
            )
            assert torch.equal(fast[0], slow[0]), (config, seed)
            if fast[1] is not None:
                assert torch.allclose(fast[1], slow[1], atol=1e-5), (config, seed)


@pytest.mark.parametrize("config", ["band_4bar", "band_16bar"])
def test_band_decode_in_c_is_the_unfused_decode(config: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The band decoder's fused path (the C kernel drawing each step's noise and stopping each (bar,
    instrument) row at its END, the conductor in C) writes the arrays of the unfused one (NumPy step loop
    on `counter_noise` for every step, nn.LSTM conductor): the bundled
    band_4bar, and band_16bar with untrained weights (its rows rarely end); batches, temperatures per
    part, meters and a key mask."""
    from models.musicvae import MusicVAE
    from models.presets import get_config

    if config == "band_4bar":
        gen = Generator.load(config)
    else:
        torch.manual_seed(0)
        gen = Generator(MusicVAE(get_config(config, "small")))
    cases: list[tuple[int, float | dict[str, float], str | None, str | None]] = [
        (1, 0.5, None, None),
        (2, 1.0, "3/4", None),
        (1, 0.0, None, "C:major"),
        (1, {"drums": 0.3, "bass": 1.2, "melody": 0.8}, "7/8", None),
    ]
    kernel = getattr(fast_decode, "_kernel")  # noqa: B009  (private: mypy sees no export)
    for seed, (batch, temperature, meter, key) in enumerate(cases):
        z = torch.randn(batch, gen.z_size, generator=torch.Generator().manual_seed(seed))
        runs = []
        for k in (kernel, None):
            monkeypatch.setattr(fast_decode, "_kernel", k)
            runs.append(gen.runner.decode(z, temperature, parse_key(key) if key else None, seed, [],
                                          meter=parse_meter(meter) if meter else None))  # fmt: skip
        fused, unfused = runs
        assert sorted(fused) == sorted(unfused)
        for name in fused:
            assert (fused[name] == unfused[name]).all(), (config, seed, name)
