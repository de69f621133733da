"""The Generate panel with the quality check and the copy check: it says what it redrew, marks a
candidate that copies the training music (naming the file and bar), and redraws copies when asked."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from engine.generation.generator import Generator
from engine.midi.files import write_midi
from gui.mainwindow import MainWindow
from gui.widgets.thumbnails import COPY_MARK
from tests.gui.conftest import use_tiny_model


def generate(qtbot: QtBot, window: MainWindow, n: int, seed: int) -> None:
    window.generate.count.setValue(n)
    window.generate.seed.setValue(seed)
    qtbot.mouseClick(window.generate.generate_button, Qt.MouseButton.LeftButton)


def test_the_panel_says_what_the_quality_check_redrew(qtbot: QtBot, window: MainWindow) -> None:
    use_tiny_model(window, "mel_2bar", checked=True)  # untrained: most of its melodies leave the range
    statuses: list[str] = []
    window.session.status.connect(statuses.append)
    generate(qtbot, window, 3, 1)
    shown = window.generate.candidates.count()
    assert 0 < shown < 3
    info = window.generate.info.text()
    assert info.startswith(f"Only {shown} of 3 clips passed the checks in 12 draws;")
    assert "melody out of range" in info and "general limits" in info
    assert any(f"(only {shown} of 3 passed the checks)" in s for s in statuses)
    window.generate.checked.setChecked(False)  # every clip as the model writes it
    assert not window.generate.novel.isEnabled()
    generate(qtbot, window, 3, 1)
    assert window.generate.candidates.count() == 3 and "clips passed" not in window.generate.info.text()


def test_a_copying_candidate_is_marked_with_its_file_and_bar(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    gen = use_tiny_model(window, "mel_2bar", checked=False)
    generate(qtbot, window, 3, 1)
    music = tmp_path / "music"  # make these clips the model's training music
    music.mkdir()
    for i, clip in enumerate(window.generate.candidates.clips()):
        write_midi(clip, music / f"song_{i + 1}.mid")
    learned = Generator(gen.model, dataclasses.replace(gen.summary, folder=str(music)))
    window.session.use_generator(learned)
    window.generate.checked.setChecked(True)  # measured on that music, the same clips pass
    generate(qtbot, window, 3, 1)
    item = window.generate.candidates.item(0)
    assert item.text().endswith(COPY_MARK)
    assert item.toolTip() == "Copies your training music note for note: bars 1-2 are bars 1-2 of song_1.mid"
    assert window.generate.candidates.count() == 3 and "the copy check indexed" in window.generate.info.text()
    window.generate.novel.setChecked(True)
    assert window.session.generation.novel
    generate(qtbot, window, 3, 1)
    names = [window.generate.candidates.item(i).text() for i in range(window.generate.candidates.count())]
    assert not any(COPY_MARK in n for n in names)
    assert "copies your music" in window.generate.info.text()
