"""The session's generation settings: one frozen, validated value that the Generate panel edits and
every panel reads."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from engine.music.keys import KeyNameError
from gui.mainwindow import MainWindow
from gui.session import GenerationSettings
from tests.conftest import ROOT


def test_generation_settings_are_frozen_and_validated() -> None:
    g = GenerationSettings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        g.temperature = 1.0  # type: ignore[misc]
    with pytest.raises(ValueError, match="temperature 3"):
        GenerationSettings(temperature=3.0)
    with pytest.raises(ValueError, match="amount"):
        GenerationSettings(amount=-0.1)
    with pytest.raises(KeyNameError):
        GenerationSettings(key="H:major")
    assert GenerationSettings(key="auto").key == "auto" and GenerationSettings(key="Bb:minor").key


def test_the_generate_panel_edits_the_settings_every_panel_reads(window: MainWindow) -> None:
    seen: list[GenerationSettings] = []
    window.session.generation_changed.connect(seen.append)
    panel = window.generate
    panel.temperature.setValue(1.2)
    panel.feel.setChecked(False)
    panel.amount.setValue(0.6)
    panel.key.setCurrentIndex(panel.key.findData("D:minor"))
    want = GenerationSettings(temperature=1.2, key="D:minor", feel=False, amount=0.6)
    assert window.session.generation == want and seen[-1] == want


def test_per_part_temperatures_are_settings_the_panels_pass_on(window: MainWindow) -> None:
    g = GenerationSettings(temperature=0.7, parts=(("melody", 0.9), ("drums", 0.4)))
    assert g.model_temperature == {"melody": 0.9, "drums": 0.4} and g.parts_text == "melody=0.9, drums=0.4"
    assert GenerationSettings(temperature=0.7).model_temperature == 0.7
    with pytest.raises(ValueError, match=r"temperature 2.5 \(bass\)"):
        GenerationSettings(parts=(("bass", 2.5),))
    panel = window.generate
    panel.part_temperatures.setText("melody=0.9, drums=0.4")
    panel.part_temperatures.editingFinished.emit()
    assert window.session.generation.parts == (("melody", 0.9), ("drums", 0.4))
    panel.part_temperatures.setText("melody=hot")  # not understood: the settings stay, the field too
    panel.part_temperatures.editingFinished.emit()
    assert window.session.generation.parts == (("melody", 0.9), ("drums", 0.4))
    assert panel.part_temperatures.text() == "melody=0.9, drums=0.4"
    panel.temperature.setValue(1.1)  # the main control sets every part
    assert window.session.generation.parts == () and window.session.generation.model_temperature == 1.1


def test_loading_a_model_applies_its_report_cards_temperatures(window: MainWindow, tmp_path: Path) -> None:
    """Issue 15: the report card's suggested temperatures are applied when the model loads."""
    import json

    import torch

    from models.checkpoint import save_checkpoint
    from models.musicvae import MusicVAE
    from models.presets import tiny_config

    torch.manual_seed(0)
    folder = tmp_path / "trio"
    save_checkpoint(folder, MusicVAE(tiny_config("trio_16bar")), step=1, best=True)
    report = json.loads((ROOT / "resources" / "models" / "trio_16bar" / "report.json").read_text())
    report["style"]["part_temperatures"] = {"melody": 0.8, "bass": 1.0, "drums": 0.3}
    (folder / "report.json").write_text(json.dumps(report))
    window.session.load_model(str(folder))
    assert window.session.generator is not None
    assert window.session.generator.temperatures == {"melody": 0.8, "bass": 1.0, "drums": 0.3}
    assert dict(window.session.generation.parts) == {"melody": 0.8, "bass": 1.0, "drums": 0.3}
    assert window.generate.part_temperatures.text() == "melody=0.8, bass=1, drums=0.3"
    assert window.generate.temperature.value() == 0.7  # their mean, shown in the main control


def test_top_k_is_a_setting_the_model_gets(window: MainWindow, tmp_path: Path) -> None:
    """Top-k: validated in the settings, edited by the Generate panel's spin box, set from the report
    card when a model loads, and applied to the generator for each model call."""
    import json

    with pytest.raises(ValueError, match="top-k -1 must be a whole number"):
        GenerationSettings(top_k=-1)
    assert GenerationSettings().top_k == 0
    panel = window.generate
    assert "fewer wild leaps" in panel.top_k.toolTip() and panel.top_k.specialValueText() == "off"
    panel.top_k.setValue(8)
    assert window.session.generation.top_k == 8
    folder = tmp_path / "mel"
    import shutil

    shutil.copytree(ROOT / "resources" / "models" / "mel_2bar", folder)
    report = json.loads((folder / "report.json").read_text())
    report["style"]["top_k"] = 12
    (folder / "report.json").write_text(json.dumps(report))
    window.session.load_model(str(folder))
    gen = window.session.generator
    assert gen is not None and gen.recommended_top_k == 12 and gen.top_k == 12
    assert window.session.generation.top_k == 12 and panel.top_k.value() == 12
    panel.top_k.setValue(3)
    with window.session.using(gen):
        assert gen.top_k == 3  # what the next model call decodes with
