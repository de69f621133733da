"""The session's generation settings: one frozen, validated value that the Generate panel edits and
every panel reads."""

from __future__ import annotations

import dataclasses

import pytest

from engine.music.keys import KeyNameError
from gui.mainwindow import MainWindow
from gui.session import GenerationSettings


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
