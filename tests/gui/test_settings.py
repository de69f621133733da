"""Settings: QSettings ⇄ AppSettings round trip, broken values fall back one by one."""

from __future__ import annotations

from pathlib import Path

import pytest

from gui.settings import AppSettings, load_settings, open_store, save_settings


def test_settings_round_trip_through_an_ini_file(tmp_path: Path) -> None:
    path = tmp_path / "bandmate.ini"
    wanted = AppSettings(
        output="port",
        midi_port="Scarlett",
        lead_channel=3,
        bass_channel=4,
        drum_channel=10,
        soundfont="/x/gm.sf2",
        device="cuda",
        output_folder=str(tmp_path),
        model="drums_2bar",
        tempo=96.5,
        loop=False,
    )
    save_settings(open_store(path), wanted)
    assert load_settings(open_store(path)) == wanted


def test_broken_values_fall_back_to_defaults(tmp_path: Path) -> None:
    path = tmp_path / "bandmate.ini"
    store = open_store(path)
    store.setValue("lead_channel", "forty")
    store.setValue("drum_channel", 99)
    store.setValue("device", "quantum")
    store.setValue("tempo", 140)
    store.sync()
    got = load_settings(open_store(path))
    assert got.lead_channel == 1 and got.drum_channel == 10 and got.device == "cpu" and got.tempo == 140.0


def test_invalid_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        AppSettings(output="speakers")
    with pytest.raises(ValueError):
        AppSettings(bass_channel=0)
