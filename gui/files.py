# SPDX-License-Identifier: MIT
"""The window's file and device actions: models list, open a clip, export MIDI/WAV, settings, sound output."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QComboBox, QDialog, QFileDialog, QWidget

from engine.midi.files import read_midi, write_midi
from engine.music.pattern import Pattern
from engine.registry import list_models
from gui.dnd import safe_name
from gui.outputs import ChannelMap, open_output, output_choices
from gui.qt_player import QtPlayer
from gui.session import Session
from gui.settings import AppSettings, save_settings
from gui.settings_dialog import SettingsDialog
from gui.transport import TransportBar
from models.spec import DEFAULT_CONFIG


class FileActions:
    """Actions that touch files, ports and settings: the model list, opening and exporting clips, the
    settings dialog and the sound output. It works on the collaborators it is given, not on a window.

    Args:
        session: the shared state (settings, the clip, jobs).
        player, output: the playback and the channel map around the open sound output.
        store: where settings are saved.
        model_box: the model picker it fills; `load_model(path)` loads the picked model.
        transport: gets the list of sound outputs.
        status: shows a line on the status bar.
        stop_jam: stops the endless jam (it plays the output that a settings change closes).
        parent: the widget dialogs open over.
    """

    def __init__(
        self,
        *,
        session: Session,
        player: QtPlayer,
        output: ChannelMap,
        store: QSettings,
        model_box: QComboBox,
        load_model: Callable[[str], None],
        transport: TransportBar,
        status: Callable[[str], None],
        stop_jam: Callable[[], None],
        parent: QWidget,
    ) -> None:
        self.session, self.player, self.output, self.store = session, player, output, store
        self.model_box, self.load_model, self.transport = model_box, load_model, transport
        self.status, self.stop_jam, self.parent = status, stop_jam, parent
        self.sound_problem: Callable[[str], None] = lambda _problem: None  # the window shows "No sound"

    @property
    def settings(self) -> AppSettings:
        return self.session.settings

    def refresh_models(self, select: str | None = None) -> None:
        """Fill the model picker (bundled, then user models) and load `select`, else the bundled
        DEFAULT_CONFIG model (else the first one)."""
        box = self.model_box
        current = select or box.currentData()
        box.clear()
        for info in list_models():
            label = f"{info.name}  ({info.config}, {info.where})"
            box.addItem(label, str(info.path))
            box.setItemData(box.count() - 1, info.trained_on or str(info.path), 3)  # tooltip role
        if box.count() == 0:
            box.addItem("no models yet: train one in the Train tab", "")
            return
        # with nothing picked before: the default model type (DEFAULT_CONFIG), not whichever sorts first
        fallback = next((i for i in range(box.count()) if Path(box.itemData(i)).name == DEFAULT_CONFIG), 0)
        index = max(0, box.findData(str(current))) if current else fallback
        if current and box.findData(str(current)) < 0:
            index = next(
                (i for i in range(box.count()) if Path(box.itemData(i)).name == Path(current).name), fallback
            )
        box.setCurrentIndex(index)
        self.load_model(box.itemData(index))

    def refresh_outputs(self) -> None:
        s = self.settings
        key = f"port:{s.midi_port}" if s.output == "port" else s.output
        self.transport.set_outputs(output_choices(), key)

    def switch_output(self, key: str) -> None:
        """Close the current sound output and open the chosen one (NullOutput with a reason if it fails)."""
        kind, _, port = key.partition(":")
        new = self.settings.replace(output=kind, midi_port=port or self.settings.midi_port)
        self.apply_settings(new)

    def apply_settings(self, new: AppSettings) -> None:
        self.player.stop()
        self.stop_jam()  # the jam plays the output about to close: end its notes there first
        opened = open_output(new)
        self.output.output.close()
        self.output.output = opened.output
        self.output.settings = new
        self.output.set_pattern(self.session.doc.pattern)
        self.session.settings = new
        save_settings(self.store, new)
        note = f"Sound: {opened.description}" + (f" ({opened.problem})" if opened.problem else "")
        self.sound_problem(opened.problem)
        self.status(note)

    def edit_settings(self) -> None:
        ports = [k.partition(":")[2] for k, _ in output_choices() if k.startswith("port:")]
        dialog = SettingsDialog(self.settings, ports, self.parent)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.apply_settings(dialog.result_settings())
            self.refresh_outputs()

    def open_clip(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.parent, "Open a MIDI clip", "", "MIDI (*.mid *.midi *.kar)"
        )
        if path:
            self.load_clip(path)

    def load_clip(self, path: str) -> None:
        """Open a MIDI file as the clip; it plays at the transport's tempo, and the transport offers the
        file's own tempo when that differs."""
        try:
            result = read_midi(path)
        except Exception as exc:  # noqa: BLE001 - unreadable files are reported on the status line
            self.status(f"{Path(path).name}: {exc}")
            return
        clip = result.pattern
        self.session.show_clip(clip, Path(path).stem)
        said = f" ({'; '.join(result.notices)})" if result.notices else ""
        self.transport.offer_tempo(clip.tempo)
        self.status(f"Opened {Path(path).name}: {clip.bars} bars, {clip.note_count} notes{said}")

    @property
    def bpm(self) -> float:
        """The transport's tempo: the tempo of everything played and exported."""
        return float(self.transport.tempo.value())

    def export(self, pattern: Pattern, kind: str) -> None:
        """Ask where, then write MIDI here or render WAV with FluidSynth in a worker (both at the transport's
        tempo; a WAV is exactly the clip's bars plus the ring-out of Settings)."""
        if not pattern.note_count:
            self.status("Nothing to export: the clip is empty")
            return
        folder = Path(self.settings.output_folder).expanduser()
        folder.mkdir(parents=True, exist_ok=True)
        suffix = ".mid" if kind == "midi" else ".wav"
        default = str(folder / f"{safe_name(self.session.doc.name)}{suffix}")
        filt = "MIDI (*.mid)" if kind == "midi" else "WAV audio (*.wav)"
        path, _ = QFileDialog.getSaveFileName(self.parent, f"Export {kind.upper()}", default, filt)
        if path:
            self.export_to(pattern, kind, path)

    def export_to(self, pattern: Pattern, kind: str, path: str) -> None:
        """Write `pattern` at the transport's tempo as MIDI ("midi") or a whole-bar WAV ("wav") to `path`."""
        bpm = self.bpm
        pattern = pattern.at_tempo(bpm)
        if kind == "midi":
            try:
                write_midi(pattern, path)
            except OSError as exc:
                self.status(f"Could not write {Path(path).name}: {exc}")
                return
            self.status(f"Exported {Path(path).name}: {pattern.bars} bars at {bpm:g} BPM")
            return
        soundfont, tail = self.settings.soundfont or None, self.settings.ring_out

        def render(_ctx: object) -> str:
            from synth.fluid_render import render_wav

            result = render_wav(pattern, path, soundfont=soundfont, whole_bars=True, tail=tail)
            return f"Exported {result.path.name}: {pattern.bars} bars at {bpm:g} BPM, {result.seconds:.3f} s"

        self.session.run(render, self.status, "Rendering the WAV")

    def export_stems(self, pattern: Pattern) -> None:
        """Ask for a folder, then write one whole-bar WAV per track there (`export_stems_to`)."""
        if not pattern.note_count:
            self.status("Nothing to export: the clip is empty")
            return
        folder = Path(self.settings.output_folder).expanduser()
        folder.mkdir(parents=True, exist_ok=True)
        path = QFileDialog.getExistingDirectory(self.parent, "Export stems into folder", str(folder))
        if path:
            self.export_stems_to(pattern, path)

    def export_stems_to(self, pattern: Pattern, folder: str) -> None:
        """One WAV per track in `folder`, all exactly the clip's bars at the transport's tempo."""
        bpm, name = self.bpm, safe_name(self.session.doc.name)
        pattern = pattern.at_tempo(bpm)
        soundfont, tail = self.settings.soundfont or None, self.settings.ring_out

        def render(_ctx: object) -> str:
            from synth.fluid_render import render_stems

            results = render_stems(pattern, folder, name, soundfont, tail=tail)
            return f"Exported {len(results)} stems to {Path(folder).name}: {pattern.bars} bars at {bpm:g} BPM"

        self.session.run(render, self.status, "Rendering stems")
