"""The step loops of CoreDecoder.sample (the C kernel and NumPy on the CPU, torch elsewhere) compute what
nn.LSTM computes, and their Gumbel-max sampling draws from softmax(logits / T) within the allowed classes."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from models import fast_decode
from models.decoders import CoreDecoder, counter_noise, pick, sampling_noise


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


@pytest.mark.parametrize("backend", ["auto", "numpy", "torch"])
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


def test_the_c_kernel_is_built() -> None:
    assert fast_decode.available(), (
        "models/_lstm_kernel.c is not compiled, or was compiled from an older version of it: "
        "`pip install -e .` (or `python -c 'from setuptools import setup; setup()' build_ext --inplace`) "
        "builds it; without it decoding falls back to the NumPy loop"
    )


def test_numpy_and_torch_loops_sample_the_same_tokens() -> None:
    torch.manual_seed(1)
    dec = CoreDecoder(vocab=30, cond_size=6, embed_size=4, hidden=16, layers=2).eval()
    cond = torch.randn(3, 6)
    allowed = torch.arange(30) % 3 == 0
    with torch.no_grad():
        runs = [
            dec.sample(cond, 32, 1.0, allowed, generator=torch.Generator().manual_seed(7), backend=b)[0]
            for b in ("auto", "numpy", "torch")
        ]
    assert torch.equal(runs[0], runs[1]) and torch.equal(runs[0], runs[2])
    assert bool((runs[0] % 3 == 0).all())  # masked classes never come out


@pytest.mark.parametrize("layers", [1, 2, 3])
def test_kernel_samples_the_numpy_loops_tokens(layers: int) -> None:
    """Same noise, same tokens, over many draws; the head's outputs agree to float32 rounding. Widths are
    not multiples of the kernel's 64-column blocks, and batches are not multiples of its 4 rows."""
    torch.manual_seed(layers)
    dec = CoreDecoder(vocab=70, cond_size=10, embed_size=6, hidden=40, layers=layers, head_size=5).eval()
    with torch.no_grad():
        for seed in range(24):
            cond = torch.randn(1 + seed % 6, 10, generator=torch.Generator().manual_seed(seed)) * 2
            temperature = (0.0, 0.5, 1.0, 2.0)[seed % 4]
            allowed = (torch.arange(70) % (2 + seed % 3) == 0) if seed % 5 == 0 else None
            fast, slow = (
                dec.sample(cond, 24, temperature, allowed, None, torch.Generator().manual_seed(seed), b)
                for b in ("auto", "numpy")
            )
            assert torch.equal(fast[0], slow[0]), seed
            assert torch.allclose(fast[1], slow[1], atol=1e-5), seed
            given = torch.randint(0, 70, fast[0].shape, generator=torch.Generator().manual_seed(seed))
            fast, slow = (dec.sample(cond, 24, 1.0, None, given, backend=b) for b in ("auto", "numpy"))
            assert torch.equal(fast[0], given)
            assert torch.allclose(fast[1], slow[1], atol=1e-5), seed


@pytest.mark.parametrize("layers", [1, 2])
def test_rows_stop_at_the_end_token_as_in_the_numpy_loop(layers: int) -> None:
    """With `end`, the kernel stops a row at its first end token (and decodes only the rows still going):
    the tokens up to it are the NumPy loop's on the same noise, and every later token is `end`. A small
    vocabulary makes the end token come early in some rows and late or never in others."""
    torch.manual_seed(10 + layers)
    dec = CoreDecoder(vocab=6, cond_size=8, embed_size=4, hidden=40, layers=layers).eval()
    stopped = 0
    with torch.no_grad():
        for seed in range(16):
            cond = torch.randn(1 + seed % 9, 8, generator=torch.Generator().manual_seed(seed))
            t = (0.5, 1.0, 2.0, 0.0)[seed % 4]
            fast, slow = (
                dec.sample(cond, 30, t, None, None, torch.Generator().manual_seed(seed), b, end=2)[0]
                for b in ("auto", "numpy")
            )
            assert torch.equal(fast, slow), seed
            ended = (fast == 2).cumsum(1) > 0
            assert bool((fast[ended] == 2).all())
            stopped += int(ended[:, -1].sum()) - int((fast == 2).all(1).sum())
            given = torch.randint(0, 6, (cond.shape[0], 30), generator=torch.Generator().manual_seed(seed))
            forced = dec.sample(cond, 30, 1.0, None, given, end=2)[0]
            assert torch.equal(forced, torch.where((given == 2).cumsum(1) > 0, 2, given))
    assert stopped > 10  # rows did stop before their last step
    head = CoreDecoder(vocab=6, cond_size=8, embed_size=4, hidden=8, layers=1, head_size=2).eval()
    with torch.no_grad(), pytest.raises(ValueError, match="end token"):
        head.sample(torch.randn(1, 8), 4, 1.0, end=2)


@pytest.mark.parametrize("vocab", [6, 70, 249])
def test_kernel_draws_the_counter_noise_of_the_reference(vocab: int) -> None:
    """With `counter`, the kernel computes the sampling noise of each step it runs (models.decoders
    `counter_noise`) and samples the NumPy and torch loops' tokens on the noise that function gives for
    every step: temperatures one, per row or per row and class (zeros among them), masks (V,) and (N, V),
    with and without `end`."""
    torch.manual_seed(vocab)
    dec = CoreDecoder(vocab=vocab, cond_size=8, embed_size=4, hidden=40, layers=1 + vocab % 2).eval()
    with torch.no_grad():
        for seed in range(16):
            n = 1 + seed % 9
            cond = torch.randn(n, 8, generator=torch.Generator().manual_seed(seed)) * 2
            t: float | torch.Tensor = (0.5, 1.0, 2.0, 0.0)[seed % 4]
            if seed % 3 == 1:
                t = (
                    torch.rand(n, generator=torch.Generator().manual_seed(seed))
                    * 1.5
                    * (torch.arange(n) % 4 > 0)
                )
            elif seed % 6 == 2:  # one per row and class (the band decoder's velocity temperature)
                t = torch.rand(n, vocab, generator=torch.Generator().manual_seed(seed)) * (
                    torch.arange(vocab) % 3 > 0
                )
            allowed = None
            if seed % 4 == 2:
                allowed = torch.arange(vocab) % (2 + seed % 3) == 0
            elif seed % 4 == 3:
                allowed = torch.rand(n, vocab, generator=torch.Generator().manual_seed(seed)) > 0.3
            for end in (None, 2):
                fast, slow, torch_loop = (
                    dec.sample(cond, 30, t, allowed, None, torch.Generator().manual_seed(seed), b, end=end,
                               counter=True)[0]
                    for b in ("auto", "numpy", "torch")
                )  # fmt: skip
                assert torch.equal(fast, slow) and torch.equal(fast, torch_loop), (seed, end)
                if allowed is not None:
                    ok = allowed.expand(n, vocab) | ~allowed.expand(n, vocab).any(-1, keepdim=True)
                    assert bool(ok.gather(1, fast).all())


@pytest.mark.parametrize("counter", [False, True])
def test_threads_decode_the_same_rows(counter: bool) -> None:
    """Rows cut into chunks for several threads decode as on one and as the NumPy loop: counter noise
    or torch.rand's, per-row temperatures and masks, rows stopping at an end token, teacher forcing and
    the regression head (which takes no end token)."""
    torch.manual_seed(5)
    dec = CoreDecoder(vocab=12, cond_size=8, embed_size=4, hidden=40, layers=2).eval()
    head = CoreDecoder(vocab=12, cond_size=8, embed_size=4, hidden=40, layers=1, head_size=3).eval()
    n = 53  # chunks of 8 rows and a shorter last one
    cond = torch.randn(n, 8, generator=torch.Generator().manual_seed(1))
    t = torch.rand(n, generator=torch.Generator().manual_seed(2)) * 1.5
    allowed = torch.rand(n, 12, generator=torch.Generator().manual_seed(3)) > 0.2
    given = torch.randint(0, 12, (n, 20), generator=torch.Generator().manual_seed(4))
    with torch.no_grad():
        for d, end in ((dec, 3), (dec, None), (head, None)):
            runs = [
                d.sample(cond, 20, t, allowed, None, torch.Generator().manual_seed(0), b, end=end,
                         counter=counter, threads=threads)
                for b, threads in (("auto", 1), ("auto", 3), ("numpy", 1))
            ]  # fmt: skip
            assert torch.equal(runs[0][0], runs[1][0]) and torch.equal(runs[0][0], runs[2][0])
            forced = [d.sample(cond, 20, 1.0, None, given, threads=k) for k in (1, 4)]
            assert torch.equal(forced[0][0], forced[1][0])
            if d.head is not None:
                assert torch.equal(forced[0][1], forced[1][1])
                assert torch.equal(runs[0][1], runs[1][1])


def _to_bfloat16(dec: CoreDecoder) -> CoreDecoder:
    """Every weight rounded to bfloat16, as `MusicVAE.to_bfloat16_` rounds a model's."""
    with torch.no_grad():
        for p in dec.parameters():
            p.copy_(p.to(torch.bfloat16))
    return dec


@pytest.mark.parametrize("bfloat16", [False, True], ids=["float32", "bfloat16"])
@pytest.mark.parametrize("layers", [1, 2])
def test_a_batch_decodes_each_row_as_alone(layers: int, bfloat16: bool) -> None:
    """The C kernel's products over several rows (tiles of 4 rows and the last 1-3 as one group) sum
    every output as one row's pass does: a batch of 1..9 rows gives each row's greedy tokens, and its
    regression head under teacher forcing, bit for bit as the row decoded by itself; over float32 weights
    and over bfloat16 ones (which the kernel reads packed as bfloat16)."""
    torch.manual_seed(8)
    dec = CoreDecoder(vocab=70, cond_size=10, embed_size=6, hidden=40, layers=layers, head_size=5).eval()
    if bfloat16:
        _to_bfloat16(dec)
    cond = torch.randn(9, 10, generator=torch.Generator().manual_seed(1))
    given = torch.randint(0, 70, (9, 12), generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        alone = [dec.sample(cond[i : i + 1], 12, 0.0) for i in range(9)]
        forced = [dec.sample(cond[i : i + 1], 12, 1.0, None, given[i : i + 1]) for i in range(9)]
        for n in range(1, 10):
            tokens, head = dec.sample(cond[:n], 12, 0.0)
            assert head is not None
            assert torch.equal(tokens, torch.cat([t for t, _ in alone[:n]]))
            assert torch.equal(head, torch.cat([h for _, h in alone[:n] if h is not None]))
            _, head = dec.sample(cond[:n], 12, 1.0, None, given[:n])
            assert head is not None
            assert torch.equal(head, torch.cat([h for _, h in forced[:n] if h is not None]))


@pytest.mark.parametrize("layers", [1, 2])
def test_bar_linked_segments_decode_as_a_call_per_segment(layers: int) -> None:
    """`segments` (a bar-linked decoder's bars in one C kernel call) gives the tokens, head and generator
    draws of a call per bar started from the bar before's last token: sampled (one temperature, one per
    row), greedy, teacher-forced, masked, on several threads, and against the NumPy loop."""
    torch.manual_seed(6)
    plain = CoreDecoder(vocab=20, cond_size=10, embed_size=4, hidden=24, layers=layers).eval()
    head = CoreDecoder(vocab=20, cond_size=10, embed_size=4, hidden=24, layers=layers, head_size=3).eval()
    n, bars, length = 9, 5, 7
    cond = torch.randn(n * bars, 10, generator=torch.Generator().manual_seed(1))  # (row, bar) order
    given = torch.randint(0, 20, (n * bars, length), generator=torch.Generator().manual_seed(2))
    allowed = torch.arange(20) % 4 != 1
    start = torch.randint(0, 21, (n,), generator=torch.Generator().manual_seed(3))
    rows = cond.view(n, bars, 10)

    def per_bar(
        dec: CoreDecoder,
        temperature: float | torch.Tensor,
        forced: torch.Tensor | None,
        gen: torch.Generator,
        first: torch.Tensor | None,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        toks: list[torch.Tensor] = []
        heads: list[torch.Tensor] = []
        prev = first
        for bar in range(bars):
            part = None if forced is None else forced.view(n, bars, length)[:, bar]
            t, h = dec.sample(rows[:, bar], length, temperature, allowed, part, gen, start=prev)
            prev = t[:, -1]
            toks.append(t)
            if h is not None:
                heads.append(h)
        joined = torch.stack(toks, 1).reshape(n * bars, length)
        return joined, torch.stack(heads, 1).reshape(n * bars, length, -1) if heads else None

    with torch.no_grad():
        for dec in (plain, head):
            for temperature in (0.0, 0.8, torch.linspace(0.2, 1.5, n)):
                for forced in (None, given):
                    for first in (None, start):
                        g1, g2, g3 = (torch.Generator().manual_seed(11) for _ in range(3))
                        want = per_bar(dec, temperature, forced, g1, first)
                        got = dec.sample(
                            cond,
                            length,
                            temperature,
                            allowed,
                            forced,
                            g2,
                            start=first,
                            segments=bars,
                            threads=2,
                        )
                        loop = dec.sample(
                            cond,
                            length,
                            temperature,
                            allowed,
                            forced,
                            g3,
                            "numpy",
                            start=first,
                            segments=bars,
                        )
                        assert torch.equal(got[0], want[0]) and torch.equal(loop[0], want[0])
                        if dec.head is not None:
                            assert got[1] is not None and want[1] is not None
                            assert torch.allclose(got[1], want[1], atol=1e-6)
                        # the generator moved on as far as a call per bar moves it
                        assert torch.equal(g1.get_state(), g2.get_state())
    with pytest.raises(ValueError, match="segments"):
        plain.sample(cond[:-1], length, 0.5, segments=bars)


def test_torch_uniforms_are_torch_rands_numbers() -> None:
    """The C kernel's MT19937 draws torch.rand's float32 numbers for a CPU generator and leaves the
    generator where torch.rand leaves it, across the 624-word twists and from any position."""
    assert fast_decode.torch_uniforms((3,), None).shape == (3,)  # the global generator: torch.rand itself
    for seed in (0, 7, 2**40 + 3):
        ours, theirs = torch.Generator().manual_seed(seed), torch.Generator().manual_seed(seed)
        for shape in ((5,), (624,), (1,), (32, 1, 512), (623,), (2, 625)):
            got = torch.as_tensor(fast_decode.torch_uniforms(shape, ours))
            assert torch.equal(got, torch.rand(shape, generator=theirs)), (seed, shape)
        assert torch.equal(ours.get_state(), theirs.get_state())
        assert torch.equal(torch.rand(700, generator=ours), torch.rand(700, generator=theirs))


def test_counter_noise_is_gumbel_and_independent() -> None:
    """Gumbel(0, 1) moments, draws from softmax(logits) within sampling error, and no correlation
    between rows, steps or keys."""
    g = counter_noise(12345, (200, 50, 64), 1.0)
    assert float(g.mean()) == pytest.approx(0.5772, abs=0.01)  # Euler-Mascheroni constant
    assert float(g.var()) == pytest.approx(math.pi**2 / 6, rel=0.02)
    logits = torch.randn(64, generator=torch.Generator().manual_seed(0))
    drawn = torch.bincount((logits + g).argmax(-1).flatten(), minlength=64).float() / 10_000
    assert 0.5 * float((drawn - torch.softmax(logits, 0)).abs().sum()) < 0.05  # total variation
    other = counter_noise(12346, (200, 50, 64), 1.0)
    for a, b in ((g[:, 0], g[:, 1]), (g[0], g[1]), (g, other)):
        assert abs(float(torch.corrcoef(torch.stack([a.flatten(), b.flatten()]))[0, 1])) < 0.03
    assert torch.equal(counter_noise(7, (3, 2, 5), 0.0), torch.zeros(3, 2, 5))


def test_kernel_repacks_changed_weights() -> None:
    """The packed weights are cached on the decoder and rebuilt when a parameter changes in place."""
    torch.manual_seed(3)
    dec = CoreDecoder(vocab=20, cond_size=4, embed_size=4, hidden=16, layers=1).eval()
    cond = torch.randn(2, 4)
    with torch.no_grad():
        before = dec.sample(cond, 16, 0.0)[0]
        assert fast_decode.pack(dec) is fast_decode.pack(dec)
        dec.out.weight.mul_(-1.0)  # what an optimizer step or load_state_dict does: an in-place write
        after, reference = (dec.sample(cond, 16, 0.0, backend=b)[0] for b in ("auto", "numpy"))
    assert torch.equal(after, reference) and not torch.equal(after, before)


def test_kernel_rejects_tokens_outside_the_vocabulary() -> None:
    dec = CoreDecoder(vocab=20, cond_size=4, embed_size=4, hidden=16, layers=1).eval()
    with torch.no_grad(), pytest.raises(IndexError):
        dec.sample(torch.randn(1, 4), 8, 1.0, given=torch.full((1, 8), 21))


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


@pytest.mark.parametrize("layers", [1, 2])
def test_conductor_in_c_matches_nn_lstm(layers: int) -> None:
    """Without gradients the conductor runs in the C kernel; with them (training, recon_log_prob) in
    nn.LSTM, and both give the same embeddings to float32 rounding."""
    from models.decoders import Conductor

    torch.manual_seed(layers)
    cond = Conductor(z_size=12, hidden=40, layers=layers, segments=6).eval()
    z = torch.randn(3, 12, requires_grad=True)
    with torch.no_grad():
        fast = cond(z)
    slow = cond(z)
    assert fast.shape == slow.shape == (3, 6, 40)
    assert torch.allclose(fast, slow, atol=1e-5)
    slow.sum().backward()  # the gradient path is nn.LSTM's
    assert z.grad is not None and torch.isfinite(z.grad).all()


@pytest.mark.parametrize("backend", ["auto", "numpy", "torch"])
def test_start_tokens_are_the_first_input(backend: str) -> None:
    """`start` replaces the learned start token per row (the previous bar's last token): each backend's
    greedy tokens equal nn.LSTM's fed that token first, and the C kernel samples the NumPy loop's."""
    torch.manual_seed(4)
    dec = CoreDecoder(vocab=30, cond_size=6, embed_size=5, hidden=20, layers=2, head_size=2).eval()
    cond, start = torch.randn(5, 6), torch.tensor([0, 3, 29, 30, 7])
    with torch.no_grad():
        tokens, _ = dec.sample(cond, 12, 0.0, backend=backend, start=start)
        state, prev, expected = dec.initial_state(cond), start, []
        for _ in range(12):
            h, state = dec.rnn(torch.cat([dec.embed(prev), cond], dim=-1).unsqueeze(1), state)
            prev = dec.out(h[:, 0]).argmax(-1)
            expected.append(prev)
        assert torch.equal(tokens, torch.stack(expected, dim=1))
        logits, _ = dec(tokens, cond, start)  # teacher forcing with the same first inputs
        assert torch.equal(logits.argmax(-1), tokens)
        drawn = [
            dec.sample(cond, 12, 1.0, None, None, torch.Generator().manual_seed(9), b, start)[0]
            for b in (backend, "numpy")
        ]
    assert torch.equal(drawn[0], drawn[1])


def test_kernel_rejects_start_tokens_outside_the_vocabulary() -> None:
    dec = CoreDecoder(vocab=20, cond_size=4, embed_size=4, hidden=16, layers=1).eval()
    with torch.no_grad(), pytest.raises(IndexError, match="start token"):
        dec.sample(torch.randn(2, 4), 8, 1.0, start=torch.tensor([0, 21]))


def test_per_row_temperatures() -> None:
    """One temperature per row: a row at 0 takes the argmax even where a uniform draw of 0 would make
    the Gumbel noise infinite; a row at 1 follows softmax(logits)."""
    logits = torch.log(torch.tensor([[0.7, 0.2, 0.1]])).expand(20000, 3)
    temps = torch.tensor([0.0, 1.0]).repeat(10000)
    draws = pick(logits, temps, torch.Generator().manual_seed(5))
    assert (draws[0::2] == 0).all()
    share = torch.bincount(draws[1::2], minlength=3).float() / 10000
    assert torch.allclose(share, torch.tensor([0.7, 0.2, 0.1]), atol=0.02)
    noise = sampling_noise((4, 2, 3), torch.tensor([0.0, 2.0]), generator=torch.Generator().manual_seed(1))
    assert (noise[:, 0] == 0).all() and (noise[:, 1] != 0).all()


@pytest.mark.parametrize("layers", [1, 2, 3])
def test_bfloat16_weights_are_read_as_bfloat16_with_the_same_sums(
    layers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A decoder whose weights are all bfloat16 values is packed as bfloat16 (half the bytes a step), and
    the kernel samples the NumPy loop's tokens from it, and the very tokens and head outputs (bit for bit)
    that it computes from the same weights packed as float32. Widths are not multiples of the blocks."""
    torch.manual_seed(20 + layers)
    dec = CoreDecoder(vocab=70, cond_size=10, embed_size=6, hidden=40, layers=layers, head_size=5)
    _to_bfloat16(dec).eval()
    narrowed = fast_decode._narrowed

    def packing(bfloat16: bool) -> np.ndarray:
        monkeypatch.setattr(fast_decode, "_narrowed", narrowed if bfloat16 else lambda w: w)
        dec.__dict__.pop("_packed", None)
        return fast_decode.pack(dec).weights

    half, full = packing(True), packing(False)
    assert full.dtype == np.float32 and half.dtype == np.uint32 and half.nbytes * 2 == full.nbytes
    with torch.no_grad():
        for seed in range(16):
            cond = torch.randn(1 + seed % 6, 10, generator=torch.Generator().manual_seed(seed)) * 2
            temperature = (0.0, 0.5, 1.0, 2.0)[seed % 4]
            allowed = (torch.arange(70) % (2 + seed % 3) == 0) if seed % 5 == 0 else None
            runs = []
            for backend, bfloat16 in (("auto", True), ("auto", False), ("numpy", True)):
                packing(bfloat16)
                gen = torch.Generator().manual_seed(seed)
                runs.append(dec.sample(cond, 24, temperature, allowed, None, gen, backend))
            slow = runs.pop()
            assert torch.equal(runs[0][0], runs[1][0]) and torch.equal(runs[0][0], slow[0]), seed
            assert torch.equal(runs[0][1], runs[1][1]), seed  # the same sums, in the same order
            assert torch.allclose(runs[0][1], slow[1], atol=1e-5), seed


def test_weights_that_are_not_all_bfloat16_stay_float32() -> None:
    """One weight off the bfloat16 grid keeps the float32 packing (no silent rounding in the kernel)."""
    dec = _to_bfloat16(CoreDecoder(vocab=20, cond_size=4, embed_size=3, hidden=16, layers=1)).eval()
    assert fast_decode.pack(dec).weights.dtype == np.uint32
    with torch.no_grad():
        dec.rnn.weight_hh_l0[3, 5] = 0.1  # float32's 0.1 has 24 significant bits
    assert fast_decode.pack(dec).weights.dtype == np.float32
