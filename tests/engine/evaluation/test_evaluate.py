"""The report card on a tiny model trained a few steps on real drum files, the verdict, and the CLI."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import main
from engine.data.dataset import load_examples
from engine.evaluation import evaluate as ev
from engine.evaluation.recon import teacher_forced
from engine.evaluation.report import (
    FeatureScore,
    Reconstruction,
    Report,
    ReportData,
    SetScores,
    StyleScores,
    render_markdown,
    verdict,
)
from engine.evaluation.style import MAX_HELDOUT
from models.card import DataSummary
from models.checkpoint import save_checkpoint
from models.musicvae import MusicVAE
from models.presets import tiny_config
from tests.conftest import ROOT

DRUM_FILES = (
    "drummer3/session1/16_jazz_120_beat_4-4.mid",
    "drummer3/session1/17_jazz_120_beat_4-4.mid",
    "drummer3/session2/31_hiphop_92_beat_4-4.mid",
    "drummer3/session2/32_hiphop_92_beat_4-4.mid",
    "drummer4/session1/4_latin-brazilian_92_beat_4-4.mid",
    "drummer7/session2/80_country_78_beat_4-4.mid",
)


def _train(model: MusicVAE, arrays: dict[str, np.ndarray], steps: int) -> None:
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    batch = model.to_batch({k: v[:32] for k, v in arrays.items()})
    model.train()
    for _ in range(steps):
        opt.zero_grad()
        model(batch, beta=0.01).loss.backward()
        opt.step()
    model.eval()


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def drums(tmp_path_factory: pytest.TempPathFactory, midi_dir: Path) -> tuple[Path, Path, MusicVAE]:
    """(model folder, MIDI folder, model): tiny drums_2bar trained briefly on 5 files, 1 held out."""
    folder = tmp_path_factory.mktemp("drum-midi")
    for rel in DRUM_FILES:
        shutil.copy(midi_dir / "drums" / "zharry29-drums-with-llm" / rel, folder / Path(rel).name)
    examples = load_examples(folder, "drums_2bar", transpose=None)
    heldout_file = examples.files[0]
    train = examples.select(examples.file_ids != 0)
    torch.manual_seed(0)
    model = MusicVAE(tiny_config("drums_2bar"))
    _train(model, train.arrays, 20)
    model_dir = tmp_path_factory.mktemp("model")
    data = DataSummary(folder=str(folder), heldout_files=(heldout_file,), train_files=5)
    save_checkpoint(model_dir, model, step=20, data=data, best=True)
    return model_dir, folder, model


def test_report_for_training_has_every_number(drums: tuple[Path, Path, MusicVAE]) -> None:
    _, folder, model = drums
    examples = load_examples(folder, "drums_2bar", transpose=None)
    train, held = examples.split_by_file(0.2, seed=1)
    ticks: list[tuple[int, int]] = []
    r = ev.report_for_training(model, None, held, train, "cpu", progress=lambda *a: ticks.append(a))
    assert ticks[-1][0] == ticks[-1][1]
    for side in (r.held_out, r.train):
        assert side is not None
        assert 0 <= side.teacher_forced <= 1 and 0 <= side.sampled <= 1 and side.kl >= 0
        assert len(side.keys["drums"].per_step_teacher_forced) == 32
        assert side.velocity_error is not None and side.velocity_error >= 0
        assert side.offset_error is not None and 0 <= side.offset_error <= 1
        spread = side.groove_spread  # per drum class, the spread generation adds back
        assert spread is not None and spread.offset is not None
        assert len(spread.velocity) == len(spread.offset) == len(spread.hits) == 9
        assert all(v > 0 for v in spread.velocity) and all(0 < o < 0.5 for o in spread.offset)
    assert r.held_out is not None and r.train is not None and r.held_out.groove_spread is not None
    held_hits = int(held.arrays["hits"][:MAX_HELDOUT].sum())
    assert sum(r.held_out.groove_spread.hits) == held_hits
    assert r.train.teacher_forced > 0.05  # untrained: ~1/512; 20 steps learn the common tokens
    assert set(r.style.temperatures) == {str(t) for t in ev.TEMPERATURES}
    assert r.style.best_temperature in ev.TEMPERATURES
    assert r.style.baseline is not None and r.style.baseline.mean_overlap is not None
    assert "drums.drum_groove" in r.style.baseline.features and r.style.baseline.parts["drums"] is not None
    assert "note counts not copied" in r.style.baseline_kind and r.style.sampled_from == "N(0, I)"
    assert (
        set(r.style.part_temperatures) == {"drums"} and r.style.part_temperatures["drums"] in ev.TEMPERATURES
    )
    h = r.held_out  # the honest numbers: likelihood beside a unigram, onset F1, latent use
    assert h.bits_per_step is not None and h.kl_bits_per_step is not None and h.bits_per_step > 0
    assert set(h.parts) == {"drums"} and h.parts["drums"].steps == 32 * h.examples
    drums = h.parts["drums"]
    assert drums.unigram_bits > 0 and 0 < drums.no_event < 1 and drums.onset_f1 is not None
    assert h.active_dims is not None and 0 <= h.active_dims <= h.z_size == model.cfg.z_size
    names = [s.name for s in r.samples]  # the music and samples from real codes and from N(0, I)
    assert names == ["the music", "real codes of the music", "N(0, I)"]
    assert r.samples[0].parts["drums"].presence == 1.0 and r.samples[0].parts["drums"].too_dense is not None
    assert r.data.train_files == len(set(train.file_ids)) and r.data.heldout_files == 1
    assert r.verdict[0].startswith(f"Learned from {r.data.train_files} files")
    assert any("--from drums_2bar" in line for line in r.verdict)  # few files: suggest fine-tuning


def test_teacher_forced_pass_matches_step_by_step_decoding(drums: tuple[Path, Path, MusicVAE]) -> None:
    _, folder, model = drums
    arrays = load_examples(folder, "drums_2bar", transpose=None).arrays
    batch = model.to_batch({k: v[:16] for k, v in arrays.items()})
    with torch.no_grad():
        mu, _ = model.encode(batch)
        tokens, heads = teacher_forced(model, mu, batch)
        humanized = model.decode(mu, temperature=0.0, given={"drums": batch["drums"]})
        free = model.decode(mu, temperature=0.0)
    torch.testing.assert_close(heads["velocity"], humanized["velocity"])
    torch.testing.assert_close(heads["offset"], humanized["offset"])
    assert torch.equal(tokens["drums"][:, 0], free["drums"][:, 0])  # the first step sees the same input


def test_same_seed_same_report(drums: tuple[Path, Path, MusicVAE]) -> None:
    model_dir, folder, _ = drums
    a, b = ev.evaluate(model_dir, folder, seed=3), ev.evaluate(model_dir, folder, seed=3)
    assert dataclasses.replace(a, seconds=0.0).to_json() == dataclasses.replace(b, seconds=0.0).to_json()
    assert a.source == "the 1 held-out files of its training folder"
    assert a.data.heldout_files == 1 and a.data.train_files == 5


def test_a_moved_training_folder_still_tests_only_the_held_out_files(
    drums: tuple[Path, Path, MusicVAE], tmp_path: Path
) -> None:
    model_dir, folder, _ = drums
    moved = tmp_path / "moved"
    shutil.copytree(folder, moved)
    as_other_music = ev.evaluate(model_dir, moved)
    assert as_other_music.data.heldout_files == 6
    report = ev.evaluate(model_dir, moved, as_training_folder=True)
    assert report.source == "the 1 held-out files of its training folder"
    assert report.held_out == ev.evaluate(model_dir, folder).held_out
    (moved / "only").mkdir()
    shutil.move(str(next(moved.glob("17_jazz*"))), moved / "only")
    with pytest.raises(ev.EvaluateError, match="none of the 1 held-out files"):
        ev.evaluate(model_dir, moved / "only", as_training_folder=True)


def test_write_report_files(drums: tuple[Path, Path, MusicVAE], tmp_path: Path) -> None:
    model_dir, folder, _ = drums
    report = ev.evaluate(model_dir, folder)
    json_path, md_path = ev.write_report(tmp_path, report)
    data = json.loads(json_path.read_text())
    assert (
        report.held_out is not None and data["held_out"]["teacher_forced"] == report.held_out.teacher_forced
    )
    md = md_path.read_text()
    assert md.startswith("# Report card") and f"**{report.verdict[0]}**" in md
    assert "| guided accuracy (teacher-forced) |" in md and "random baseline" in md
    assert not list(tmp_path.glob("*.tmp"))


def _report(
    train_files: int, held_tf: float, train_tf: float, best: float = 0.6, base: float = 0.4
) -> Report:
    side = Reconstruction(examples=9, teacher_forced=held_tf, sampled=held_tf / 2, kl=10.0, keys={})
    style = StyleScores(
        reference_clips=100,
        reference="training music",
        temperatures={"0.5": SetScores(best, {})},
        best_temperature=0.5,
        baseline=SetScores(base, {}),
        held_out_music=SetScores(0.7, {}),
    )
    data = ReportData(
        train_files=train_files, train_bars=0, train_examples=900, heldout_files=4, heldout_examples=9,
        transposed=False,
    )  # fmt: skip
    return Report("m", "mel_2bar", "x", data, side, dataclasses.replace(side, teacher_forced=train_tf), style)


def _overlap(area: float) -> FeatureScore:
    return FeatureScore(overlap=area, kld=0.0, reference_mean=0.0, mean=0.0)


def test_verdict_in_plain_words() -> None:
    healthy = verdict(_report(200, 0.9, 0.92))
    assert "No sign of over-fitting" in " ".join(healthy) and not any("--from" in s for s in healthy)
    assert any("more like your music than random notes (0.60 vs 0.40" in s for s in healthy)
    assert any(s.startswith("Temperature 0.5 suits it") for s in healthy)
    memorised = " ".join(verdict(_report(8, 0.55, 0.95)))
    assert "Only 8 files" in memorised and "--from mel_2bar" in memorised
    assert "over-fits" in memorised and "still learning" in memorised
    assert "not yet more like your music" in " ".join(verdict(_report(200, 0.9, 0.9, best=0.3, base=0.5)))
    tuned = " ".join(verdict(_report(8, 0.55, 0.95), fine_tuned_from="/somewhere/models/mel_2bar"))
    assert "Fine-tuned from the mel_2bar model" in tuned and "Only 8 files" not in tuned  # advice for scratch
    assert "--from" not in tuned and "over-fits" in tuned
    unknown = verdict(_report(0, 0.9, 0.92))
    assert unknown[0].startswith("Tested on 4 files") and not any("--from" in s for s in unknown)
    plain = _report(200, 0.9, 0.92)
    style = dataclasses.replace(
        plain.style,
        temperatures={"0.5": SetScores(0.6, {"repetition": _overlap(0.9), "pitch_range": _overlap(0.2)})},
        baseline=SetScores(0.4, {"repetition": _overlap(0.3), "pitch_range": _overlap(0.5)}),
    )
    line = verdict(dataclasses.replace(plain, style=style))[1]
    assert "Better than random on: how much each bar repeats the last" in line
    assert "Random is closer on: pitch range (semitones)" in line
    md = render_markdown(_report(200, 0.9, 0.92))
    assert "| guided accuracy (teacher-forced) | 90% | 92% |" in md


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "main.py", "evaluate", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )


def test_cli_json_prints_every_metric(drums: tuple[Path, Path, MusicVAE]) -> None:
    model_dir, folder, _ = drums
    result = _cli(str(model_dir), str(folder), "--json", "--device", "cpu")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    keys = {"teacher_forced", "sampled", "kl", "velocity_error", "offset_error", "groove_spread"}
    assert keys <= set(data["held_out"])
    feats = data["style"]["temperatures"]["0.5"]["features"]
    assert set(feats) <= {
        "drums.drum_hit_rate",
        "drums.drum_groove",
        "drums.drum_density",
        "drums.drum_onset_interval",
        "drums.velocity_spread",
        "drums.drum_repetition",
    }
    assert {"drums.drum_groove", "drums.drum_density"} <= set(feats)
    assert {"bits_per_step", "parts", "active_dims"} <= set(data["held_out"])
    assert data["style"]["part_temperatures"] and data["samples"]
    assert data["verdict"]


def test_cli_bad_inputs_exit_2(
    drums: tuple[Path, Path, MusicVAE], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model_dir, folder, _ = drums
    assert main.main(["evaluate", str(tmp_path), str(folder)]) == 2
    assert "not a trained model" in capsys.readouterr().err
    (tmp_path / "notes.txt").write_text("no midi here")
    assert main.main(["evaluate", str(model_dir), str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no MIDI files") and len(err.strip().splitlines()) == 1


def test_heldout_files_match_however_training_spelled_them(tmp_path: Path) -> None:
    folder = tmp_path / "band"
    files = [str(folder / "a.mid"), str(folder / "live" / "b.mid"), str(folder / "c.mid")]
    held = ["../elsewhere/band/live/b.mid", str(folder / "c.mid")]
    assert ev._heldout_ids(files, folder, held) == [1, 2]
    assert ev._heldout_ids(files, folder, ["a.mid.bak"]) == []
    assert ev._heldout_ids(files, folder, ["b.mid"]) == [1]  # a bundled card's bare names
    assert ev._heldout_ids(files, folder, ["other/b.mid"]) == []


def test_cli_save_writes_the_report_card_into_the_model(
    drums: tuple[Path, Path, MusicVAE], tmp_path: Path
) -> None:
    model_dir, folder, _ = drums
    copy = tmp_path / "model"
    shutil.copytree(model_dir, copy)
    (copy / "report.md").unlink(missing_ok=True)
    result = _cli(str(copy), str(tmp_path / "nowhere"), "--save")
    assert result.returncode == 2 and not (copy / "report.md").exists()  # a failed run writes nothing
    result = _cli(str(copy), str(folder), "--save", "--training-folder", "--device", "cpu")
    assert result.returncode == 0, result.stderr
    saved = json.loads((copy / "report.json").read_text())
    assert saved["source"] == "the 1 held-out files of its training folder"
    assert (copy / "report.md").read_text().startswith("# Report card")
