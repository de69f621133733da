"""trio_16bar's tracks decoded on threads at once (models/musicvae.py `_decode_tracks_at_once`) give the
tokens of one track after another: the bundled model, at several temperatures, batches, a key mask, and
in a forked child (which inherits the thread pool object but not its threads)."""

from __future__ import annotations

import multiprocessing

import pytest
import torch

from engine.generation.generator import Generator
from models import fast_decode

pytestmark = [
    pytest.mark.usefixtures("one_torch_thread"),
    pytest.mark.skipif(not fast_decode.available(), reason="the C decode kernel is not built"),
]


def _decode(model, z: torch.Tensor, temperature, mask=None) -> dict[str, torch.Tensor]:  # noqa: ANN001
    gen = torch.Generator().manual_seed(11)
    with torch.inference_mode():
        return model.decode(z, temperature, logit_mask=mask, generator=gen)


@pytest.mark.parametrize(
    ("batch", "temperature"),
    [(1, 0.5), (3, {"melody": 0.9, "bass": 0.3, "drums": 0.0}), (2, 0.0), (1, 1.4)],
)
def test_tracks_at_once_are_the_tracks_one_after_another(monkeypatch, batch, temperature) -> None:  # noqa: ANN001
    model = Generator.load("trio_16bar").model
    z = torch.randn(batch, model.cfg.z_size, generator=torch.Generator().manual_seed(batch))
    monkeypatch.setattr(fast_decode, "row_threads", lambda: 2)
    calls = []
    real = model._decode_tracks_at_once
    monkeypatch.setattr(model, "_decode_tracks_at_once", lambda *a: calls.append(1) or real(*a))
    together = _decode(model, z, temperature)
    assert calls  # the threaded path ran
    monkeypatch.setattr(fast_decode, "row_threads", lambda: 1)
    apart = _decode(model, z, temperature)
    assert together.keys() == apart.keys()
    for key in together:
        assert torch.equal(together[key], apart[key]), key


def test_a_key_mask_holds_on_threads(monkeypatch) -> None:  # noqa: ANN001
    model = Generator.load("trio_16bar").model
    z = torch.randn(2, model.cfg.z_size, generator=torch.Generator().manual_seed(5))
    vocab = model.decoders[0].vocab
    allowed = torch.zeros(vocab, dtype=torch.bool)
    allowed[:40] = True  # no event, note-off and the lower pitches only
    mask = {"melody": allowed}
    monkeypatch.setattr(fast_decode, "row_threads", lambda: 2)
    together = _decode(model, z, 1.0, mask)
    assert int(together["melody"].max()) < 40
    monkeypatch.setattr(fast_decode, "row_threads", lambda: 1)
    assert torch.equal(together["melody"], _decode(model, z, 1.0, mask)["melody"])


def _child(queue) -> None:  # noqa: ANN001
    fast_decode.row_threads = lambda: 2  # type: ignore[assignment]
    model = Generator.load("trio_16bar").model
    z = torch.randn(1, model.cfg.z_size, generator=torch.Generator().manual_seed(3))
    queue.put(_decode(model, z, 0.7)["bass"].tolist())


def test_a_forked_child_decodes_on_its_own_threads(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(fast_decode, "row_threads", lambda: 2)
    model = Generator.load("trio_16bar").model
    z = torch.randn(1, model.cfg.z_size, generator=torch.Generator().manual_seed(3))
    parent = _decode(model, z, 0.7)["bass"].tolist()  # the pool exists in this process now
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_child, args=(queue,))
    child.start()
    got = queue.get(timeout=120)
    child.join(timeout=60)
    assert child.exitcode == 0 and got == parent
