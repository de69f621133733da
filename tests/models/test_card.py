"""The model card and the report card as typed values: strict reading of the current version, the files
of earlier releases (versions 1 and 2), and every bundled model's files."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path

import pytest
import torch

from engine.evaluation.report import render_markdown
from models.card import CARD_VERSION, CardError, ModelCard, read_card
from models.report import REPORT_VERSION, Report, ReportError, read_report
from tests.conftest import ROOT

BUNDLED = sorted(p for p in (ROOT / "resources" / "models").iterdir() if p.is_dir())

# model.json as the previous release wrote it (version 1): keys without a value left out, the pitched
# notes' statistics flat in "data"
V1 = {
    "format": "bandmate-musicvae",
    "version": 1,
    "config": {"name": "mel_2bar", "size": "tiny", "z_size": 16, "embed_size": 16, "enc_size": 32,
               "dec_size": 32, "dec_layers": 1},
    "vocabulary": {"melody": 90},
    "name": "folk",
    "data": {"folder": "/music/folk", "files": 3, "velocity_mean": 90.0, "velocity_std": 10.0,
             "velocity_jitter": 9.0, "velocity_by_position": [90.0] * 16, "offset_mean": 0.0,
             "offset_std": 0.05, "offset_jitter": 0.04, "offset_by_position": [0.0] * 16, "notes": 200,
             "key": "D:major"},
    "training": {"step": 5, "epoch": 1, "seed": 0, "loss": None, "kl": None, "accuracy": 0.5},
    "checkpoints": [{"step": 5, "weights": "step-00000005.safetensors", "sha256": "ab"}],
    "best": {"step": 5, "weights": "best.safetensors", "sha256": "ab"},
}  # fmt: skip


def test_version_1_files_are_read_into_the_typed_card() -> None:
    card = ModelCard.from_json(copy.deepcopy(V1))
    assert card.name == "folk" and card.config.name == "mel_2bar" and card.vocabulary == {"melody": 90}
    pitched = card.data.music.pitched
    assert pitched is not None and pitched.velocity_mean == 90.0 and len(pitched.velocity_by_position) == 16
    assert (
        card.data.music.drums is None
        and card.data.music.key == "D:major"
        and card.data.folder == "/music/folk"
    )
    assert card.training.step == 5 and card.training.loss is None and card.fine_tuned_from is None
    assert card.checkpoints[0].optimizer is None and card.best is not None
    again = ModelCard.from_json(json.loads(json.dumps(card.to_json())))  # written as the current version
    assert again == card and card.to_json()["version"] == CARD_VERSION == 3
    assert card.latent is None and card.training.bits is None  # an old model samples from N(0, I)
    assert card.data.music.gate is None  # version 1 measured nothing for the sample-quality gate


def test_version_2_files_are_read_without_a_latent_fit_or_gate_statistics() -> None:
    v3 = ModelCard.from_json(copy.deepcopy(V1)).to_json()
    v2 = {k: v for k, v in copy.deepcopy(v3).items() if k != "latent"}
    v2["version"] = 2
    for key in ("bits", "best_bits"):
        del v2["training"][key]
    del v2["data"]["music"]["gate"]
    card = ModelCard.from_json(v2)
    assert card.latent is None and card.data.music.gate is None and card.to_json() == v3


def test_a_latent_fit_round_trips_through_the_card() -> None:
    from models.latent import fit_latent

    g = torch.Generator().manual_seed(0)
    fit = fit_latent(torch.randn(50, 16, generator=g), torch.rand(50, 16, generator=g) + 0.1, rank=4)
    card = dataclasses.replace(ModelCard.from_json(copy.deepcopy(V1)), latent=fit)
    again = ModelCard.from_json(json.loads(json.dumps(card.to_json())))
    assert again == card and again.latent is not None and len(again.latent.components) == 4


def test_unknown_or_missing_keys_name_the_file_and_the_key() -> None:
    v2 = ModelCard.from_json(copy.deepcopy(V1)).to_json()  # the current version
    extra = copy.deepcopy(v2)
    extra["data"]["music"]["tempo"] = 120.0
    with pytest.raises(CardError, match=r"x/model.json: unknown key data\.music\.tempo"):
        ModelCard.from_json(extra, "x/model.json")
    missing = copy.deepcopy(v2)
    del missing["training"]["threads"]
    with pytest.raises(CardError, match=r"missing key training\.threads"):
        ModelCard.from_json(missing, "x/model.json")
    partial = copy.deepcopy(V1)
    del partial["data"]["velocity_jitter"]  # a version-1 writer always wrote the whole group
    with pytest.raises(CardError, match=r"missing key data\.music\.pitched\.velocity_jitter"):
        ModelCard.from_json(partial)
    odd = copy.deepcopy(V1)
    odd["data_summary"] = {}  # a key no writer ever wrote
    with pytest.raises(CardError, match="unknown key data_summary"):
        ModelCard.from_json(odd)
    with pytest.raises(CardError, match="written by a newer Bandmate"):
        ModelCard.from_json({**v2, "version": CARD_VERSION + 1})
    with pytest.raises(CardError, match=r"data\.files: expected int"):
        ModelCard.from_json({**v2, "data": {**v2["data"], "files": ["a.mid"]}})


def test_version_2_files_are_read_without_gate_statistics() -> None:
    raw = json.loads((BUNDLED[0] / "model.json").read_text())
    assert raw["data"]["music"]["gate"]["parts"]  # the bundled models' music is measured
    del raw["data"]["music"]["gate"]
    card = ModelCard.from_json({**raw, "version": 2})
    assert card.data.music.gate is None and card.config.name == BUNDLED[0].name
    with pytest.raises(CardError, match=r"missing key data\.music\.gate"):
        ModelCard.from_json(raw)  # version 3 writes every key


@pytest.mark.parametrize("folder", BUNDLED, ids=lambda p: p.name)
def test_bundled_models_carry_current_cards_and_reports(folder: Path) -> None:
    raw = json.loads((folder / "model.json").read_text())
    assert raw["version"] == CARD_VERSION
    card = read_card(folder)
    assert card.config.name == folder.name and card.best is not None
    assert card.to_json() == raw  # read and written again, byte for byte the same object
    report = read_report(folder / "report.json")
    assert json.loads((folder / "report.json").read_text()) == report.to_json()
    assert report.to_json()["version"] == REPORT_VERSION
    assert render_markdown(report) == (folder / "report.md").read_text()  # report.md as it was written


def test_version_1_reports_are_read_and_bad_ones_named() -> None:
    report = read_report(BUNDLED[0] / "report.json")
    v1 = report.to_json()
    del v1["version"]
    for side in ("held_out", "train"):
        for key in ("velocity_error", "offset_error", "groove_spread"):
            if v1[side][key] is None:
                del v1[side][key]
    assert Report.from_json(v1) == report
    with pytest.raises(ReportError, match=r"r.json: unknown key held_out\.recall"):
        Report.from_json({**v1, "held_out": {**v1["held_out"], "recall": 0.5}}, "r.json")
