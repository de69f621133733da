# SPDX-License-Identifier: MIT
"""The main window: model picker and transport on top, the piano roll in the centre, the arrangement strip
below it, tool panels in a dock on the right, and a status line saying what runs."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPoint, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QLabel,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QProgressBar,
    QSplitter,
    QTabWidget,
    QToolBar,
    QWidget,
)

from engine.music.pattern import Pattern
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
from gui.settings import save_settings
from gui.transport import TransportBar
from gui.widgets.xypad import midi_paths

CANDIDATE_TARGETS = {
    "A": "Use as morph A",
    "B": "Use as morph B",
    **{str(i): f"Put in blend corner {c}" for i, c in enumerate("ABCD")},
}


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
    ) -> None:
        super().__init__(parent)
        self.session, self.player, self.output, self.store = session, player, output, store
        self.setWindowTitle("Bandmate")
        self.resize(1360, 860)
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
        self.status_label = QLabel()
        self.busy = QProgressBar()
        self._build()
        self._connect()
        self._actions()
        self.files.refresh_models(select=session.settings.model)
        self.files.refresh_outputs()
        self.transport.set_tempo(session.settings.tempo)
        self.transport.loop_box.setChecked(session.settings.loop)
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
        tabs.addTab(self.generate, "Generate")
        tabs.addTab(self.morph, "Morph")
        tabs.addTab(self.blender, "Blend")
        tabs.addTab(self.tools, "Complete")
        tabs.addTab(self.train, "Train")
        tabs.addTab(self.jam, "Jam")
        self.tabs = tabs
        dock = QDockWidget("Tools")
        dock.setObjectName("tools-dock")
        dock.setWidget(tabs)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        dock.setMinimumWidth(380)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.hide()
        self.statusBar().addWidget(self.status_label, 1)
        self.statusBar().addPermanentWidget(self.busy)

    def _connect(self) -> None:
        s, p = self.session, self.player
        s.status.connect(self.show_status)
        s.busy_changed.connect(self.busy.setVisible)
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
        p.position.connect(self._playhead)
        p.playing_changed.connect(self.transport.set_playing)
        p.error.connect(lambda r: self.show_status(f"Sound stopped: {r}"))
        self.generate.audition.connect(lambda *_: self.play())
        self.generate.keep.connect(self.arrangement.add)
        self.morph.audition.connect(lambda *_: self.play())
        self.morph.keep.connect(self.arrangement.add)
        self.arrangement.play_requested.connect(self._play_arrangement)
        self.arrangement.export_requested.connect(self.files.export)
        self.arrangement.clip_opened.connect(self.session.show_clip)
        self.arrangement.status.connect(self.show_status)
        self.generate.candidates.mime_factory = self.arrangement.mime_factory
        self.morph.steps_list.mime_factory = self.arrangement.mime_factory
        self.blender.fill_button.clicked.connect(self._corners_from_candidates)
        self.generate.candidates.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.generate.candidates.customContextMenuRequested.connect(self._candidate_menu)
        self.train.model_trained.connect(lambda path: self.files.refresh_models(select=path))

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
            ("Fit clip", "Ctrl+0", lambda: self.pane.apply(self.roll.model.fit)),
        ]
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
        self.status_label.setText(text)

    def load_model(self, model: str | None) -> None:
        if model:
            self.player.stop()
            self.session.load_model(model)

    def _model_loaded(self, gen: object) -> None:
        self.session.settings = self.session.settings.replace(model=self.session.model_name)
        save_settings(self.store, self.session.settings)

    def _clip_changed(self, pattern: Pattern) -> None:
        """The loop follows the clip: the player gets each new version (also while playing)."""
        pattern = self.pane.audible(pattern)  # mute and solo in the track list
        if pattern.tracks:
            self.output.set_pattern(pattern)
            self.player.load(pattern)
            self.player.set_tempo(self.transport.tempo.value())

    def play(self) -> None:
        if self.session.doc.pattern.note_count:
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
        self.session.show_clip(joined, "arrangement")
        self.player.stop()
        self.play()

    def _playhead(self, step: float) -> None:
        self.roll.set_playhead(step if self.player.playing else None)
        self.transport.set_position(step)

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

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.pane.record.close_input()
        self.train.stop()
        self.jam.stop()
        self.player.close()
        self.output.close()  # a virtual port must not outlive the window
        save_settings(self.store, self.session.settings)
        super().closeEvent(event)
