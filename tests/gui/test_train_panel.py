"""Train panel and model picker: scanning real files, training a tiny model to the end, staying responsive."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QThreadPool, QTimer
from pytestqt.qtbot import QtBot

from engine.training.start import SMALL_FOLDER
from gui.mainwindow import MainWindow

GROOVE = Path(__file__).resolve().parents[3] / "shared" / "data" / "train" / "groove"


@pytest.fixture
def few_files(tmp_path: Path, midi_dir: Path) -> Path:
    """Four real 4/4 drum files, one real 6/8 file (read by the band models only) and one broken file."""
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
    assert "Found 6 MIDI file(s)" in text and "5 usable, 1 skipped" in text  # the 6/8 beat: band models
    assert "Skipped:" in text and "broken.mid:" in text
    skipped_line = next(line for line in text.splitlines() if "broken.mid:" in line)
    assert len(skipped_line.split(":", 1)[1].strip()) > 5  # a reason, not an empty string
    assert "drums_2bar" in text and "Used:" in text
    seen = next(line for line in text.splitlines() if line.startswith("Notes each model type sees"))
    assert "multitrack_1bar" in seen and "%" in seen  # issue 13: what each model will see of the music


def test_start_from_scratch_box_turns_the_automatic_start_off(window: MainWindow) -> None:
    panel = window.train
    assert panel.start_from.itemText(0) == "automatic (recommended)"
    assert f"fewer than {SMALL_FOLDER} songs" in panel.start_from.toolTip()
    panel.scratch.setChecked(True)
    assert not panel.start_from.isEnabled()
    panel.scratch.setChecked(False)
    assert panel.start_from.isEnabled()


def test_model_picker_lists_and_loads_a_user_model(window: MainWindow, tmp_path: Path) -> None:
    from engine.registry import user_models_dir
    from models.checkpoint import save_checkpoint
    from models.musicvae import MusicVAE
    from models.presets import tiny_config

    folder = user_models_dir() / "drums-test"
    save_checkpoint(folder, MusicVAE(tiny_config("drums_2bar")), step=1, best=True)
    window.files.refresh_models(select=str(folder))
    labels = [window.model_box.itemText(i) for i in range(window.model_box.count())]
    assert any(label.startswith("drums-test") for label in labels)
    assert window.session.generator is not None and window.session.generator.config_name == "drums_2bar"
    assert window.session.settings.model == str(folder)


def test_training_panel_trains_to_the_end_and_the_event_loop_keeps_answering(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, few_files: Path, record_property
) -> None:
    """A real worker thread trains a small drums model on real files; a 10 ms QTimer measures stalls."""
    from gui.app import build_window
    from gui.settings import AppSettings, open_store, save_settings
    from gui.workers import PoolExecutor

    monkeypatch.setenv("BANDMATE_HOME", str(tmp_path / "home"))
    store = open_store(tmp_path / "settings.ini")
    save_settings(store, AppSettings(output="none", device="cpu"))
    window = build_window(store, PoolExecutor(QThreadPool()))
    qtbot.addWidget(window)
    window.show()
    panel = window.train
    panel.folder.setText(str(few_files))
    panel.config.setCurrentText("drums_2bar")
    panel.steps.setValue(6)
    panel.batch.setValue(8)
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    with qtbot.waitSignal(panel.model_trained, timeout=300_000) as trained:
        qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
        assert not panel.train_button.isEnabled() and panel.stop_button.isEnabled()
    timer.stop()
    stall = max(b - a for a, b in zip(ticks, ticks[1:], strict=False))
    print(f"\nlongest event-loop stall while training: {stall * 1000:.0f} ms over {len(ticks)} ticks")
    record_property("event_loop_stall_ms", round(stall * 1000))
    model_dir = Path(trained.args[0])
    assert (model_dir / "model.json").is_file() and model_dir.parent == tmp_path / "home" / "models"
    assert panel.progress.value() == panel.progress.maximum() == 6
    assert len(panel.plot.series["loss"]) >= 1
    assert len(panel.report.toPlainText()) > 50  # the report card
    assert panel.train_button.isEnabled() and panel.resume_button.isEnabled()
    # four usable grooves: it started from the bundled beat model, and says so
    assert panel.start_note.text() == (
        "Starting from the bundled drums_2bar model (your folder has 4 files: too few to learn from scratch)."
    )
    from models.card import read_card

    assert read_card(model_dir).fine_tuned_from is not None
    qtbot.waitUntil(lambda: window.session.model_name == str(model_dir), timeout=60_000)
    assert window.session.generator.config_name == "drums_2bar"
    assert window.model_box.currentData() == str(model_dir)
    assert stall < 0.25, f"the window froze for {stall * 1000:.0f} ms while training"
