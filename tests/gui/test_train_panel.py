"""Train panel and model picker: scanning real files, training a tiny model to the end, staying responsive."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gui.mainwindow import MainWindow

GROOVE = Path(__file__).resolve().parents[3] / "shared" / "data" / "train" / "groove"


@pytest.fixture
def few_files(tmp_path: Path, midi_dir: Path) -> Path:
    """Four real 4/4 drum files, one real 6/8 file and one broken file."""
    folder = tmp_path / "my band"
    folder.mkdir()
    drums = sorted((midi_dir / "drums").rglob("*4-4.mid"))[:4]
    assert len(drums) == 4
    for path in drums:
        shutil.copy(path, folder / path.name)
    six_eight = sorted(GROOVE.rglob("*6-8.mid"))[:1]
    assert six_eight, f"no 6/8 file in {GROOVE}"
    for path in six_eight:
        shutil.copy(path, folder / path.name)
    (folder / "broken.mid").write_bytes(b"MThd this is not midi")
    return folder


def test_scan_lists_found_and_skipped_files_with_reasons(window: MainWindow, few_files: Path) -> None:
    panel = window.train
    panel.folder.setText(str(few_files))
    panel.scan_button.click()
    text = panel.found.toPlainText()
    assert "Found 6 MIDI file(s)" in text and "4 usable, 2 skipped" in text
    assert "Skipped:" in text and "broken.mid:" in text
    skipped_line = next(line for line in text.splitlines() if "broken.mid:" in line)
    assert len(skipped_line.split(":", 1)[1].strip()) > 5  # a reason, not an empty string
    assert "drums_2bar" in text and "Used:" in text


def test_model_picker_lists_and_loads_a_user_model(window: MainWindow, tmp_path: Path) -> None:
    from engine.model_registry import user_models_dir
    from models.checkpoint import save_checkpoint
    from models.musicvae import MusicVAE
    from models.presets import tiny_config

    folder = user_models_dir() / "drums-test"
    save_checkpoint(folder, MusicVAE(tiny_config("drums_2bar")), step=1, meta={}, best=True)
    window.files.refresh_models(select=str(folder))
    labels = [window.model_box.itemText(i) for i in range(window.model_box.count())]
    assert any(label.startswith("drums-test") for label in labels)
    assert window.session.generator is not None and window.session.generator.config_name == "drums_2bar"
    assert window.session.settings.model == str(folder)
