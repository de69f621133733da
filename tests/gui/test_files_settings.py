"""Export MIDI/WAV, the settings dialog (remembered between runs) and the keyboard shortcuts."""

from __future__ import annotations

from pathlib import Path

import mido
from PySide6.QtGui import QKeySequence

from gui.mainwindow import MainWindow
from gui.settings import load_settings, open_store
from gui.settings_dialog import SettingsDialog
from tests.gui.conftest import make_clip, use_tiny_model


def test_export_midi_and_wav(window: MainWindow, tmp_path: Path) -> None:
    clip = make_clip(1)
    window.files.export_to(clip, "midi", str(tmp_path / "clip.mid"))
    notes = [m for m in mido.MidiFile(tmp_path / "clip.mid") if m.type == "note_on" and m.velocity]
    assert len(notes) == clip.note_count
    window.files.export_to(clip, "wav", str(tmp_path / "clip.wav"))
    data = (tmp_path / "clip.wav").read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE" and len(data) > 44100
    assert "clip.wav" in window.status_label.text()


def test_settings_dialog_changes_are_applied_and_remembered(window: MainWindow, tmp_path: Path) -> None:
    dialog = SettingsDialog(window.session.settings, ["Synth A", "Synth B"], window)
    dialog.channels["bass"].setValue(7)
    dialog.device.setCurrentText("cpu")
    dialog.folder.setText(str(tmp_path / "exports"))
    window.files.apply_settings(dialog.result_settings())
    assert window.output.settings.bass_channel == 7
    again = load_settings(open_store(tmp_path / "settings.ini"))
    assert again.bass_channel == 7 and again.output_folder == str(tmp_path / "exports")


def test_keyboard_shortcuts_generate_keep_and_play(window: MainWindow) -> None:
    actions = {a.shortcut().toString(): a for a in window.actions() if not a.shortcut().isEmpty()}
    for keys in ("Space", "Ctrl+G", "Ctrl+K", "Ctrl+Z", "Ctrl+E"):
        assert QKeySequence(keys).toString() in actions, keys
    use_tiny_model(window, "drums_2bar")
    window.generate.count.setValue(2)
    actions["Ctrl+G"].trigger()
    assert window.generate.candidates.count() == 2 and window.session.doc.pattern.note_count
    actions["Ctrl+K"].trigger()
    assert window.arrangement.count() == 1
    assert window.player.playing  # the first candidate is auditioned
    actions["Space"].trigger()
    assert not window.player.playing
    actions["Space"].trigger()
    assert window.player.playing
    actions["Space"].trigger()
