# SPDX-License-Identifier: MIT
"""Session files in the window: Save, Save As, Open, recent sessions, autosave with recovery after a crash
or kill, and the question on quit when there is unsaved work.

The file format lives in engine.music.sessionfile; this module only gathers the window's state into a
`SessionData` and puts one back. "Unsaved work" means the state differs from the one last saved or opened
(compared as the JSON that would be written) and is not empty; every arrangement edit, undo and redo
(`ArrangementStrip.changed`) re-checks it and `unsaved_changed` tells the window (its title shows "*").
Opening a session puts its arrangement in with `ArrangementStrip.set_arrangement` (no undo step) and
clears the undo history. Autosave writes the state every
AUTOSAVE_MS to `bandmate_home()/autosave.bandmate` while it is unsaved; a clean quit removes that file, so
finding it at start-up means the app was killed or crashed, and the window offers to restore it.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSettings, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget

from engine.music.sessionfile import (
    SUFFIX,
    NamedClip,
    SessionData,
    SessionError,
    load_session,
    save_session,
    session_json,
)
from engine.registry import bandmate_home
from gui.session import GenerationSettings

AUTOSAVE_MS = 20_000
RECENT_KEY = "sessions/recent"
MAX_RECENT = 8
SOUND_FIELDS = ("output", "midi_port", "soundfont", "lead_channel", "bass_channel", "drum_channel")
FILTER = f"Bandmate sessions (*{SUFFIX});;All files (*)"


def autosave_path() -> Path:
    """Where autosave writes: `$BANDMATE_HOME/autosave.bandmate`."""
    return bandmate_home() / f"autosave{SUFFIX}"


def _generation_data(g: GenerationSettings) -> dict[str, Any]:
    """The generation settings as the file holds them (JSON values: each part's temperature a list)."""
    data = dataclasses.asdict(g)
    data["parts"] = [[part, t] for part, t in data.get("parts", ())]
    return data


def _generation_settings(data: dict[str, Any]) -> dict[str, Any]:
    """The file's generation settings as `Session.set_generation` takes them (parts as pairs); a value
    it cannot read is left for set_generation to refuse."""
    out = dict(data)
    try:
        out["parts"] = tuple((str(part), float(t)) for part, t in data.get("parts", ()))
    except (TypeError, ValueError):
        pass
    return out


class SessionFiles(QObject):
    """Save/Open/recent/autosave/quit prompt for one window.

    Signals:
        path_changed(str): the session's file ("" for a new, unsaved one); the window title follows it.
        unsaved_changed(bool): the arrangement was edited (or undone) into or out of unsaved work.
    """

    path_changed = Signal(str)
    unsaved_changed = Signal(bool)

    def __init__(self, window: Any, store: QSettings, status: Callable[[str], None]) -> None:
        """`window`: the gui.mainwindow.MainWindow it serves (not imported here: the window imports this)."""
        super().__init__(window)
        self.window, self.store, self.status = window, store, status
        self.path: Path | None = None
        self._saved = session_json(SessionData())
        self.timer = QTimer(self)
        self.timer.setInterval(AUTOSAVE_MS)
        self.timer.timeout.connect(self.autosave)
        self.timer.start()
        self.recent_menu: QMenu | None = None
        self.closed = False  # the window was closed on purpose (a later close, at exit, does not ask)
        self._pending: dict[str, Any] = {}  # generation settings to restore once a session's model loads
        self.unsaved = False
        self._loading = False  # a session is being put into the window: its own changes are not edits
        window.arrangement.changed.connect(self._arrangement_changed)

    # --- the state ---------------------------------------------------------------------------------
    def collect(self) -> SessionData:
        """The window's state as a SessionData."""
        w = self.window
        doc = w.session.doc
        cands = w.generate.candidates
        morph = tuple(
            NamedClip(w.morph.names[i], c) if c is not None else None for i, c in enumerate(w.morph.clips)
        )
        blend = tuple(
            NamedClip(w.blender.names[i], c) if c is not None else None
            for i, c in enumerate(w.blender.corners)
        )
        settings = w.session.settings
        return SessionData(
            clip=NamedClip(doc.name, doc.pattern) if doc.pattern.tracks else None,
            candidates=tuple(NamedClip(n, c) for n, c in zip(cands.names(), cands.clips(), strict=True)),
            arrangement=w.arrangement.arrangement,
            morph=(morph[0], morph[1]),
            morph_position=w.morph.slider.value(),
            blend=blend,
            blend_xy=(w.blender.pad.puck_x, w.blender.pad.puck_y),
            model=w.session.model_name or settings.model,
            tempo=float(w.transport.tempo.value()),
            loop=w.transport.loop_box.isChecked(),
            sound={name: getattr(settings, name) for name in SOUND_FIELDS},
            generation=_generation_data(w.session.generation),
        )

    def apply(self, data: SessionData) -> None:
        """Put `data` into the window: clip, candidates, arrangement, morph, blend, tempo, model, settings."""
        self._loading = True
        try:
            self._apply(data)
        finally:
            self._loading = False

    def _apply(self, data: SessionData) -> None:
        w = self.window
        w.player.stop()
        w.transport.set_tempo(data.tempo)
        w.player.set_tempo(data.tempo)
        w.transport.loop_box.setChecked(data.loop)
        changes: dict[str, Any] = {"tempo": data.tempo, "loop": data.loop}
        known = {f.name for f in dataclasses.fields(w.session.settings)}
        sound = {k: v for k, v in data.sound.items() if k in SOUND_FIELDS and k in known}
        try:
            new = w.session.settings.replace(**changes, **sound)
        except (TypeError, ValueError):
            new = w.session.settings.replace(**changes)
        if any(getattr(new, k) != getattr(w.session.settings, k) for k in SOUND_FIELDS):
            w.files.apply_settings(new)
            w.files.refresh_outputs()
        w.session.settings = new
        try:
            w.session.set_generation(**_generation_settings(data.generation))
        except (TypeError, ValueError):
            pass  # a session from another version with settings this one does not take: keep the current
        cands = w.generate.candidates
        cands.clear()
        for c in data.candidates:
            cands.add_clip(c.pattern, c.name)
        w.arrangement.set_arrangement(data.arrangement)  # no undo step; the history is cleared below
        for i, clip in enumerate(data.morph):
            if clip is not None:
                w.morph.set_clip(i, clip.pattern, clip.name)
        w.morph.slider.set_value(data.morph_position)
        for i, clip in enumerate(data.blend):
            if clip is not None:
                w.blender.set_corner(i, clip.pattern, clip.name)
        w.blender.pad.set_position(*data.blend_xy, emit=False)
        if data.clip is not None:
            w.session.show_clip(data.clip.pattern, data.clip.name, undoable=False)
        w.session.doc.undo_stack.clear()  # clip and arrangement edits share it: no undo into the old session
        if data.model and data.model != w.session.model_name:
            # loading a model applies its suggested temperature: the session's own settings win afterwards
            self._pending = _generation_settings(data.generation)
            w.session.model_changed.connect(self._restore_generation)
            w.files.refresh_models(select=data.model)

    def _restore_generation(self, _gen: object) -> None:
        self.window.session.model_changed.disconnect(self._restore_generation)
        try:
            self.window.session.set_generation(**self._pending)
        except (TypeError, ValueError):
            pass

    # --- unsaved work --------------------------------------------------------------------------
    def modified(self) -> bool:
        """Whether the window holds work that differs from the last save/open and is not empty."""
        data = self.collect()
        return not data.is_empty and session_json(data) != self._saved

    def _mark_saved(self, data: SessionData, path: Path | None) -> None:
        self._saved = session_json(data)
        self.path = path
        self.path_changed.emit(str(path or ""))
        self._set_unsaved(False)

    def _arrangement_changed(self) -> None:
        if not self._loading:
            self._set_unsaved(self.modified())

    def _set_unsaved(self, unsaved: bool) -> None:
        if unsaved != self.unsaved:
            self.unsaved = unsaved
            self.unsaved_changed.emit(unsaved)

    # --- save / open ---------------------------------------------------------------------------
    def save(self) -> bool:
        """Save to the session's file (Save As for a new one); False when cancelled or failed."""
        if self.path is None:
            return self.save_as()
        return self.save_to(self.path)

    def save_as(self) -> bool:
        folder = Path(self.window.session.settings.output_folder).expanduser()
        default = str(self.path or folder / f"session{SUFFIX}")
        path, _ = QFileDialog.getSaveFileName(self.window, "Save session", default, FILTER)
        if not path:
            return False
        if not path.endswith(SUFFIX) and "." not in Path(path).name:
            path += SUFFIX
        return self.save_to(Path(path))

    def save_to(self, path: Path) -> bool:
        data = self.collect()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            save_session(data, path)
        except (SessionError, OSError) as exc:
            self.status(f"Could not save the session: {exc}")
            return False
        self._mark_saved(data, path)
        self._add_recent(path)
        self._drop_autosave()
        self.status(
            f"Saved session {path.name} ({data.kept_clips} kept clips, {len(data.candidates)} candidates)"
        )
        return True

    def open_dialog(self) -> None:
        if not self.confirm_discard("opening another session"):
            return
        folder = str(self.path.parent if self.path else Path(self.window.session.settings.output_folder))
        path, _ = QFileDialog.getOpenFileName(self.window, "Open session", folder, FILTER)
        if path:
            self.open_path(path)

    def open_path(self, path: str | Path, remember: bool = True) -> bool:
        """Open a session file; a bad one leaves the window as it was and says why on the status line."""
        path = Path(path)
        try:
            data = load_session(path)
        except SessionError as exc:
            self.status(f"Could not open {path.name}: {exc}")
            return False
        self.apply(data)
        self._mark_saved(self.collect(), path if remember else None)
        if remember:
            self._add_recent(path)
        self.status(
            f"Opened session {path.name} ({data.kept_clips} kept clips, {len(data.candidates)} candidates)"
        )
        return True

    # --- recent --------------------------------------------------------------------------------
    def recent(self) -> list[str]:
        """Recently saved or opened sessions, newest first, only those that still exist."""
        raw: Any = self.store.value(RECENT_KEY, [])
        items = [raw] if isinstance(raw, str) else list(raw or [])
        return [p for p in items if p and Path(p).is_file()][:MAX_RECENT]

    def _add_recent(self, path: Path) -> None:
        items = [str(path)] + [p for p in self.recent() if p != str(path)]
        self.store.setValue(RECENT_KEY, items[:MAX_RECENT])
        self.store.sync()
        self.fill_recent_menu()

    def fill_recent_menu(self) -> None:
        menu = self.recent_menu
        if menu is None:
            return
        menu.clear()
        items = self.recent()
        for p in items:
            menu.addAction(Path(p).name, functools.partial(self.open_recent, p))
        if not items:
            menu.addAction("(no sessions yet)").setEnabled(False)

    def open_recent(self, path: str) -> bool:
        """Open a recent session (asks first when there is unsaved work)."""
        return self.confirm_discard("opening another session") and self.open_path(path)

    # --- autosave and recovery -----------------------------------------------------------------
    def autosave(self) -> bool:
        """Write unsaved work to the autosave file; True when written."""
        if not self.modified():
            return False
        try:
            path = autosave_path()
            path.parent.mkdir(parents=True, exist_ok=True)
            save_session(self.collect(), path)
        except (SessionError, OSError) as exc:
            self.status(f"Autosave failed: {exc}")
            return False
        return True

    def _drop_autosave(self) -> None:
        autosave_path().unlink(missing_ok=True)

    def pending_recovery(self) -> Path | None:
        """The autosave file left by a run that did not quit cleanly, or None."""
        path = autosave_path()
        return path if path.is_file() else None

    def offer_recovery(self, parent: QWidget | None = None) -> bool:
        """Ask whether to restore the work of the last run that was killed; True when restored."""
        path = self.pending_recovery()
        if path is None:
            return False
        answer = QMessageBox.question(
            parent or self.window,
            "Restore unsaved work?",
            "Bandmate did not quit normally last time. Restore the work it saved automatically?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        )
        if answer == QMessageBox.StandardButton.Yes:
            return self.recover()
        self._drop_autosave()
        return False

    def recover(self) -> bool:
        """Restore the autosaved work (it stays unsaved until you save it)."""
        path = self.pending_recovery()
        if path is None:
            return False
        try:
            data = load_session(path)
        except SessionError as exc:
            self.status(f"Could not restore the autosaved work: {exc}")
            return False
        self.apply(data)
        self._set_unsaved(self.modified())
        self.status(f"Restored unsaved work ({data.kept_clips} kept clips); save it with Ctrl+S")
        return True

    # --- quitting ------------------------------------------------------------------------------
    def confirm_discard(self, doing: str = "quitting") -> bool:
        """Ask Save / Discard / Cancel when there is unsaved work; True when it is fine to go on."""
        if self.closed or not self.modified():
            return True
        kept = self.collect().kept_clips
        what = (
            f"{kept} kept clip{'s' if kept != 1 else ''} and other unsaved work" if kept else "unsaved work"
        )
        answer = QMessageBox.question(
            self.window,
            "Save the session?",
            f"This session has {what}. Save it before {doing}?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def forget_changes(self) -> None:
        """Count the current state as saved (a scripted run that quits on purpose, e.g. --smoke)."""
        self._saved = session_json(self.collect())
        self._set_unsaved(False)

    def closed_cleanly(self) -> None:
        """The window closes on purpose: no recovery is needed next time, and a second close does not ask."""
        self.timer.stop()
        self._drop_autosave()
        self.forget_changes()
        self.closed = True
