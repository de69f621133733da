"""Where a new model starts: the bundled model for a small folder (said in a musician's words), a pilot of
both starts for a large one that keeps the better, --scratch, and resuming without deciding again."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.data.dataset import load_examples
from engine.registry import BUNDLED_DIR
from engine.training import start as start_module
from engine.training.progress import TrainProgress
from engine.training.run import FINE_TUNE_LEARNING_RATE, fine_tune_config
from engine.training.start import choose_start, heldout_bits, train_from_start
from models.card import read_card
from models.checkpoint import save_checkpoint
from models.musicvae import MusicVAE
from models.presets import FINE_TUNE_BY_CONFIG, get_config
from tests.realmusic import BEATS, GROOVES

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def beats(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("beats")
    for rel in BEATS:
        shutil.copy(GROOVES / rel, folder / Path(rel).name)
    return folder


def test_a_small_folder_starts_from_the_bundled_model(beats: Path) -> None:
    start = choose_start(beats, "drums_2bar")
    assert start.base == BUNDLED_DIR / "drums_2bar" and not start.pilot and start.files == 6
    assert start.reason == (
        "starting from the bundled drums_2bar model (your folder has 6 files: too few to learn from scratch)"
    )
    scratch = choose_start(beats, "drums_2bar", scratch=True)
    assert scratch.base is None and scratch.reason.startswith("training from scratch, as asked")
    big = choose_start(beats, "drums_2bar", size="big")
    assert big.base is None and "no bundled drums_2bar big model" in big.reason


def test_training_a_small_folder_fine_tunes_and_says_so(beats: Path, tmp_path: Path) -> None:
    said: list[TrainProgress] = []
    result = train_from_start(
        beats, "drums_2bar", tmp_path / "m", steps=3, report=False, progress=said.append
    )
    assert said[0].phase == "start" and said[0].message.startswith("starting from the bundled drums_2bar")
    assert any(p.message.startswith("fine-tuning drums_2bar (small) on ") for p in said)
    card = read_card(result.model_dir)
    assert card.fine_tuned_from == str(BUNDLED_DIR / "drums_2bar") and card.training.step == 3
    # it keeps the base's KL weight from the first step and learns at the fine-tune's lower rate
    base = read_card(BUNDLED_DIR / "drums_2bar").config
    assert card.config.beta(0) == card.config.beta(3) == base.max_beta > 0 == base.beta(0)
    assert card.config.learning_rate == FINE_TUNE_LEARNING_RATE < base.learning_rate
    said.clear()
    train_from_start(beats, "drums_2bar", tmp_path / "m", steps=5, report=False, progress=said.append)
    assert not [p for p in said if p.phase == "start"]  # a resume: decided when it began
    assert any(p.message.startswith("resuming drums_2bar (small) at step 3 on ") for p in said)
    assert read_card(tmp_path / "m").training.step == 5
    assert read_card(tmp_path / "m").config == card.config  # a resume trains the fine-tune's way


def test_a_large_folder_is_decided_by_a_pilot_of_both(
    beats: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(start_module, "SMALL_FOLDER", 3)  # six grooves count as a large folder here
    said: list[str] = []
    out = tmp_path / "models" / "m"
    result = train_from_start(
        beats, "drums_2bar", out, steps=40, report=False, progress=lambda p: said.append(p.message)
    )
    assert said[0].startswith("your folder has 6 files: enough to learn from scratch, so a short pilot")
    verdict = next(s for s in said if s.startswith("the pilot chose to go on"))
    # 4 steps of a new model against the bundled model that knows thousands of grooves
    assert (
        verdict.startswith("the pilot chose to go on from the bundled model: ") and "bits per 16th" in verdict
    )
    assert result.start_step == 4 and result.steps == 40
    assert read_card(out).fine_tuned_from == str(BUNDLED_DIR / "drums_2bar")
    assert sorted(p.name for p in out.parent.iterdir()) == ["m"]  # the pilots' folders are gone


def test_heldout_bits_prefer_the_model_that_knows_the_music(beats: Path, tmp_path: Path) -> None:
    held = load_examples(beats, "drums_2bar", transpose=None).arrays
    held = {k: v[:64] for k, v in held.items()}
    torch.manual_seed(0)
    save_checkpoint(tmp_path / "new", MusicVAE(get_config("drums_2bar")), step=0, best=True)
    shutil.copytree(BUNDLED_DIR / "drums_2bar", tmp_path / "bundled")
    new, bundled = heldout_bits(tmp_path / "new", held), heldout_bits(tmp_path / "bundled", held)
    assert np.isfinite(new) and np.isfinite(bundled) and 0 < bundled < new
    assert new == pytest.approx(9.0, abs=1.0)  # an untrained model: about log2(512) bits per step


def test_the_train_command_says_where_it_starts(
    beats: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from main import main

    assert main(["train", str(beats), "--steps", "2", "--out", str(tmp_path / "a"), "--device", "cpu"]) == 0
    err = capsys.readouterr().err
    assert (
        "starting from the bundled drums_2bar model (your folder has 6 files: too few to learn from scratch)"
        in err
    )
    assert (
        main(
            [
                "train",
                str(beats),
                "--steps",
                "2",
                "--scratch",
                "--out",
                str(tmp_path / "b"),
                "--device",
                "cpu",
            ]
        )
        == 0
    )
    assert "training from scratch, as asked (your folder has 6 files)" in capsys.readouterr().err
    assert read_card(tmp_path / "b").fine_tuned_from is None
    with pytest.raises(SystemExit):
        main(["train", str(beats), "--scratch", "--from", "drums_2bar"])


def test_the_melody_and_band_fine_tunes_learn_at_their_own_rates() -> None:
    base = read_card(BUNDLED_DIR / "mel_2bar").config
    cfg = fine_tune_config(base)
    own = FINE_TUNE_BY_CONFIG["mel_2bar"]
    assert {k: getattr(cfg, k) for k in own} == own
    assert cfg.scheduled_sampling > 0.0
    assert cfg.beta(0) == cfg.max_beta > base.max_beta and cfg.learning_rate > FINE_TUNE_LEARNING_RATE
    drums = read_card(BUNDLED_DIR / "drums_2bar").config
    assert fine_tune_config(drums).max_beta == drums.max_beta  # the others keep their base's KL weight
    assert fine_tune_config(drums).free_bits == drums.free_bits  # and free bits
    assert fine_tune_config(drums).learning_rate == FINE_TUNE_LEARNING_RATE
    band = read_card(BUNDLED_DIR / "band_4bar").config
    tuned = fine_tune_config(band)  # the band base learns a band at its own rate, with its KL weight
    assert tuned.learning_rate == FINE_TUNE_BY_CONFIG["band_4bar"]["learning_rate"] > FINE_TUNE_LEARNING_RATE
    assert (tuned.max_beta, tuned.free_bits) == (band.max_beta, band.free_bits)
    # every fine-tune averages its weights as its preset does, whether its base averaged or not (the
    # bundled mel_2bar was trained without, the bundled band_4bar's second run with)
    assert (base.weight_average, band.weight_average) == (0.0, get_config("band_4bar").weight_average)
    assert cfg.weight_average == get_config("mel_2bar").weight_average > 0
    assert tuned.weight_average == get_config("band_4bar").weight_average > 0
