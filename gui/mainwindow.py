# SPDX-License-Identifier: MIT
"""The main window: model picker and transport on top, the piano roll in the centre, the arrangement strip
below it, tool panels in a dock on the right, and a status line saying what runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QPoint, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDockWidget,
    QInputDialog,
    QLabel,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QProgressBar,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QToolBar,
    QWidget,
)

from engine.music.pattern import STEPS_PER_BAR, Pattern
from engine.registry import ModelNotFoundError, rename_model, user_models_dir
from gui.arrangement import ArrangementStrip
from gui.dnd import DragOut
from gui.files import FileActions
from gui.outputs import ChannelMap
from gui.panels.blender import BlenderPanel
from gui.panels.generate import GeneratePanel
from gui.panels.jam import JamPanel
from gui.panels.morph import MorphPanel
from gui.panels.tools import ToolsPanel
from gui.panels.train import TrainPanel
from gui.pianoroll.pane import PianoRollPane
from gui.qt_player import QtPlayer
from gui.session import Session
from gui.session_files import SessionFiles
from gui.settings import save_settings
from gui.shortcuts import ShortcutGuard
from gui.status import StatusArea, app_words
from gui.transport import TransportBar
from gui.widgets.xypad import midi_paths
from synth.null_out import NullOutput

ARRANGEMENT_CLIP = "arrangement"  # the piano roll's name for the arrangement while it plays
CORNER_NAMES = ("1", "2", "3", "4")  # blend corners by number: letters are the morph's A and B
CANDIDATE_TARGETS = {
    "A": "Use as morph A",
    "B": "Use as morph B",
    **{str(i): f"Put in blend corner {c}" for i, c in enumerate(CORNER_NAMES)},
}


def _scrolling(page: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidget(page)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return area


class MainWindow(QMainWindow):
    """Bandmate's window; owns no engine state itself (that lives in `Session` and `QtPlayer`)."""

    def __init__(
        self,
        session: Session,
        player: QtPlayer,
        output: ChannelMap,
        store: QSettings,
        sound_note: str = "",
        parent: QWidget | None = None,
        sound_problem: str = "",
    ) -> None:
        super().__init__(parent)
        self.session, self.player, self.output, self.store = session, player, output, store
        self.arrangement_from = 0  # the bar the arrangement last started playing from
        self.setWindowTitle("Bandmate[*]")  # "[*]": "*" while there is unsaved work
        self.resize(1280, 760)  # fits a 1280x800 screen with its panel; 1280x720 works too
        self.setAcceptDrops(True)
        self.pane = PianoRollPane(session.doc)
        self.roll = self.pane.view
        self.transport = TransportBar()
        self.arrangement = ArrangementStrip(
            lambda: self.session.settings.output_folder, session.doc.undo_stack
        )
        self.generate = GeneratePanel(session)
        self.morph = MorphPanel(session)
        self.blender = BlenderPanel(session)
        self.tools = ToolsPanel(session)
        self.tools.selection_source = self.roll.model.selected_region
        self.train = TrainPanel(session)
        # the jam plays the raw output (its parts have their own channels) and stops the clip player first
        self.jam = JamPanel(
            session, lambda: self.output.output, self.player.stop, lambda: self.blender.corners
        )
        self.model_box = QComboBox()
        self.model_box.setMinimumContentsLength(28)
        self.files = FileActions(
            session=session, player=player, output=output, store=store, model_box=self.model_box,
            load_model=self.load_model, transport=self.transport, status=self.show_status,
            stop_jam=self.jam.stop, parent=self,
        )  # fmt: skip
        self.status_area = StatusArea()
        self.status_label = self.status_area.label
        self.busy = QProgressBar()
        self.sessions = SessionFiles(self, store, self.show_status)
        self.sessions.path_changed.connect(self._title)
        self.sessions.unsaved_changed.connect(self.setWindowModified)  # the title's "[*]" shows as "*"
        self._build()
        self._connect()
        self._actions()
        self.shortcut_guard = ShortcutGuard(self)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.shortcut_guard)  # text fields keep only their own keys
        self.files.refresh_models(select=session.settings.model)
        self.files.refresh_outputs()
        self.transport.set_tempo(session.settings.tempo)
        self.transport.loop_box.setChecked(session.settings.loop)
        self.set_sound_problem(sound_problem)
        self.show_status(sound_note or "Ready")

    # --- layout --------------------------------------------------------------------------------
    def _build(self) -> None:
        top = QToolBar("Model")
        top.setObjectName("model-bar")
        top.setMovable(False)
        top.addWidget(QLabel(" Model: "))
        top.addWidget(self.model_box)
        self.refresh_action = top.addAction("↻", lambda: self.files.refresh_models())
        self.refresh_action.setToolTip("Look for new models")
        self.rename_action = top.addAction("Rename…", lambda: self.rename_model())
        self.rename_action.setToolTip("Give the selected trained model a name of your own")
        self.rename_action.setEnabled(False)
        top.addSeparator()
        top.addAction("Open clip…", self.files.open_clip)
        top.addAction("Settings…", self.files.edit_settings)
        top.addSeparator()
        self.drag_clip = DragOut(
            "⇲ drag clip to DAW",
            lambda: [self.session.doc.pattern] if self.session.doc.pattern.note_count else [],
            lambda: self.session.settings.output_folder,
            "bandmate-clip",
        )
        top.addWidget(self.drag_clip)
        self.addToolBar(top)
        self.addToolBarBreak()
        bar = QToolBar("Transport")
        bar.setObjectName("transport-bar")
        bar.setMovable(False)
        bar.addWidget(self.transport)
        self.addToolBar(bar)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.pane)
        split.addWidget(self.arrangement)
        split.setStretchFactor(0, 1)
        split.setSizes([560, 230])
        self.setCentralWidget(split)
        tabs = QTabWidget()
        for page, name in (
            (self.generate, "Generate"),
            (self.morph, "Morph"),
            (self.blender, "Blend"),
            (self.tools, "Complete"),
            (self.tools.humanize_page, "Humanize"),
            (self.train, "Train"),
            (self.jam, "Jam"),
        ):
            tabs.addTab(_scrolling(page), name)  # a tall panel scrolls instead of squashing the window
        # the arrangement's summary wraps: its buttons and drag handle keep their room at 1280 px
        self.arrangement.summary.setWordWrap(True)
        self.arrangement.summary.setMinimumWidth(120)
        tabs.setStyleSheet("QTabBar::tab { padding: 4px 7px; }")  # all seven names show in the dock
        self.tabs = tabs
        dock = QDockWidget("Tools")
        dock.setObjectName("tools-dock")
        dock.setWidget(tabs)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        dock.setMinimumWidth(360)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.hide()
        self.statusBar().addWidget(self.status_area, 1)
        self.statusBar().addPermanentWidget(self.busy)

    def _connect(self) -> None:
        s, p = self.session, self.player
        s.status.connect(self.show_status)
        s.busy_changed.connect(self.busy.setVisible)
        s.job_finished.connect(self._job_finished)
        s.doc.changed.connect(self._clip_changed)
        self.pane.mix_changed.connect(lambda: self._clip_changed(self.session.doc.pattern))
        rec = self.pane.record  # the metronome clicks on the sound output at the transport tempo
        rec.click, rec.tempo = (lambda: self.output.output), self.transport.tempo.value
        rec.status.connect(self.show_status)
        rec.bar_one.connect(self._play_along)
        rec.use_as.connect(lambda t: self.use_clip(self.session.doc.pattern, self.session.doc.name, t))
        s.model_changed.connect(self._model_loaded)
        self.model_box.activated.connect(lambda i: self.load_model(self.model_box.itemData(i)))
        self.transport.play_toggled.connect(self.toggle_play)
        self.transport.loop_changed.connect(self._loop_changed)
        self.transport.tempo_changed.connect(self._tempo_changed)
        self.transport.output_changed.connect(self.files.switch_output)
        self.files.sound_problem = self.set_sound_problem
        # one tempo: the jam's tempo box and the transport's are the same number
        self.transport.tempo_changed.connect(self.jam.tempo.setValue)
        self.jam.tempo.valueChanged.connect(self.transport.tempo.setValue)
        self.drag_clip.tempo = self.arrangement.drag.tempo = lambda: float(self.transport.tempo.value())
        p.position.connect(self._playhead)
        p.playing_changed.connect(self.transport.set_playing)
        p.error.connect(lambda r: self.show_status(f"Sound stopped: {r}"))
        self.generate.audition.connect(lambda *_: self.play())
        self.generate.keep.connect(self.arrangement.add)
        self.morph.audition.connect(lambda *_: self.play())
        self.morph.keep.connect(self.arrangement.add)
        self.arrangement.play_requested.connect(self._play_arrangement)
        self.arrangement.changed.connect(self._arrangement_edited)
        self.arrangement.export_requested.connect(self.files.export)
        self.arrangement.clip_opened.connect(self.session.show_clip)
        self.arrangement.status.connect(self.show_status)
        self.generate.candidates.mime_factory = self.arrangement.mime_factory
        self.morph.steps_list.mime_factory = self.arrangement.mime_factory
        self.blender.fill_button.clicked.connect(self._corners_from_candidates)
        self.generate.candidates.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.generate.candidates.customContextMenuRequested.connect(self._candidate_menu)
        self.train.model_trained.connect(lambda path: self.files.refresh_models(select=path))
        # the training folder and time limit are remembered between runs
        self.train.remember(self.session.settings.train_folder, self.session.settings.train_minutes)
        self.train.folder.textChanged.connect(lambda text: self._remember(train_folder=text.strip()))
        self.train.minutes.valueChanged.connect(lambda m: self._remember(train_minutes=int(m)))

    def _actions(self) -> None:
        undo = self.session.doc.undo_stack
        specs = [
            ("Play / stop", "Space", self.toggle_play),
            ("Generate", "Ctrl+G", self.generate.generate),
            ("Keep clip", "Ctrl+K", self.generate.keep_selected),
            ("Open clip…", "Ctrl+O", self.files.open_clip),
            ("Export clip as MIDI…", "Ctrl+E", lambda: self.files.export(self.session.doc.pattern, "midi")),
            (
                "Export clip as WAV…",
                "Ctrl+Shift+E",
                lambda: self.files.export(self.session.doc.pattern, "wav"),
            ),
            (
                "Export clip as stems (a WAV per track)…",
                "Ctrl+Alt+E",
                lambda: self.files.export_stems(self.session.doc.pattern),
            ),
            ("Fit clip", "Ctrl+0", lambda: self.pane.apply(self.roll.model.fit)),
        ]
        files = self.menuBar().addMenu("&File")
        for text, keys, slot in (
            ("Open session…", "Ctrl+Shift+O", self.sessions.open_dialog),
            ("Save session", "Ctrl+S", self.sessions.save),
            ("Save session as…", "Ctrl+Shift+S", self.sessions.save_as),
        ):
            action = files.addAction(text, QKeySequence(keys), slot)
            self.addAction(action)
        self.sessions.recent_menu = files.addMenu("Open recent session")
        self.sessions.fill_recent_menu()
        menu = self.menuBar().addMenu("&Bandmate")
        for text, keys, slot in specs:
            action = QAction(text, self)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(slot)
            menu.addAction(action)
            self.addAction(action)
        menu.addSeparator()
        menu.addAction("Settings…", self.files.edit_settings)
        menu.addAction("Quit", QKeySequence("Ctrl+Q"), self.close)
        edit = self.menuBar().addMenu("&Edit")
        for action, keys in (
            (undo.createUndoAction(self), "Ctrl+Z"),
            (undo.createRedoAction(self), "Ctrl+Shift+Z"),
        ):
            action.setShortcut(QKeySequence(keys))
            edit.addAction(action)
            self.addAction(action)
        edit.addAction("Delete selected notes", QKeySequence("Del"), self.roll.delete_selection)

    # --- behaviour -----------------------------------------------------------------------------
    def show_status(self, text: str) -> None:
        """One complete message in the app's words (gui.status); every message also goes to the log."""
        self.status_area.show_message(text)

    def _job_finished(self, what: str) -> None:
        """No stale text: a job's "what…" line that nothing replaced becomes "what: done"."""
        if self.status_area.text() == app_words(f"{what}…"):
            self.show_status(f"{what}: done")

    def show_panel(self, panel: QWidget) -> None:
        """Bring the tab holding `panel` to the front."""
        for i in range(self.tabs.count()):
            page = self.tabs.widget(i)
            if page is not None and page.isAncestorOf(panel):
                self.tabs.setCurrentIndex(i)

    def set_sound_problem(self, problem: str) -> None:
        """Show the "No sound" state: the warning in the transport with the reason and the fix, and the
        Sound box on "No sound" (it never names an output that did not open)."""
        self.sound_problem = problem
        if not problem and isinstance(self.output.output, NullOutput):
            self.transport.set_sound_problem(
                "No sound: the output is set to No sound. To hear clips, pick FluidSynth or a MIDI port"
            )
        elif problem:
            fix = "pick another output under Sound: or in Settings…"
            if "soundfont" in problem.lower():
                fix = "install a General MIDI soundfont, or choose one in Settings…"
            self.transport.set_sound_problem(f"No sound: {app_words(problem)}. To fix it: {fix}")
            box = self.transport.output_box
            box.setCurrentIndex(max(0, box.findData("none")))
        else:
            self.transport.set_sound_problem("")

    def load_model(self, model: str | None) -> None:
        if model:
            self.player.stop()
            self.session.load_model(model)

    def _model_loaded(self, gen: object) -> None:
        self.session.settings = self.session.settings.replace(model=self.session.model_name)
        save_settings(self.store, self.session.settings)
        self.rename_action.setEnabled(self._is_user_model(self.session.model_name))

    @staticmethod
    def _is_user_model(model: str) -> bool:
        return bool(model) and Path(model).parent.resolve() == user_models_dir().resolve()

    def rename_model(self, new_name: str | None = None) -> bool:
        """Rename the selected trained model (asks for the name); bundled models keep theirs."""
        model = self.session.model_name
        if new_name is None:
            new_name, ok = QInputDialog.getText(self, "Rename model", "New name:", text=Path(model).name)
            if not ok:
                return False
        try:
            path = rename_model(model, new_name)
        except (ValueError, OSError, ModelNotFoundError) as exc:
            self.show_status(f"Could not rename the model: {exc}")
            return False
        self.session.model_name = str(path)
        if self.session.generator is not None:
            self.session.generator.path = path
        self.files.refresh_models(select=str(path))
        self.show_status(f"The model is now called {path.name}")
        return True

    def _clip_changed(self, pattern: Pattern) -> None:
        """The loop follows the clip: the player gets each new version (also while playing)."""
        pattern = self.pane.audible(pattern)  # mute and solo in the track list
        if pattern.tracks:
            self.output.set_pattern(pattern)
            self.player.load(pattern)
            self.player.set_tempo(self.transport.tempo.value())

    def play(self) -> None:
        """Play the clip; without a working sound output the playhead still runs and the status says why."""
        if not self.session.doc.pattern.note_count:
            self.show_status("Nothing to play: the clip is empty")
            return
        if isinstance(self.output.output, NullOutput):
            reason = self.sound_problem or "the sound output is set to No sound"
            self.show_status(f"Playing without sound: {reason}. Pick an output under Sound: or in Settings…")
        self.player.play()

    def toggle_play(self) -> None:
        if self.player.playing:
            self.player.stop()
        else:
            self.play()

    def _candidate_menu(self, pos: QPoint) -> None:
        """Right-click on a candidate: use it as morph A/B or as a blend corner."""
        item = self.generate.candidates.itemAt(pos)
        if item is None:
            return
        menu = QMenu(self)
        for target, text in CANDIDATE_TARGETS.items():
            menu.addAction(text, self._use_candidate_later(item, target))
        menu.exec(self.generate.candidates.viewport().mapToGlobal(pos))

    def _use_candidate_later(self, item: QListWidgetItem, target: str) -> Callable[[], None]:
        return lambda: self.use_candidate(self.generate.candidates.row(item), target)

    def use_candidate(self, row: int, target: str) -> None:
        """Send candidate `row` to "A"/"B" (morph) or a corner "0".."3" (blend)."""
        self.use_clip(self.generate.candidates.clip(row), self.generate.candidates.item(row).text(), target)

    def use_clip(self, clip: Pattern, name: str, target: str) -> None:
        """Send a clip to "A"/"B" (morph) or a corner "0".."3" (blend)."""
        if target in ("A", "B"):
            self.morph.set_clip("AB".index(target), clip, name)
        else:
            self.blender.set_corner(int(target), clip, name)

    def _corners_from_candidates(self) -> None:
        c = self.generate.candidates
        if c.count() < 4:
            self.show_status("Generate at least 4 candidates first (Generate tab)")
            return
        self.blender.set_corners([(c.clip(i), c.item(i).text()) for i in range(4)])

    def _play_along(self, delay_ms: int) -> None:
        """While recording, the clip starts from its top on the first recorded bar (after the count-in)."""
        self.player.stop()
        if self.session.doc.pattern.note_count:
            QTimer.singleShot(delay_ms, self.play)

    def _play_arrangement(self, joined: Pattern) -> None:
        self.arrangement_from = self.arrangement.start_bar()  # the lanes' playhead counts from here
        self.session.show_clip(joined, ARRANGEMENT_CLIP)
        self.player.stop()
        view = self.arrangement.view
        where = (
            f"bars {view.range[0] + 1}-{view.range[1]} in a loop"
            if view.range is not None
            else f"from bar {self.arrangement_from + 1}"
        )
        self.show_status(f"Playing the arrangement {where}")
        self.play()

    def _arrangement_playing(self) -> bool:
        return self.player.playing and self.session.doc.name == ARRANGEMENT_CLIP

    def _arrangement_edited(self) -> None:
        """While the arrangement plays, an edit (mute, solo, trim, move) is heard at once: the player gets
        the new mix and carries on from where it is."""
        if not self._arrangement_playing():
            return
        from engine.music.arrangement import ArrangementError

        try:
            mix = self.arrangement.rendered(from_cursor=True)
        except ArrangementError:
            self.player.stop()
            return
        self.session.show_clip(mix, ARRANGEMENT_CLIP, undoable=False)  # the edit itself is the undo step

    def _playhead(self, step: float) -> None:
        self.roll.set_playhead(step if self.player.playing else None)
        self.transport.set_position(step)
        lanes = self.arrangement.view
        lanes.set_playhead(
            self.arrangement_from + step / STEPS_PER_BAR if self._arrangement_playing() else None
        )

    def _loop_changed(self, loop: bool) -> None:
        self.player.set_loop(loop)
        self._remember(loop=loop)

    def _tempo_changed(self, bpm: float) -> None:
        self.player.set_tempo(bpm)
        self._remember(tempo=bpm)

    def _remember(self, **changes: object) -> None:
        self.session.settings = self.session.settings.replace(**changes)
        save_settings(self.store, self.session.settings)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        if midi_paths(event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        """A .mid file dropped anywhere on the window (but the blend pad) opens as the clip."""
        paths = midi_paths(event.mimeData().urls())
        if paths:
            self.files.load_clip(paths[0])
            event.acceptProposedAction()

    def _title(self, path: str) -> None:
        self.setWindowTitle(f"{path.rsplit('/', 1)[-1]}[*] - Bandmate" if path else "Bandmate[*]")

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        """Quitting with unsaved work asks Save / Discard / Cancel first (Cancel keeps the window open)."""
        if not self.sessions.confirm_discard():
            event.ignore()
            return
        self.sessions.closed_cleanly()
        self.pane.record.close_input()
        self.train.stop()
        self.jam.stop()
        self.player.close()
        self.output.close()  # a virtual port must not outlive the window
        save_settings(self.store, self.session.settings)
        super().closeEvent(event)
