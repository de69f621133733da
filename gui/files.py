# SPDX-License-Identifier: MIT
"""The window's file and device actions: models list, open a clip, export MIDI/WAV, settings, sound output."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog, QFileDialog

from engine.midi.files import read_midi, write_midi
from engine.music.pattern import Pattern
from engine.registry import list_models
from gui.dnd import safe_name
from gui.outputs import open_output, output_choices
from gui.settings import save_settings
from gui.settings_dialog import SettingsDialog

if TYPE_CHECKING:
    from gui.mainwindow import MainWindow


class FileActions:
    """Actions that touch files, ports and settings on behalf of the main window."""

    def __init__(self, window: MainWindow) -> None:
        self.w = window

    @property
    def settings(self):  # noqa: ANN201 - AppSettings, kept on the session
        return self.w.session.settings

    def refresh_models(self, select: str | None = None) -> None:
        """Fill the model picker (bundled, then user models) and load `select` or the first one."""
        box = self.w.model_box
        current = select or box.currentData()
        box.clear()
        for info in list_models():
            label = f"{info.name}  ({info.config}, {info.where})"
            box.addItem(label, str(info.path))
            box.setItemData(box.count() - 1, info.trained_on or str(info.path), 3)  # tooltip role
        if box.count() == 0:
            box.addItem("no models yet: train one in the Train tab", "")
            return
        index = max(0, box.findData(str(current))) if current else 0
        if current and box.findData(str(current)) < 0:
            index = next(
                (i for i in range(box.count()) if Path(box.itemData(i)).name == Path(current).name), 0
            )
        box.setCurrentIndex(index)
        self.w.load_model(box.itemData(index))

    def refresh_outputs(self) -> None:
        s = self.settings
        key = f"port:{s.midi_port}" if s.output == "port" else s.output
        self.w.transport.set_outputs(output_choices(), key)

    def switch_output(self, key: str) -> None:
        """Close the current sound output and open the chosen one (NullOutput with a reason if it fails)."""
        kind, _, port = key.partition(":")
        new = self.settings.replace(output=kind, midi_port=port or self.settings.midi_port)
        self.apply_settings(new)

    def apply_settings(self, new: object) -> None:
        w = self.w
        w.player.stop()
        opened = open_output(new)  # type: ignore[arg-type]
        w.output.output.close()
        w.output.output = opened.output
        w.output.settings = new  # type: ignore[assignment]
        w.output.set_pattern(w.session.doc.pattern)
        w.session.settings = new  # type: ignore[assignment]
        save_settings(w.store, new)  # type: ignore[arg-type]
        note = f"Sound: {opened.description}" + (f" ({opened.problem})" if opened.problem else "")
        w.show_status(note)

    def edit_settings(self) -> None:
        ports = [k.partition(":")[2] for k, _ in output_choices() if k.startswith("port:")]
        dialog = SettingsDialog(self.settings, ports, self.w)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.apply_settings(dialog.result_settings())
            self.refresh_outputs()

    def open_clip(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.w, "Open a MIDI clip", "", "MIDI (*.mid *.midi *.kar)")
        if path:
            self.load_clip(path)

    def load_clip(self, path: str) -> None:
        try:
            result = read_midi(path)
        except Exception as exc:  # noqa: BLE001 - unreadable files are reported on the status line
            self.w.show_status(f"{Path(path).name}: {exc}")
            return
        clip = result.pattern
        self.w.session.show_clip(clip, Path(path).stem)
        said = f" ({'; '.join(result.notices)})" if result.notices else ""
        self.w.show_status(f"Opened {Path(path).name}: {clip.bars} bars, {clip.note_count} notes{said}")

    def export(self, pattern: Pattern, kind: str) -> None:
        """Ask where, then write MIDI here or render WAV with FluidSynth in a worker."""
        if not pattern.note_count:
            self.w.show_status("Nothing to export: the clip is empty")
            return
        folder = Path(self.settings.output_folder).expanduser()
        folder.mkdir(parents=True, exist_ok=True)
        suffix = ".mid" if kind == "midi" else ".wav"
        default = str(folder / f"{safe_name(self.w.session.doc.name)}{suffix}")
        filt = "MIDI (*.mid)" if kind == "midi" else "WAV audio (*.wav)"
        path, _ = QFileDialog.getSaveFileName(self.w, f"Export {kind.upper()}", default, filt)
        if path:
            self.export_to(pattern, kind, path)

    def export_to(self, pattern: Pattern, kind: str, path: str) -> None:
        if kind == "midi":
            write_midi(pattern, path)
            self.w.show_status(f"Wrote {path}")
            return
        soundfont = self.settings.soundfont or None

        def render(_ctx: object) -> str:
            from synth.fluid_render import render_wav

            render_wav(pattern, path, soundfont=soundfont)
            return path

        self.w.session.run(render, lambda p: self.w.show_status(f"Wrote {p}"), "Rendering WAV")
