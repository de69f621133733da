"""GUI test fixtures: clips built in code, a synchronous executor, a recording player."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.music.pattern import Note, Pattern, Role, Track


def make_clip(bars: int = 2, seed: int = 0, tempo: float = 120.0) -> Pattern:
    """A small band clip: drums, bass and lead; `seed` shifts the lead so clips differ."""
    steps = 16 * bars
    kick = [Note(36, s, s + 1, 110) for s in range(0, steps, 8)]
    snare = [Note(38, s, s + 1, 90) for s in range(4, steps, 8)]
    hats = [Note(42, s, s + 1, 50 + 10 * (s % 4)) for s in range(0, steps, 2)]
    bass = [Note(36 + (s // 16) % 3 * 2, s, s + 3, 100) for s in range(0, steps, 4)]
    lead = [Note(60 + (seed * 3 + i * 5) % 14, i * 2, i * 2 + 2, 70 + i % 5 * 10) for i in range(steps // 2)]
    return Pattern(
        (
            Track(tuple(kick + snare + hats), 0, True, Role.DRUMS, "drums"),
            Track(tuple(bass), 33, False, Role.BASS, "bass"),
            Track(tuple(lead), 0, False, Role.LEAD, "lead"),
        ),
        steps,
        tempo,
    )


def make_beat(variant: int, bars: int = 2) -> Pattern:
    """A drum-only beat; variants 0..3 differ clearly (for the blender corners)."""
    steps = 16 * bars
    every = (2, 4, 8, 3)[variant % 4]
    notes = [Note(36, s, s + 1, 100) for s in range(0, steps, 8 if variant % 2 else 4)]
    notes += [Note(42 if variant < 2 else 51, s, s + 1, 60 + 15 * variant) for s in range(0, steps, every)]
    notes += [Note(38, s, s + 1, 95) for s in range(4 + variant % 2 * 2, steps, 8)]
    return Pattern((Track(tuple(notes), 0, True, Role.DRUMS, "drums"),), steps, 120.0)


def smoke_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """Environment for `main.py --smoke` in a subprocess: a temporary HOME, BANDMATE_HOME and settings
    file (no sound, the bundled drums_2bar model), so a run never reads or writes a developer's own."""
    from gui.settings import AppSettings, open_store, save_settings

    settings = tmp_path / "settings.ini"
    chosen = AppSettings(output="none", model="drums_2bar", output_folder=str(tmp_path / "out"))
    save_settings(open_store(settings), chosen)
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    home = {"HOME": tmp_path / "home", "BANDMATE_HOME": tmp_path / "bandmate", "BANDMATE_SETTINGS": settings}
    return {**env, **{k: str(v) for k, v in home.items()}, **extra}


@pytest.fixture
def clip() -> Pattern:
    return make_clip()


@pytest.fixture(autouse=True)
def questions(monkeypatch):  # noqa: ANN001, ANN201 - pytest fixture
    """Every question box (save on quit, restore after a crash) answers at once, never waiting for a click:
    Save/Discard/Cancel questions give `answers[Save]` (Discard unless a test sets it), yes/no ones No.
    Yields (asked, answers): the texts asked so far and the answer table."""
    from PySide6.QtWidgets import QMessageBox

    answers = {QMessageBox.StandardButton.Save: QMessageBox.StandardButton.Discard}
    asked: list[str] = []

    def answer(_parent, _title, text, buttons=None, default=None):  # noqa: ANN001, ANN202
        asked.append(text)
        if buttons is not None and buttons & QMessageBox.StandardButton.Discard:
            return answers[QMessageBox.StandardButton.Save]
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", staticmethod(answer))
    yield asked, answers


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch, questions):  # noqa: ANN001, ANN201 - pytest fixtures
    """The whole main window on a temporary settings file, silent output, a synchronous executor."""
    from gui.app import build_window
    from gui.settings import AppSettings, open_store, save_settings
    from gui.workers import SyncExecutor

    monkeypatch.setenv("BANDMATE_HOME", str(tmp_path / "home"))
    store = open_store(tmp_path / "settings.ini")
    save_settings(store, AppSettings(output="none", output_folder=str(tmp_path / "out")))
    w = build_window(store, SyncExecutor())
    w.asked, w.answers = questions  # tests read the questions asked and set the quit answer
    qtbot.addWidget(w)
    w.show()
    yield w
    w.close()


def use_tiny_model(window, name: str = "drums_2bar", checked: bool = False):  # noqa: ANN001, ANN201
    """An untrained tiny model (seeded) as the window's model: enough to exercise every control. Its clips
    are noise, so the quality check is off unless `checked`."""
    import torch

    from engine.generation.generator import Generator
    from models.musicvae import MusicVAE
    from models.presets import tiny_config

    torch.manual_seed(0)
    gen = Generator(MusicVAE(tiny_config(name)))
    window.session.use_generator(gen)
    window.generate.checked.setChecked(checked)
    return gen


@pytest.fixture(autouse=True, scope="session")
def _empty_clipboard_at_exit():  # noqa: ANN202 - pytest fixture
    """Qt's offscreen platform crashes at exit (SIGSEGV) when the clipboard still holds data this process
    put there (the piano roll's copy does); xcb does not. The clipboard is emptied after the last test."""
    yield
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is not None:
        app.clipboard().clear()  # type: ignore[attr-defined]
