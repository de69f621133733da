"""Top-k sampling (`CoreDecoder.sample(top_k=...)`) on the bundled models, conditioned on real tunes: the C
kernel and the NumPy and torch reference loops draw the same tokens (several k and temperatures, a key
mask, counter noise, threads, bar-linked segments), k = 1 is argmax, k >= V (or a mask leaving at most k
classes) is plain sampling bit for bit, and every sampled token is among its step's k largest logits."""

from __future__ import annotations

import copy
import functools

import numpy as np
import pytest
import torch

from engine.generation.generator import Generator
from engine.music.keys import parse_key
from models import fast_decode
from models.decoders import CoreDecoder, top_k_keep
from tests.realmusic import tunes

pytestmark = [
    pytest.mark.usefixtures("one_torch_thread"),
    pytest.mark.skipif(not fast_decode.available(), reason="the C decode kernel is not built"),
]
BACKENDS = ("auto", "numpy", "torch")  # the C kernel, the NumPy loop, the torch loop


@functools.cache
def _mel() -> tuple[Generator, torch.Tensor]:
    """The bundled mel_2bar and its conditions (N, C) for the codes of 6 real tunes."""
    gen = Generator.load("mel_2bar")
    with torch.inference_mode():
        cond = gen.model._conditions(gen.encode(tunes(6)))
    return gen, cond


def _decoder() -> CoreDecoder:
    dec = _mel()[0].model.decoders[0]
    assert isinstance(dec, CoreDecoder)
    return dec


def _key_mask() -> torch.Tensor:
    masks = _mel()[0].runner.masks(parse_key("A:minor"), [])
    assert masks is not None
    return masks["melody"]


def _draw(dec: CoreDecoder, cond: torch.Tensor, temperature, backend: str, **kw) -> torch.Tensor:  # noqa: ANN001
    kw.setdefault("allowed", None)
    gen = torch.Generator().manual_seed(kw.pop("seed", 5))
    with torch.inference_mode():
        tokens, _ = dec.sample(cond, 32, temperature, generator=gen, backend=backend, **kw)
    return tokens


def _same_everywhere(dec: CoreDecoder, cond: torch.Tensor, temperature, **kw) -> torch.Tensor:  # noqa: ANN001
    runs = [_draw(dec, cond, temperature, b, **kw) for b in BACKENDS]
    for backend, run in zip(BACKENDS[1:], runs[1:], strict=True):
        assert torch.equal(runs[0], run), f"the C kernel and the {backend} loop differ"
    return runs[0]


@pytest.mark.parametrize("top_k", [2, 4, 8, 16])
@pytest.mark.parametrize("temperature", [0.5, 1.0, 1.8])
@pytest.mark.parametrize("counter", [False, True])
def test_kernel_and_references_draw_the_same_tokens(top_k: int, temperature: float, counter: bool) -> None:
    dec, cond = _decoder(), _mel()[1]
    plain = _same_everywhere(dec, cond, temperature, counter=counter)
    cut = _same_everywhere(dec, cond, temperature, counter=counter, top_k=top_k)
    keyed = _same_everywhere(dec, cond, temperature, counter=counter, top_k=top_k, allowed=_key_mask())
    if temperature >= 1.0 and top_k <= 4:  # hot draws outside the few likeliest notes are cut
        assert not torch.equal(plain, cut)
    assert bool(_key_mask()[keyed].all())  # the mask still holds


def test_per_row_temperatures_and_threads_draw_the_same_tokens() -> None:
    dec, cond = _decoder(), _mel()[1]
    rows = torch.cat([cond] * 3)  # 18 rows: chunks of 8 on threads
    temps = torch.linspace(0.0, 1.5, rows.shape[0])  # row 0 at 0: argmax there
    alone = _same_everywhere(dec, rows, temps, counter=True, top_k=6, allowed=_key_mask())
    threaded = _draw(dec, rows, temps, "auto", counter=True, top_k=6, allowed=_key_mask(), threads=3)
    assert torch.equal(alone, threaded)
    assert torch.equal(alone[:1], _draw(dec, rows[:1], 0.0, "auto"))


def test_top_1_is_argmax() -> None:
    dec, cond = _decoder(), _mel()[1]
    greedy = _same_everywhere(dec, cond, 0.0)
    for temperature in (0.7, 1.5):
        assert torch.equal(_same_everywhere(dec, cond, temperature, top_k=1), greedy)
        assert torch.equal(_same_everywhere(dec, cond, temperature, top_k=1, counter=True), greedy)


def test_at_temperature_0_top_k_changes_nothing() -> None:
    dec, cond = _decoder(), _mel()[1]
    assert torch.equal(_same_everywhere(dec, cond, 0.0, top_k=3), _same_everywhere(dec, cond, 0.0))


@pytest.mark.parametrize("backend", BACKENDS)
def test_top_k_of_the_whole_vocabulary_is_plain_sampling(backend: str) -> None:
    dec, cond = _decoder(), _mel()[1]
    plain = _draw(dec, cond, 1.0, backend)
    for k in (dec.vocab, dec.vocab + 1, 500):
        assert torch.equal(_draw(dec, cond, 1.0, backend, top_k=k), plain)
    # a mask that leaves 8 classes: top-16 among them is all of them (the kernel's own early exit)
    few = torch.zeros(dec.vocab, dtype=torch.bool)
    few[[0, 1, 40, 42, 44, 45, 47, 49]] = True
    assert torch.equal(
        _draw(dec, cond, 1.0, backend, allowed=few, top_k=16), _draw(dec, cond, 1.0, backend, allowed=few)
    )


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("masked", [False, True])
def test_every_token_is_among_its_steps_k_largest_logits(backend: str, masked: bool) -> None:
    dec, cond, k = _decoder(), _mel()[1], 4
    allowed = _key_mask() if masked else None
    tokens = _draw(dec, cond, 1.5, backend, top_k=k, allowed=allowed, seed=9)
    with torch.inference_mode():
        logits, _ = dec(tokens, cond)  # (N, L, V): teacher-forced through nn.LSTM, each step's logits
    flat = logits.reshape(-1, dec.vocab)
    if allowed is not None:
        flat = flat.masked_fill(~allowed, float("-inf"))
    kth = flat.topk(k, dim=-1).values[:, -1]  # (N L,)
    drawn = flat.gather(1, tokens.reshape(-1, 1))[:, 0]
    assert bool((drawn >= kth - 1e-4).all())  # nn.LSTM and the step loops agree to float32 rounding
    # and it is not the argmax every time: the draw still varies within the k
    assert bool((drawn < flat.max(-1).values - 1e-4).any())


def test_ties_go_to_the_lowest_index_in_the_kernel_and_the_references() -> None:
    dec = copy.deepcopy(_decoder())
    with torch.no_grad():  # logits = the bias: classes 3, 10, 11 and 12 tie for the 2nd to 4th place
        dec.out.weight.zero_()
        dec.out.bias.fill_(-5.0)
        dec.out.bias[[7, 3, 10, 11, 12]] = torch.tensor([2.0, 1.0, 1.0, 1.0, 1.0])
    cond = _mel()[1]
    keep = top_k_keep(dec.out.bias.detach().expand(1, -1), 3)
    assert keep.nonzero()[:, 1].tolist() == [3, 7, 10]
    assert np.array_equal(top_k_keep(dec.out.bias.detach().numpy()[None], 3), keep.numpy())
    tokens = _same_everywhere(dec, cond, 3.0, top_k=3)
    assert set(tokens.unique().tolist()) == {3, 7, 10}  # 192 draws at a hot temperature: all three come out
    masked = torch.ones(dec.vocab, dtype=torch.bool)
    masked[7] = False  # among the allowed: 3, 10 and 11
    tokens = _same_everywhere(dec, cond, 3.0, top_k=3, allowed=masked, counter=True)
    assert set(tokens.unique().tolist()) == {3, 10, 11}


def test_bar_linked_segments_draw_the_same_tokens() -> None:
    model = Generator.load("trio_16bar").model
    with torch.inference_mode():
        z = torch.randn(2, model.cfg.z_size, generator=torch.Generator().manual_seed(4))
        cond = model._conditions(z)  # (2 * 16, C)
    dec = model.decoders[0]
    assert isinstance(dec, CoreDecoder)
    runs = []
    for backend in BACKENDS:
        gen = torch.Generator().manual_seed(2)
        with torch.inference_mode():
            toks, _ = dec.sample(
                cond, model.cfg.bar_steps, 1.2, None, None, gen, backend, segments=16, top_k=5
            )
        runs.append(toks)
    assert torch.equal(runs[0], runs[1]) and torch.equal(runs[0], runs[2])
    gen = torch.Generator().manual_seed(2)
    with torch.inference_mode():
        call = dec.segments_call(cond, model.cfg.bar_steps, 16, 1.2, None, gen, 5)
    assert call is not None and torch.equal(call()[0], runs[0])


def test_the_trios_tracks_on_threads_keep_top_k(monkeypatch: pytest.MonkeyPatch) -> None:
    model = Generator.load("trio_16bar").model
    z = torch.randn(2, model.cfg.z_size, generator=torch.Generator().manual_seed(8))

    def decode(top_k: int) -> dict[str, torch.Tensor]:
        with torch.inference_mode():
            return model.decode(z, 1.0, generator=torch.Generator().manual_seed(3), top_k=top_k)

    monkeypatch.setattr(fast_decode, "row_threads", lambda: 2)
    together = decode(4)
    monkeypatch.setattr(fast_decode, "row_threads", lambda: 1)
    apart = decode(4)
    for key in together:
        assert torch.equal(together[key], apart[key]), key
    assert not torch.equal(together["melody"], decode(0)["melody"])


def test_a_negative_top_k_is_refused() -> None:
    dec, cond = _decoder(), _mel()[1]
    with pytest.raises(ValueError, match="top_k must be a whole number"):
        _draw(dec, cond, 1.0, "auto", top_k=-1)
