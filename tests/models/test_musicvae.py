"""MusicVAE on tiny configs: shapes, finiteness, determinism, decoding rules, gradients w.r.t. z."""

from __future__ import annotations

import pytest
import torch

from models.musicvae import MusicVAE
from models.presets import CONFIG_NAMES, tiny_config
from tests.models.helpers import fake_batch

EXPECTED = {
    "mel_2bar": {"melody": (32,)},
    "drums_2bar": {"drums": (32,), "hits": (32, 9), "velocity": (32, 9), "offset": (32, 9)},
    "trio_16bar": {"melody": (256,), "bass": (256,), "drums": (256,)},
    "multitrack_1bar": {"program": (8,), "tokens": (8, 16), "velocity": (8, 16)},
    **{f"band_{n}bar": {"program": (8,), "meter": (), "events": (n, 8, 96)} for n in (1, 4, 16)},
}


def _model(name: str, seed: int = 0) -> MusicVAE:
    torch.manual_seed(seed)
    return MusicVAE(tiny_config(name))


@pytest.mark.parametrize("name", CONFIG_NAMES)
def test_forward_is_finite_and_backpropagates(name: str) -> None:
    model = _model(name)
    out = model(fake_batch(model.cfg), beta=0.5)
    assert out.loss.dim() == 0 and torch.isfinite(out.loss)
    assert out.recon > 0 and out.kl >= 0 and 0.0 <= float(out.accuracy) <= 1.0
    out.loss.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert grads and all(torch.isfinite(g).all() for g in grads)


@pytest.mark.parametrize("name", CONFIG_NAMES)
def test_encode_decode_shapes_and_types(name: str) -> None:
    model = _model(name).eval()
    mu, sigma = model.encode(fake_batch(model.cfg, b=3))
    assert mu.shape == sigma.shape == (3, model.cfg.z_size) and (sigma > 0).all()
    out = model.decode(mu, temperature=1.0)
    assert {k: tuple(v.shape[1:]) for k, v in out.items()} == EXPECTED[name]
    for key, value in out.items():
        assert value.shape[0] == 3
        expected = torch.float32 if key in ("hits", "velocity", "offset") else torch.int64
        assert value.dtype == expected, key
    for track, vocab in zip(model.cfg.tracks, model.cfg.vocab, strict=True):
        assert 0 <= int(out[track].min()) and int(out[track].max()) < vocab


@pytest.mark.parametrize("name", CONFIG_NAMES)
def test_same_seed_same_model_and_samples(name: str) -> None:
    a, b = _model(name, seed=3), _model(name, seed=3)
    batch = fake_batch(a.cfg)
    torch.manual_seed(1)
    la = a(batch).loss
    torch.manual_seed(1)
    lb = b(batch).loss
    assert torch.equal(la, lb)
    z = torch.randn(2, a.cfg.z_size, generator=torch.Generator().manual_seed(0))
    da = a.decode(z, 0.8, generator=torch.Generator().manual_seed(5))
    db = b.decode(z, 0.8, generator=torch.Generator().manual_seed(5))
    assert all(torch.equal(da[k], db[k]) for k in da)


def test_temperature_zero_is_argmax_and_deterministic() -> None:
    model = _model("trio_16bar").eval()
    z = torch.randn(2, model.cfg.z_size)
    first, second = model.decode(z, 0.0), model.decode(z, 0.0)
    assert all(torch.equal(first[k], second[k]) for k in first)


def test_logit_mask_restricts_classes() -> None:
    model = _model("mel_2bar").eval()
    allowed = torch.zeros(90, dtype=torch.bool)
    allowed[[0, 1, 2 + 60 - 21, 2 + 64 - 21]] = True  # hold, off, C4, E4
    out = model.decode(torch.randn(8, model.cfg.z_size), 1.5, logit_mask={"melody": allowed})
    assert allowed[out["melody"]].all()


def test_given_drums_keeps_hits_and_predicts_velocity_offset() -> None:
    model = _model("drums_2bar").eval()
    batch = fake_batch(model.cfg, b=2)
    out = model.decode(torch.randn(2, model.cfg.z_size), 1.0, given={"drums": batch["drums"]})
    assert torch.equal(out["drums"], batch["drums"])
    assert torch.equal(out["hits"], batch["hits"])
    assert ((out["velocity"] > 0) == (batch["hits"] > 0)).all()  # velocity exactly on the given hits
    assert (out["offset"].abs() < 0.5).all() and (out["offset"][batch["hits"] == 0] == 0).all()


def test_multitrack_slots_follow_their_program() -> None:
    model = _model("multitrack_1bar").eval()
    program = torch.tensor([[0, 33, 128, 129, 129, 129, 129, 129]])
    out = model.decode(torch.randn(1, model.cfg.z_size), 1.5, given={"program": program})
    tokens = out["tokens"][0]
    assert (tokens[[0, 1]] < 90).all() and (tokens[2] >= 90).all() and (tokens[3:] == 0).all()
    assert (out["velocity"][0, 3:] == 0).all()


@pytest.mark.parametrize("name", ["mel_2bar", "trio_16bar"])
def test_recon_log_prob_is_differentiable_in_z(name: str) -> None:
    model = _model(name).eval()
    batch = fake_batch(model.cfg, b=2)
    z = torch.zeros(2, model.cfg.z_size, requires_grad=True)
    keys = ["melody"] if name == "trio_16bar" else None
    logp = model.recon_log_prob(z, batch, keys)
    assert logp.shape == (2,) and (logp < 0).all()
    logp.sum().backward()
    assert z.grad is not None and z.grad.abs().sum() > 0
    with pytest.raises(KeyError):
        model.recon_log_prob(z, batch, ["nonexistent"])


def test_fitting_z_by_gradient_raises_log_prob() -> None:
    model = _model("mel_2bar").eval()
    batch = fake_batch(model.cfg, b=1)
    z = torch.zeros(1, model.cfg.z_size, requires_grad=True)
    opt = torch.optim.Adam([z], lr=0.1)
    start = float(model.recon_log_prob(z, batch).detach())
    for _ in range(20):
        opt.zero_grad()
        (-model.recon_log_prob(z, batch).sum()).backward()
        opt.step()
    assert float(model.recon_log_prob(z, batch).detach()) > start


def test_multitrack_accuracy_counts_played_slots_only() -> None:
    model = _model("multitrack_1bar").eval()
    batch = fake_batch(model.cfg, b=1)
    batch["program"][:] = 129
    batch["program"][0, 0] = 5  # one played slot of 16 steps
    batch["tokens"][0, 1:] = 0
    out = model(batch)
    assert abs(float(out.accuracy) * 16 - round(float(out.accuracy) * 16)) < 1e-4


@pytest.mark.parametrize("kernel", [True, False], ids=["c-kernel", "numpy-fallback"])
def test_linked_bars_decode_what_teacher_forcing_predicts(
    kernel: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With `bar_link` each bar starts from the previous bar's last token in training (the target shifted
    over the whole sequence, as Magenta's decoder input) and in decoding: greedy decoding's tokens are
    then exactly the teacher-forced argmax given those tokens, across bar lines too."""
    from models import fast_decode

    if not kernel:
        monkeypatch.setattr(fast_decode, "_kernel", None)
    model = _model("trio_16bar").eval()
    assert model.cfg.bar_link
    z = torch.randn(3, model.cfg.z_size, generator=torch.Generator().manual_seed(2)) * 3
    out = model.decode(z, 0.0)
    cond = model._conditions(z)
    with torch.no_grad():
        for track, dec in zip(model.cfg.tracks, model.decoders, strict=True):
            target = out[track]
            logits, _ = dec(model._segments(target), cond, model._starts(target, dec.vocab))
            assert torch.equal(logits.argmax(-1).reshape(target.shape), target), track
            unlinked, _ = dec(model._segments(target), cond)  # the learned start token on every bar
            assert not torch.equal(unlinked.argmax(-1).reshape(target.shape), target), track


def test_linked_bars_keep_given_tracks_and_per_part_temperatures() -> None:
    model = _model("trio_16bar").eval()
    batch = fake_batch(model.cfg, b=2)
    z = torch.randn(2, model.cfg.z_size)
    temps = {"melody": 1.5, "bass": 0.0, "drums": 0.0}
    out = model.decode(
        z, temps, given={"melody": batch["melody"]}, generator=torch.Generator().manual_seed(0)
    )
    assert torch.equal(out["melody"], batch["melody"])
    greedy = model.decode(z, 0.0, given={"melody": batch["melody"]})
    assert torch.equal(out["bass"], greedy["bass"]) and torch.equal(out["drums"], greedy["drums"])
    hot = model.decode(
        z, {"melody": 1.5, "bass": 1.5, "drums": 0.0}, generator=torch.Generator().manual_seed(0)
    )
    assert not torch.equal(hot["bass"], greedy["bass"])
    with pytest.raises(KeyError, match="bass"):
        model.decode(z, {"melody": 1.0, "drums": 1.0})


def test_multitrack_draws_at_most_one_drum_kit() -> None:
    """Slots pick their instruments one after another: once a slot plays the kit, no other may."""
    model = _model("multitrack_1bar").eval()
    with torch.no_grad():
        model.program_out.bias[128] = 50.0  # every slot would take the kit on its own
    out = model.decode(torch.randn(16, model.cfg.z_size), 1.0, generator=torch.Generator().manual_seed(1))
    assert ((out["program"] == 128).sum(1) == 1).all()
    allowed = torch.zeros(130, dtype=torch.bool)
    allowed[128] = True  # a caller's program mask (completing drums) is obeyed as it is
    masked = model.decode(torch.randn(2, model.cfg.z_size), 1.0, logit_mask={"program": allowed})
    assert (masked["program"] == 128).all()


def test_multitrack_slots_take_the_temperature_of_their_part() -> None:
    model = _model("multitrack_1bar").eval()
    program = torch.tensor([[0, 33, 128, 129, 129, 129, 129, 129]] * 4)
    z = torch.randn(4, model.cfg.z_size)
    cold = model.decode(z, 0.0, given={"program": program})
    mixed = model.decode(
        z, {"melody": 0.0, "bass": 2.0, "drums": 0.0}, given={"program": program},
        generator=torch.Generator().manual_seed(3),
    )  # fmt: skip
    assert torch.equal(mixed["tokens"][:, [0, 2]], cold["tokens"][:, [0, 2]])
    assert not torch.equal(mixed["tokens"][:, 1], cold["tokens"][:, 1])


def test_dropout_trains_only() -> None:
    cfg = tiny_config("mel_2bar", dropout=0.5)
    torch.manual_seed(0)
    model = MusicVAE(cfg)
    batch = fake_batch(cfg)
    model.eval()
    assert torch.equal(model(batch).recon, model(batch).recon)  # no dropout: the same twice
    model.train()
    torch.manual_seed(1)
    first = model(batch).recon
    torch.manual_seed(2)
    assert not torch.equal(first, model(batch).recon)
