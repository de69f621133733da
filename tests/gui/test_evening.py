"""An evening in the app (issue 15): one tempo for exports, stems, drag-out files, the status area,
shortcuts after typing, choices limited to what works, the no-sound state, key names, corner names."""

from __future__ import annotations

import wave
from pathlib import Path

import mido
import pytest
import torch
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from engine.midi.files import read_clip, read_midi
from gui.dnd import DragOut
from gui.mainwindow import CANDIDATE_TARGETS, MainWindow
from gui.status import app_words
from tests.gui.conftest import make_clip, use_tiny_model

DRUMS = "drums/zharry29-drums-with-llm/drummer1/session1/101_dance-disco_120_beat_4-4.mid"  # 120 BPM


def _frames(path: Path) -> int:
    with wave.open(str(path)) as w:
        return w.getnframes()


def _bpm(path: Path) -> list[float]:
    midi = mido.MidiFile(path)
    return [round(mido.tempo2bpm(m.tempo), 3) for t in midi.tracks for m in t if m.type == "set_tempo"]


def test_export_at_90_bpm_is_exactly_two_bars_long(window: MainWindow, tmp_path: Path) -> None:
    window.transport.tempo.setValue(90.0)
    window.session.show_clip(make_clip(2, tempo=105.5), "two bars")  # a clip at the model's own tempo
    window.files.export_to(window.session.doc.pattern, "wav", str(tmp_path / "a.wav"))
    assert _frames(tmp_path / "a.wav") == round(2 * 4 * 60 / 90 * 44100) == 235200  # 5.333 s
    assert "at 90 BPM" in window.status_label.text()
    window.files.export_to(window.session.doc.pattern, "midi", str(tmp_path / "a.mid"))
    assert _bpm(tmp_path / "a.mid") == [90.0]
    window.session.settings = window.session.settings.replace(ring_out=1.0)
    window.files.export_to(window.session.doc.pattern, "wav", str(tmp_path / "b.wav"))
    assert _frames(tmp_path / "b.wav") == 235200 + 44100


def test_an_opened_file_offers_its_own_tempo(window: MainWindow, midi_dir: Path, tmp_path: Path) -> None:
    window.transport.tempo.setValue(90.0)
    window.files.load_clip(str(midi_dir / DRUMS))
    assert window.transport.file_tempo.isVisibleTo(window)
    assert window.transport.file_tempo.text() == "Use the file's 120 BPM"
    assert window.player.player.tempo == 90.0  # it plays at the transport's tempo until asked
    window.transport.file_tempo.click()
    assert window.transport.tempo.value() == 120.0 and window.player.player.tempo == 120.0
    assert not window.transport.file_tempo.isVisibleTo(window)
    clip = read_midi(midi_dir / DRUMS).pattern.slice(0, 32)
    window.files.export_to(clip, "midi", str(tmp_path / "file.mid"))
    assert _bpm(tmp_path / "file.mid") == [120.0]


def test_stems_export_one_wav_per_track(window: MainWindow, tmp_path: Path) -> None:
    window.transport.tempo.setValue(120.0)
    window.session.show_clip(make_clip(2), "band")
    window.files.export_stems_to(window.session.doc.pattern, str(tmp_path))
    stems = sorted(tmp_path.glob("band-*.wav"))
    assert len(stems) == 3 and {_frames(p) for p in stems} == {round(2 * 4 * 60 / 120 * 44100)}
    assert "3 stems" in window.status_label.text()


def test_drag_out_writes_at_the_transport_tempo_and_a_cancelled_drag_leaves_no_file(
    window: MainWindow, tmp_path: Path
) -> None:
    window.transport.tempo.setValue(90.0)
    window.session.show_clip(make_clip(2), "dragged")
    drag: DragOut = window.drag_clip
    data = drag.mime()
    assert data is not None
    path = Path(data.urls()[0].toLocalFile())
    assert _bpm(path) == [90.0]
    drag.finish(Qt.DropAction.IgnoreAction)  # cancelled: the file goes
    assert not path.exists()
    data = drag.mime()
    dropped = Path(data.urls()[0].toLocalFile())
    drag.finish(Qt.DropAction.CopyAction)  # dropped: the DAW has it
    assert dropped.exists()


def test_status_messages_are_whole_in_app_words_and_logged(window: MainWindow) -> None:
    card = "Fine-tune a bundled model instead: `python main.py train FOLDER --from drums_2bar`"
    said = app_words(card)
    assert "python" not in said and "--" not in said and "Train tab" in said
    assert "--" not in app_words("--device cuda: no CUDA GPU is available here (try --device auto)")
    assert app_words("--key auto: using Bb major, the key of the clip").startswith(
        "Key “Auto”: using Bb major"
    )
    window.show_status("first message")
    window.show_status("--key auto: no key found in the clip or the model's training summary; not masking")
    text = window.status_label.text()
    assert "first message" not in text and "--" not in text and window.status_label.wordWrap()
    assert any("First message" in line for line in window.status_area.log)
    dialog = window.status_area.open_log()
    assert "First message" in window.status_area.view.toPlainText()
    dialog.close()
    window.session.run(lambda _ctx: 1, lambda _r: None, "Quiet job")  # a job that says nothing at the end
    assert window.status_label.text() == "Quiet job: done"  # no stale "Quiet job…"


def test_ctrl_e_and_space_work_after_typing_a_tempo(qtbot: QtBot, window: MainWindow, monkeypatch) -> None:  # noqa: ANN001
    exported: list[str] = []
    monkeypatch.setattr(window.files, "export", lambda _pattern, kind: exported.append(kind))
    toggled: list[bool] = []
    monkeypatch.setattr(window.player, "play", lambda: toggled.append(True))
    window.session.show_clip(make_clip(2), "typed")
    window.activateWindow()
    field = window.transport.tempo
    field.setFocus()
    field.lineEdit().selectAll()
    qtbot.keyClicks(field.lineEdit(), "95")
    assert QApplication.focusWidget() in (field, field.lineEdit())
    qtbot.keyClick(field.lineEdit(), Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert exported == ["midi"]
    qtbot.keyClick(field.lineEdit(), Qt.Key.Key_Space)
    assert toggled == [True]
    qtbot.keyClick(field.lineEdit(), Qt.Key.Key_Return)
    assert field.value() == 95.0  # the field still took its own keys
    # a text field keeps its own editing keys (Ctrl+A selects, Space types)
    name = window.train.folder
    name.setFocus()
    qtbot.keyClicks(name, "my band")
    assert name.text().endswith("my band")


def test_compute_device_offers_only_what_works_here(window: MainWindow) -> None:
    from gui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(window.session.settings.replace(device="cuda"), [], window)
    offered = [dialog.device.itemData(i) for i in range(dialog.device.count())]
    assert "cpu" in offered and "auto" in offered
    assert ("cuda" in offered) == torch.cuda.is_available()
    assert dialog.result_settings().device in offered  # a stored "cuda" without a GPU is not kept
    dialog.close()


def test_complete_is_disabled_for_a_drums_only_model_and_says_why(window: MainWindow) -> None:
    use_tiny_model(window, "drums_2bar")
    assert not window.tools.complete_button.isEnabled()
    assert (
        "drums" in window.tools.complete_button.toolTip() and "trio" in window.tools.complete_button.toolTip()
    )
    use_tiny_model(window, "multitrack_1bar")
    assert window.tools.complete_button.isEnabled()


def test_no_sound_is_visible_with_the_reason_and_play_says_so(window: MainWindow, qtbot: QtBot) -> None:
    assert window.transport.no_sound.isVisibleTo(window)
    assert "No sound" in window.transport.no_sound.toolTip()
    window.session.show_clip(make_clip(2), "silent")
    window.play()
    assert window.status_label.text().startswith("Playing without sound")
    window.player.stop()


def test_a_broken_synth_is_not_claimed_in_the_sound_box(qtbot: QtBot, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    from gui.app import build_window
    from gui.settings import AppSettings, open_store, save_settings
    from gui.workers import SyncExecutor

    monkeypatch.setenv("BANDMATE_HOME", str(tmp_path / "home"))
    store = open_store(tmp_path / "s.ini")
    save_settings(store, AppSettings(output="fluidsynth", soundfont=str(tmp_path / "nope.sf2")))
    w = build_window(store, SyncExecutor())
    qtbot.addWidget(w)
    assert w.transport.output_box.currentData() == "none"
    tip = w.transport.no_sound.toolTip()
    assert "nope.sf2" in tip and "soundfont" in tip and "--" not in tip


def test_keys_corners_and_humanize_have_their_own_names_and_places(window: MainWindow) -> None:
    keys = [window.generate.key.itemText(i) for i in range(window.generate.key.count())]
    assert (
        "Bb major" in keys
        and "Eb minor" in keys
        and not any("#" in k and "major" in k and "A#" in k for k in keys)
    )
    assert "A# major" not in keys and "D# minor" not in keys
    assert [b.text() for b in window.blender.corner_buttons] == ["1", "2", "3", "4"]
    assert "Put in blend corner 1" in CANDIDATE_TARGETS.values()
    tabs = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert "Humanize" in tabs and "Complete" in tabs
    assert window.tabs.widget(tabs.index("Humanize")).isAncestorOf(window.tools.humanize_button)
    assert not window.tools.isAncestorOf(window.tools.humanize_button)


def test_the_default_window_fits_a_1280_by_800_screen(window: MainWindow) -> None:
    from gui.app import build_window
    from gui.workers import SyncExecutor

    fresh = build_window(window.store, SyncExecutor())
    assert fresh.width() <= 1280 and fresh.height() <= 800 - 30  # room for a title bar
    fresh.sessions.forget_changes()
    fresh.deleteLater()


def test_a_long_message_keeps_the_window_on_a_1280_by_800_screen(window: MainWindow, qtbot: QtBot) -> None:
    """Started with no sound, the status line says why in ~170 characters; the status bar sized it at a
    narrow width and the window opened 841 px tall, its status line below the screen (fresh-user trial)."""
    from gui.app import build_window
    from gui.workers import SyncExecutor

    fresh = build_window(window.store, SyncExecutor())
    fresh.show_status(
        "No sound (no audio output works (tried pipewire, pulseaudio, jack, alsa, sdl2); use a MIDI port "
        "instead); everything else works. Settings… picks another output"
    )
    fresh.show()
    qtbot.waitExposed(fresh)
    QApplication.processEvents()
    assert fresh.height() <= 800 - 30 and fresh.status_label.height() <= 3 * fresh.fontMetrics().lineSpacing()
    assert fresh.status_label.toolTip().startswith("No sound (no audio output works")  # the whole text
    fresh.sessions.forget_changes()
    fresh.close()
    fresh.deleteLater()


@pytest.mark.parametrize("size", [(1280, 720), (1280, 800)])
def test_nothing_is_squashed_or_clipped_on_a_small_screen(window: MainWindow, qtbot: QtBot, size) -> None:  # noqa: ANN001
    window.resize(*size)
    qtbot.waitUntil(lambda: window.width() <= size[0] and window.height() <= size[1], timeout=2000)
    QApplication.processEvents()
    assert window.width() == size[0] and window.height() == size[1]  # not held wider by a minimum size
    drag = window.arrangement.drag
    assert drag.isVisible() and drag.width() >= drag.sizeHint().width()
    right = drag.mapTo(window, drag.rect().topRight()).x()
    assert right <= window.width()
    assert window.pane.height() >= 200  # the roll keeps room to edit
    # the roll's info line shows whole (the Rec controls no longer share its row), and every Rec control
    # gets its full width, inside the pane
    window.session.show_clip(make_clip(4, seed=1), "generated band clip 3")
    QApplication.processEvents()
    info = window.pane.info
    assert info.text() == "generated band clip 3: 4 bar(s), 3 track(s), 96 notes"
    assert info.shown() == info.text(), f"the info line is cut to {info.shown()!r}"
    rec = window.pane.record
    for w in (
        rec.rec_button,
        rec.input_box,
        rec.bars,
        rec.count_in,
        rec.metronome,
        rec.overdub,
        rec.use_button,
    ):
        assert w.isVisible() and w.width() >= w.minimumSizeHint().width(), w
        assert w.mapTo(window.pane, w.rect().topRight()).x() <= window.pane.width()
    # a name too long for the line ends in "…" and says the whole of it in its tooltip
    window.session.show_clip(make_clip(1), "x" * 300)
    QApplication.processEvents()
    assert info.shown().endswith("…") and info.toolTip() == info.text() and info.text().startswith("x" * 300)


def test_training_folder_and_time_limit_are_remembered(
    window: MainWindow, midi_dir: Path, qtbot: QtBot
) -> None:
    from gui.app import build_window
    from gui.workers import SyncExecutor

    window.train.folder.setText(str(midi_dir / "drums"))
    window.train.minutes.setValue(25)
    again = build_window(window.store, SyncExecutor())
    qtbot.addWidget(again)
    assert again.train.folder.text() == str(midi_dir / "drums") and again.train.minutes.value() == 25


def test_the_report_cards_temperature_is_applied(window: MainWindow) -> None:
    window.session.load_model("mel_2bar")
    suggested = window.session.generator.temperatures  # its report card's recommendation
    assert window.session.generation.parts == tuple(suggested.items())
    assert window.generate.temperature.value() == suggested["melody"]
    assert f"temperatures melody={suggested['melody']:g}" in window.status_label.text()


def test_models_get_readable_names_and_can_be_renamed(window: MainWindow, capsys) -> None:  # noqa: ANN001
    import argparse
    import shutil

    from cli import models as models_cmd
    from engine.registry import BUNDLED_DIR, list_models, new_model_name, user_models_dir

    name = new_model_name("funk beats", "drums_2bar")
    assert name.startswith("funk beats (drums_2bar) ") and "/" not in name
    folder = user_models_dir() / name
    shutil.copytree(BUNDLED_DIR / "drums_2bar", folder)
    window.session.load_model(str(folder))
    assert window.rename_action.isEnabled()
    assert window.rename_model("My beats")
    assert (user_models_dir() / "My beats" / "model.json").is_file() and not folder.exists()
    assert "My beats" in [i.name for i in list_models()]
    assert not window.rename_model("bad/name") and "cannot be a model name" in window.status_label.text()
    p = argparse.ArgumentParser()
    models_cmd.add_arguments(p)
    assert models_cmd.run(p.parse_args(["--rename", "My beats", "Beats 2"])) == 0
    assert (user_models_dir() / "Beats 2").is_dir()
    assert models_cmd.run(p.parse_args(["--rename", "drums_2bar", "mine"])) == 2
    assert "bundled model" in capsys.readouterr().err


def test_the_training_chart_has_axes(qtbot: QtBot) -> None:
    from gui.widgets.curves import CurvePlot

    plot = CurvePlot()
    qtbot.addWidget(plot)
    for step in range(0, 1001, 100):
        plot.add("loss", step, 3.0 - step / 1000)
        plot.add("held-out accuracy", step, 0.2 + step / 2000)
    xs, ys = plot.axis_labels()
    assert xs == ["0", "500", "1,000"] and ys == ["2", "2.5", "3"]
    plot.resize(400, 200)
    assert not plot.grab().isNull() and plot.x_title == "training step"


def test_generation_notices_are_in_app_words(window: MainWindow) -> None:
    from engine.generation.runner import Generated

    notices = ("--key auto: using Bb major, the key of the clip", "only the first 2 bars were used")
    window.generate.show_candidates(Generated((make_clip(2),), 7, notices))
    info = window.generate.info.text()
    assert "--" not in info and info.splitlines() == [
        "Key “Auto”: using Bb major, the key of the clip",
        "Only the first 2 bars were used",
    ]


def test_dragging_candidates_out_leaves_a_file_only_when_another_app_takes_it(
    window: MainWindow, tmp_path: Path, monkeypatch
) -> None:  # noqa: ANN001
    """The clip lists (candidates, morph steps) drag out like the other handles: a cancelled drag, or one
    dropped back inside Bandmate, leaves no .mid file behind; a drop on a DAW keeps it."""
    from PySide6.QtGui import QDrag

    out = tmp_path / "out"
    candidates = window.generate.candidates
    for i in range(3):
        candidates.add_clip(make_clip(2, seed=i), f"cand {i}")
    candidates.item(1).setSelected(True)
    drops: list[tuple[Qt.DropAction, object]] = []
    seen: list[list[Path]] = []

    def exec_(drag: QDrag, *_a) -> Qt.DropAction:  # noqa: ANN002
        seen.append([Path(u.toLocalFile()) for u in drag.mimeData().urls()])
        assert all(p.is_file() for p in seen[-1])  # written before the drop, as a DAW needs
        action, target = drops.pop(0)
        monkeypatch.setattr(QDrag, "target", lambda _self: target)
        return action

    monkeypatch.setattr(QDrag, "exec", exec_)
    drops.append((Qt.DropAction.IgnoreAction, None))  # Esc: cancelled
    candidates.startDrag(Qt.DropAction.CopyAction)
    assert seen[-1] and not any(p.exists() for p in seen[-1]) and list(out.glob("*.mid")) == []
    drops.append((Qt.DropAction.CopyAction, window.arrangement.view))  # dropped on a lane of Bandmate
    candidates.startDrag(Qt.DropAction.CopyAction)
    assert list(out.glob("*.mid")) == []
    drops.append((Qt.DropAction.CopyAction, None))  # dropped on the DAW (another app)
    candidates.startDrag(Qt.DropAction.CopyAction)
    kept = list(out.glob("*.mid"))
    assert kept == seen[-1] and read_clip(kept[0]).note_count == make_clip(2, seed=1).note_count
    # the morph steps list and the clip handle behave the same
    window.morph.steps_list.add_clip(make_clip(1, seed=5), "step")
    window.morph.steps_list.item(0).setSelected(True)
    drops.append((Qt.DropAction.IgnoreAction, None))
    window.morph.steps_list.startDrag(Qt.DropAction.CopyAction)
    window.session.show_clip(make_clip(2), "on the roll")
    drops.append((Qt.DropAction.CopyAction, window.blender.pad))
    from gui.dnd import run_drag

    run_drag(window.drag_clip, window.drag_clip.mime())
    assert list(out.glob("*.mid")) == kept
