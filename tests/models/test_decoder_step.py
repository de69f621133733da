"""The fast step loop of CoreDecoder.sample (NumPy on the CPU, torch elsewhere) computes exactly what
nn.LSTM computes, and its Gumbel-max sampling draws from softmax(logits / T) within the allowed classes."""

from __future__ import annotations

import pytest
import torch

from models.decoders import CoreDecoder, pick, sampling_noise


def _reference_greedy(dec: CoreDecoder, cond: torch.Tensor, length: int) -> torch.Tensor:
    """Greedy decoding through nn.LSTM itself, one step per call."""
    state = dec.initial_state(cond)
    prev = torch.full((cond.shape[0],), dec.vocab, dtype=torch.long)
    out = []
    for _ in range(length):
        x = torch.cat([dec.embed(prev), cond], dim=-1).unsqueeze(1)
        h, state = dec.rnn(x, state)
        prev = dec.out(h[:, 0]).argmax(-1)
        out.append(prev)
    return torch.stack(out, dim=1)


@pytest.mark.parametrize("backend", ["auto", "torch"])
@pytest.mark.parametrize("layers", [1, 2])
def test_step_loop_matches_nn_lstm(backend: str, layers: int) -> None:
    torch.manual_seed(0)
    dec = CoreDecoder(vocab=40, cond_size=12, embed_size=8, hidden=24, layers=layers, head_size=3).eval()
    cond = torch.randn(5, 12)
    with torch.no_grad():
        tokens, _ = dec.sample(cond, 16, temperature=0.0, backend=backend)
        assert tokens.dtype == torch.long and tokens.shape == (5, 16)
        assert torch.equal(tokens, _reference_greedy(dec, cond, 16))
        given = torch.randint(0, 40, (5, 16))
        forced, head = dec.sample(cond, 16, temperature=1.0, given=given, backend=backend)
        _, head_tf = dec(given, cond)
    assert torch.equal(forced, given)
    assert torch.allclose(head, head_tf, atol=1e-5)


def test_numpy_and_torch_loops_sample_the_same_tokens() -> None:
    torch.manual_seed(1)
    dec = CoreDecoder(vocab=30, cond_size=6, embed_size=4, hidden=16, layers=2).eval()
    cond = torch.randn(3, 6)
    allowed = torch.arange(30) % 3 == 0
    with torch.no_grad():
        runs = [
            dec.sample(cond, 32, 1.0, allowed, generator=torch.Generator().manual_seed(7), backend=b)[0]
            for b in ("auto", "torch")
        ]
    assert torch.equal(runs[0], runs[1])
    assert bool((runs[0] % 3 == 0).all())  # masked classes never come out


def test_pick_follows_the_distribution_and_the_seed() -> None:
    logits = torch.log(torch.tensor([[0.7, 0.2, 0.1, 0.0]]).expand(20000, 4))
    draws = pick(logits, 1.0, torch.Generator().manual_seed(1))
    share = torch.bincount(draws, minlength=4).float() / len(draws)
    assert torch.allclose(share, torch.tensor([0.7, 0.2, 0.1, 0.0]), atol=0.015)
    again = pick(logits, 1.0, torch.Generator().manual_seed(1))
    assert torch.equal(draws, again)
    assert pick(logits[:1], 0.0).item() == 0


def test_temperature_sharpens_and_flattens() -> None:
    logits = torch.log(torch.tensor([[0.6, 0.3, 0.1]]).expand(20000, 3))
    cold = torch.bincount(pick(logits, 0.5, torch.Generator().manual_seed(2)), minlength=3) / 20000
    hot = torch.bincount(pick(logits, 2.0, torch.Generator().manual_seed(2)), minlength=3) / 20000
    expect_cold = torch.softmax(logits[0] / 0.5, -1)  # 0.78, 0.20, 0.02
    expect_hot = torch.softmax(logits[0] / 2.0, -1)  # 0.47, 0.33, 0.20
    assert torch.allclose(cold, expect_cold, atol=0.015)
    assert torch.allclose(hot, expect_hot, atol=0.015)


def test_mask_keeps_rows_with_nothing_allowed_unmasked() -> None:
    allowed = torch.tensor([[True, False, False], [False, False, False]])
    noise = sampling_noise((2, 3), 1.0, allowed, torch.Generator().manual_seed(0))
    assert torch.isinf(noise[0, 1:]).all() and torch.isfinite(noise[0, 0])
    assert torch.isfinite(noise[1]).all()
    assert pick(torch.zeros(2, 3), 0.0, allowed=allowed)[0].item() == 0
