"""scripts.install_bundled: a trained model folder becomes a slim bundled base model."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

from engine.evaluation.evaluate import write_report
from engine.evaluation.report import with_verdict
from engine.registry import BUNDLED_DIR
from models.report import read_report
from scripts.install_bundled import install


def test_a_model_trained_on_from_another_is_installed_as_a_base(tmp_path: Path) -> None:
    """band_4bar's bundled model trained on `--from` its first run: the bundled copy says nothing of
    fine-tuning, in model.json or in its report card's verdict, and keeps its weights and licence note."""
    src = tmp_path / "work" / "mel_2bar"
    shutil.copytree(BUNDLED_DIR / "mel_2bar", src)
    card = json.loads((src / "model.json").read_text())
    (src / "model.json").write_text(json.dumps({**card, "fine_tuned_from": str(tmp_path / "first-run")}))
    report = read_report(src / "report.json")
    write_report(src, with_verdict(report, fine_tuned_from=str(tmp_path / "first-run")))
    assert "Fine-tuned from the first-run model" in (src / "report.md").read_text()
    dst = tmp_path / "resources" / "mel_2bar"
    install(src, dst, "mel_2bar")
    assert json.loads((dst / "model.json").read_text())["fine_tuned_from"] is None
    assert "Fine-tuned from" not in (dst / "report.md").read_text()
    assert read_report(dst / "report.json") == dataclasses.replace(with_verdict(report), model="mel_2bar")
    assert (dst / "best.safetensors").read_bytes() == (src / "best.safetensors").read_bytes()
    assert "OpenEWLD" in (dst / "LICENSE.md").read_text()
