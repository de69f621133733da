"""Training on a few real drum files with the tiny preset: loss falls, split by file, resume, fine-tune."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.training.progress import ProgressBar, TrainProgress, describe
from engine.training.train import TrainError, train
from engine.training.trainset import Batches, load_train_data
from models.card import read_card
from models.checkpoint import load_model
from tests.conftest import ROOT
from tests.engine.training.train_helpers import DRUM_FILES, copy_files


@pytest.fixture(scope="module")
def drums(midi_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_files(midi_dir, DRUM_FILES, tmp_path_factory.mktemp("drums"))


def _train(folder: Path, out: Path, steps: int, **kw: object) -> object:
    kw.setdefault("report", False)
    return train(folder, "drums_2bar", out, size="tiny", steps=steps, device="cpu", **kw)  # type: ignore[arg-type]


def _weights(out: Path) -> dict[str, torch.Tensor]:
    return load_model(out, which="latest", bfloat16=False)[0].state_dict()


def test_split_is_by_file(drums: Path) -> None:
    data = load_train_data(drums, "drums_2bar", seed=0)
    held = data.summary.heldout_files
    assert len(held) == 1 and data.summary.train_files == 3  # 10% of 4 files, at least one
    train_files = {data.train.files[i] for i in np.unique(data.train.file_ids)}
    assert not train_files & set(held)
    assert {data.heldout.files[i] for i in np.unique(data.heldout.file_ids)} == set(held)


def test_batches_resume_at_the_same_position() -> None:
    straight = Batches(50, 8, seed=3)
    first = [b[1].tolist() for _, b in zip(range(14), straight.from_step(0), strict=False)]
    resumed = [b[1].tolist() for _, b in zip(range(4), Batches(50, 8, seed=3).from_step(10), strict=False)]
    assert resumed == first[10:14]
    assert all(len(set(b)) == 8 for b in first)


def test_loss_falls_and_progress_is_reported(drums: Path, tmp_path: Path) -> None:
    seen: list[TrainProgress] = []
    result = _train(drums, tmp_path / "m", 40, progress=seen.append)
    losses = [p.loss for p in seen if p.phase == "training"]
    assert len(losses) == 40 and all(np.isfinite(losses))
    assert np.mean(losses[-8:]) < 0.8 * np.mean(losses[:8])
    assert seen[0].phase == "loading" and seen[-1].phase == "done" and "step 40" in seen[-1].message
    assert result.steps == 40 and result.final_accuracy is not None and 0 < result.final_accuracy <= 1
    card = read_card(tmp_path / "m")
    assert card.training.step == 40 and card.data.heldout_files
    assert card.config.name == "drums_2bar" and card.vocabulary == {"drums": 512}


def test_resume_continues_from_the_saved_step_exactly(drums: Path, tmp_path: Path) -> None:
    _train(drums, tmp_path / "straight", 8)
    first = _train(drums, tmp_path / "resumed", 5)
    assert first.steps == 5 and read_card(tmp_path / "resumed").training.step == 5
    second = _train(drums, tmp_path / "resumed", 8)
    assert (second.start_step, second.steps) == (5, 8)
    a, b = _weights(tmp_path / "straight"), _weights(tmp_path / "resumed")
    assert all(torch.equal(a[k], b[k]) for k in a)  # same data order, noise and optimizer state
    # the averaged weights (best.safetensors) too: the average resumes with the optimizer state
    best_a, best_b = (
        load_model(tmp_path / d, bfloat16=False)[0].state_dict() for d in ("straight", "resumed")
    )
    assert read_card(tmp_path / "straight").config.weight_average > 0
    assert all(torch.equal(best_a[k], best_b[k]) for k in best_a)
    assert not all(torch.equal(best_a[k], a[k]) for k in a)  # the average, not the last trained weights


def test_cancel_saves_and_a_rerun_continues(drums: Path, tmp_path: Path) -> None:
    cancel = threading.Event()

    def stop_at_3(p: TrainProgress) -> None:
        if p.phase == "training" and p.step >= 3:
            cancel.set()

    result = _train(drums, tmp_path / "m", 100, progress=stop_at_3, cancel=cancel)
    assert result.cancelled and result.steps == 3
    assert read_card(tmp_path / "m").training.step == 3
    again = _train(drums, tmp_path / "m", 5)
    assert (again.start_step, again.steps, again.cancelled) == (3, 5, False)


def test_resume_after_kill_9(drums: Path, tmp_path: Path) -> None:
    out = tmp_path / "m"
    script = (
        "import engine.training.train as t, sys; t.SAVE_SECONDS = 0.0\n"
        f"t.train({str(drums)!r}, 'drums_2bar', {str(out)!r}, size='tiny', steps=100000, device='cpu')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not _saved_step(out) >= 3:
            time.sleep(0.2)
    finally:
        proc.kill()  # SIGKILL: no cleanup runs
        proc.wait()
    saved = _saved_step(out)
    assert saved >= 3
    result = _train(drums, out, saved + 2)
    assert (result.start_step, result.steps) == (saved, saved + 2)


def test_a_damaged_newest_checkpoint_says_how_to_train_on_from_the_best(drums: Path, tmp_path: Path) -> None:
    out = tmp_path / "m"
    _train(drums, out, 6)
    optim = out / str(read_card(out).checkpoints[-1].optimizer)
    optim.write_bytes(optim.read_bytes()[:100])  # a disk that lost the end of the file
    with pytest.raises(TrainError, match=r"is damaged.*train FOLDER --from .* --out NEW-FOLDER"):
        _train(drums, out, 8)
    assert optim.stat().st_size == 100 and read_card(out).training.step == 6  # nothing else touched
    again = _train(drums, tmp_path / "again", 2, from_model=out)  # what the message says works
    assert again.steps == 2 and read_card(tmp_path / "again").fine_tuned_from == str(out)


def _saved_step(out: Path) -> int:
    try:
        return read_card(out).training.step
    except Exception:  # noqa: BLE001 - not written yet
        return -1


def test_fine_tune_from_a_model(drums: Path, tmp_path: Path) -> None:
    _train(drums, tmp_path / "base", 3)
    result = _train(drums, tmp_path / "tuned", 2, from_model=tmp_path / "base")
    card = read_card(tmp_path / "tuned")
    assert result.start_step == 0 and card.training.step == 2
    assert card.fine_tuned_from == str(tmp_path / "base")
    with pytest.raises(TrainError, match="is a drums_2bar model"):
        train(drums, "mel_2bar", tmp_path / "other", size="tiny", steps=1, from_model=tmp_path / "base")


def test_a_different_config_never_overwrites_a_model(drums: Path, tmp_path: Path) -> None:
    _train(drums, tmp_path / "m", 1)
    with pytest.raises(TrainError, match="already holds a drums_2bar"):
        train(drums, "mel_2bar", tmp_path / "m", size="tiny", steps=2, report=False)


def test_report_card_is_written_at_the_end(drums: Path, tmp_path: Path) -> None:
    result = _train(drums, tmp_path / "m", 2, report=True)
    assert result.report is not None
    assert (tmp_path / "m" / "report.json").is_file() and (tmp_path / "m" / "report.md").is_file()


def test_progress_line_and_bar() -> None:
    p = TrainProgress(12, 100, 45.25, 3.5, 0.712, 95.0)
    line = describe(p)
    assert (
        "step 12/100" in line
        and "45.25" in line
        and "3.50" in line
        and "71.2%" in line
        and "1:35 left" in line
    )

    class Stream:
        def __init__(self) -> None:
            self.text = ""

        def write(self, s: str) -> None:
            self.text += s

        def flush(self) -> None:
            pass

    stream = Stream()
    bar = ProgressBar(stream, every=0)  # type: ignore[arg-type]
    bar(p)
    bar(TrainProgress(100, 100, 1.0, 1.0, None, 0.0, "done", message="finished"))
    assert "[###" in stream.text and "finished\n" in stream.text


def test_cli_resumes_with_the_stored_config_and_explains_errors(
    drums: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli.train import _choose
    from main import build_parser

    out = tmp_path / "m"
    _train(drums, out, 1)
    args = build_parser().parse_args(["train", str(drums), "--out", str(out)])
    assert _choose(args) == ("drums_2bar", "tiny", out)  # no --config/--size: the model's own
    fresh = build_parser().parse_args(["train", str(drums), "--out", str(tmp_path / "new")])
    assert _choose(fresh)[:2] == ("drums_2bar", "small")
    from cli.train import run

    bad = build_parser().parse_args(
        ["train", str(drums), "--out", str(out), "--config", "mel_2bar", "--steps", "2"]
    )
    assert run(bad) == 1
    assert "already holds a drums_2bar (tiny) model" in capsys.readouterr().err


def test_best_checkpoint_has_the_lowest_held_out_bits_and_a_latent_fit(drums: Path, tmp_path: Path) -> None:
    """Checkpoints are chosen on held-out likelihood (bits per step), and the card ends with the Gaussian
    of the training codes under the best weights, which `sample` then draws from."""
    from engine.evaluation.likelihood import likelihood
    from engine.generation.generator import Generator

    _train(drums, tmp_path / "m", 30)
    card = read_card(tmp_path / "m")
    training = card.training
    assert (
        training.bits is not None and training.best_bits is not None and training.best_bits <= training.bits
    )
    data = load_train_data(drums, "drums_2bar", seed=0)
    trained, _ = load_model(tmp_path / "m", bfloat16=False)  # training measures the weights it trains
    assert likelihood(trained, data.heldout.arrays, seed=0).bits_per_step == pytest.approx(training.best_bits)
    best, _ = load_model(tmp_path / "m")  # the latent fit: of the codes generation's model gives
    fit = card.latent
    assert fit is not None and len(fit.mean) == card.config.z_size and fit.codes == len(data.train)
    with torch.no_grad():
        mu, _ = best.encoder({k: torch.as_tensor(v) for k, v in data.train.arrays.items() if k != "tempo"})
    assert np.allclose(fit.mean, mu.mean(0).numpy(), atol=1e-3)  # its mean is the codes' mean
    gen = Generator.load(tmp_path / "m")
    assert gen.runner.latent == fit


def test_report_card_of_a_fine_tune_knows_it_was_fine_tuned(drums: Path, tmp_path: Path) -> None:
    _train(drums, tmp_path / "base", 2)
    _train(drums, tmp_path / "tuned", 1, from_model=tmp_path / "base", report=True)
    card = (tmp_path / "tuned" / "report.md").read_text()
    assert "Fine-tuned from the base model: it started from that model, not from scratch." in card
    assert "few for a model that starts from scratch" not in card and "--from" not in card
