# SPDX-License-Identifier: MIT
"""The Jam tab: the endless jam (four beats on a pad the drums wander round, bass and lead round a latent
loop) or answers to what you play into "Bandmate In", under Bandmate's tempo, a DAW's clock or Link,
recorded as it plays. Models load and the opening bars are planned in a worker; the GUI thread only
starts the engine's live objects and swaps their settings."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from engine.live.mixer import Mix
from engine.midi.files import read_clip
from engine.music.keys import key_choices
from engine.music.pattern import PLAY_MAX_BPM, PLAY_MIN_BPM, Pattern
from engine.playback.output import MidiOutput
from gui.dnd import DragOut
from gui.session import Session
from gui.widgets.xypad import XYPad
from gui.workers import run_task
from models.spec import LIVE_BAND

BUNDLED = Path(__file__).resolve().parents[2] / "resources" / "examples" / "groove"
SYNCS = ("Bandmate's tempo", "DAW's MIDI clock ('Bandmate Sync')", "Ableton Link")
MODES = ("Jam", "Answer what I play")
ANSWERS = ("variation", "continuation", "band")


def _slider(value: int) -> QSlider:
    s = QSlider(Qt.Orientation.Horizontal)
    s.setRange(0, 100)
    s.setValue(value)
    return s


class JamPanel(QWidget):
    """Start/stop a jam or live answers on the app's output; steer the jam while it plays.

    Signals:
        running_changed(bool): playing live started or stopped.
    """

    running_changed = Signal(bool)

    def __init__(
        self,
        session: Session,
        output: Callable[[], MidiOutput],
        before_start: Callable[[], None],
        blend_corners: Callable[[], list[Pattern | None]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session, self.output, self.before_start, self.blend_corners = (
            session,
            output,
            before_start,
            blend_corners,
        )
        self.corners: list[Pattern | None] = [None] * 4
        self.live: Any = None  # LiveJam or LiveAnswer while running
        self._release: list[Callable[[], None]] = []
        self._models: Any = None
        self._build()
        self.timer = QTimer(self)
        self.timer.setInterval(100)
        self.timer.timeout.connect(self._tick)

    # ----- layout --------------------------------------------------------------------------------
    def _build(self) -> None:
        self.mode = QComboBox()
        self.mode.addItems(MODES)
        self.answer_mode = QComboBox()
        self.answer_mode.addItems(ANSWERS)
        self.pad = XYPad()
        self.from_blend = QPushButton("Beats from the Blend pad")
        self.bundled = QPushButton("Bundled beats")
        self.speed, self.energy, self.density = _slider(30), _slider(50), _slider(100)
        self.parts = {p: QCheckBox(p.capitalize()) for p in ("drums", "bass", "lead")}
        self.key = QComboBox()
        self.key.addItem("Any key", None)
        for label, value in key_choices(("minor", "major")):
            self.key.addItem(label, value)
        self.phrase = QComboBox()
        self.phrase.addItems(["4 bars", "8 bars"])
        self.tempo = QDoubleSpinBox()
        self.tempo.setRange(PLAY_MIN_BPM, PLAY_MAX_BPM)
        self.tempo.setValue(120.0)
        self.tempo.setSuffix(" BPM")
        self.sync = QComboBox()
        self.sync.addItems(SYNCS)
        self.clock_out = QCheckBox("Send MIDI clock")
        self.start_button = QPushButton("Start")
        self.state = QLabel("Stopped")
        self.state.setWordWrap(True)
        self.drag = DragOut("⇲ drag the recording to DAW", self._recording, self._folder, "bandmate-jam")
        beats = QHBoxLayout()
        beats.addWidget(self.from_blend)
        beats.addWidget(self.bundled)
        parts = QHBoxLayout()
        for box in self.parts.values():
            box.setChecked(True)
            parts.addWidget(box)
        form = QFormLayout()
        form.addRow("Play", self.mode)
        form.addRow("Answer with", self.answer_mode)
        form.addRow("Wander", self.speed)
        form.addRow("Energy", self.energy)
        form.addRow("Density", self.density)
        form.addRow("Parts", parts)
        form.addRow("Key", self.key)
        form.addRow("Changes every", self.phrase)
        form.addRow("Tempo", self.tempo)
        form.addRow("Sync", self.sync)
        form.addRow("", self.clock_out)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pad, 1)
        layout.addLayout(beats)
        layout.addLayout(form)
        layout.addWidget(self.start_button)
        layout.addWidget(self.state)
        layout.addWidget(self.drag)
        self.start_button.clicked.connect(self.toggle)
        self.pad.moved.connect(lambda x, y: self._steer(x=x, y=y))
        self.pad.corner_dropped.connect(self._load_corner)
        self.from_blend.clicked.connect(self._use_blend)
        self.bundled.clicked.connect(self._use_bundled)
        self.speed.valueChanged.connect(lambda v: self._steer(speed=v / 100))
        self.key.currentIndexChanged.connect(lambda _i: self._steer(key=self.key.currentData()))
        self.phrase.currentIndexChanged.connect(lambda i: self._steer(phrase_bars=(4, 8)[i]))
        self.tempo.valueChanged.connect(self._tempo_changed)
        for control in (self.energy, self.density):
            control.valueChanged.connect(self._mix_changed)
        for box in self.parts.values():
            box.toggled.connect(self._mix_changed)
        self._use_bundled()

    # ----- corners -------------------------------------------------------------------------------
    def _set_corner(self, index: int, clip: Pattern, name: str) -> None:
        self.corners[index] = clip
        self.pad.set_label(index, f"{index + 1}: {name[:12]}")  # two labels share an edge of the pad

    def _use_bundled(self) -> None:
        for i, path in enumerate(sorted(BUNDLED.glob("*.mid"))[:4]):
            self._set_corner(i, read_clip(path), path.stem)

    def _use_blend(self) -> None:
        corners = self.blend_corners()
        if any(c is None for c in corners):
            self.session.status.emit("Fill the four corners of the Blend pad first")
            return
        for i, clip in enumerate(c for c in corners if c is not None):  # all four, checked above
            self._set_corner(i, clip, f"blend corner {i + 1}")

    def _load_corner(self, index: int, path: str) -> None:
        try:
            self._set_corner(index, read_clip(path), Path(path).stem)
        except Exception as exc:  # noqa: BLE001 - an unreadable file is reported, not raised
            self.session.status.emit(f"{Path(path).name}: {exc}")

    # ----- settings from the controls ------------------------------------------------------------
    def settings(self) -> Any:
        from engine.live.jam import JamSettings

        return JamSettings(
            self.pad.puck_x, self.pad.puck_y, self.speed.value() / 100, (4, 8)[self.phrase.currentIndex()],
            self.key.currentData(), self.session.generation.temperature, self.tempo.value(),
        )  # fmt: skip

    def mix(self) -> Mix:
        parts = frozenset(p for p, box in self.parts.items() if box.isChecked()) | {"answer"}
        return Mix(self.energy.value() / 100, self.density.value() / 100, parts)

    def _steer(self, **changes: object) -> None:
        planner = getattr(self.live, "planner", None)
        if planner is not None:
            planner.steer(**changes)

    def _mix_changed(self, *_: object) -> None:
        if self.live is None:
            return
        mix = self.mix()
        if hasattr(self.live, "set_mix"):
            self.live.set_mix(mix)  # a part switched off stops sounding at once
        else:
            self.live.answerer.mix = mix

    def _tempo_changed(self, bpm: float) -> None:
        from engine.playback.transport import InternalTransport

        transport = getattr(self.live, "transport", None)
        if isinstance(transport, InternalTransport):
            transport.set_tempo(bpm)
        elif transport is not None and hasattr(transport, "request_tempo"):
            transport.request_tempo(bpm)  # leading the Link session

    # ----- start and stop ------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.live is not None

    def toggle(self) -> None:
        if self.running:
            self.stop()
        else:
            self.start()

    def start(self) -> None:
        """Load the models and plan the opening bars in a worker, then play."""
        if any(c is None for c in self.corners):
            self.session.status.emit("The jam needs four beats: drop .mid files on the pad's corners")
            return
        jam = self.mode.currentIndex() == 0
        corners, settings, mix, seed = (
            [c for c in self.corners if c is not None],  # all four, checked above
            self.settings(),
            self.mix(),
            secrets.randbelow(2**31),
        )
        band = LIVE_BAND if not jam and self.answer_mode.currentText() == "band" else None
        cached = self._models

        def prepare(_ctx: object) -> tuple[Any, Any]:
            from engine.live.jam import JamPlanner
            from engine.live.models import LiveModels

            models = (
                cached if cached is not None and (band is None or cached.band) else LiveModels.load(band=band)
            )
            if not jam:
                return models, None
            planner = JamPlanner(models, corners, settings, mix, seed=seed)
            planner.prepare()
            return models, planner

        self.start_button.setEnabled(False)
        self.state.setText("Loading the models…")
        run_task(
            self.session.executor, prepare, lambda r: self._go(r[0], r[1], seed), self._failed, name="jam"
        )

    def _failed(self, reason: str) -> None:
        self.start_button.setEnabled(True)
        self.state.setText(f"Could not start: {reason}")

    def _go(self, models: Any, planner: Any, seed: int) -> None:
        self._models = models
        self.start_button.setEnabled(True)
        try:
            transport = self._open_transport()
            self.before_start()
            if planner is not None:
                from engine.live.live_jam import LiveJam

                self.live = LiveJam(planner, self.output(), transport, record_to=self._record_path(),
                                    send_clock=self.clock_out.isChecked())  # fmt: skip
            else:
                self._start_answer(models, transport, seed)
            self.live.start()
        except Exception as exc:  # noqa: BLE001 - a port or Link that will not open is reported
            self._close_inputs()
            self.live = None
            self.state.setText(f"Could not start: {exc}")
            return
        self.start_button.setText("Stop")
        self.timer.start()
        self.running_changed.emit(True)

    def _start_answer(self, models: Any, transport: Any, seed: int) -> None:
        from engine.live.answer import LiveAnswer
        from synth.midi_in import MidiInput

        self.live = LiveAnswer(models, self.output(), transport, self.answer_mode.currentText(), seed=seed,
                               key=self.key.currentData(), tempo=self.tempo.value(),
                               send_clock=self.clock_out.isChecked())  # fmt: skip
        self.live.answerer.mix = self.mix()
        port = MidiInput.open(self.live.feed)
        self._release.append(port.close)

    def _open_transport(self) -> Any:
        from engine.playback.transport import InternalTransport

        sync = self.sync.currentIndex()
        if sync == 1:
            from engine.playback.clock_follow import ClockFollower
            from synth.clock import ClockInput

            follower = ClockFollower()
            self._release.append(ClockInput.open(follower).close)
            return follower
        if sync == 2:
            from engine.live.link_clock import LinkFollower
            from synth.link import open_link

            peer = open_link(self.tempo.value())
            self._release.append(peer.close)
            return LinkFollower(peer)
        return InternalTransport(self.tempo.value())

    def stop(self) -> None:
        """Stop playing (every note released) and keep the recording."""
        if self.live is None:
            return
        live, self.live = self.live, None
        live.stop()
        self._close_inputs()
        self.timer.stop()
        self.start_button.setText("Start")
        bars = live.recorder.pattern().bars if live.recorder.pattern().note_count else 0
        where = getattr(live, "record_to", None)
        self._last = live.recorder
        self.state.setText(f"Stopped; recorded {bars} bars" + (f" to {where}" if where else ""))
        self.running_changed.emit(False)

    def _close_inputs(self) -> None:
        for release in self._release:
            release()
        self._release.clear()

    # ----- recording and the status line ---------------------------------------------------------
    _last: Any = None

    def _recording(self) -> list[Pattern]:
        recorder = self.live.recorder if self.live is not None else self._last
        pattern = recorder.pattern() if recorder is not None else None
        return [pattern] if pattern is not None and pattern.note_count else []

    def _folder(self) -> str:
        return self.session.settings.output_folder

    def _record_path(self) -> Path:
        return Path(self._folder()).expanduser() / f"jam-{time.strftime('%Y%m%d-%H%M%S')}.mid"

    def _tick(self) -> None:
        """10 Hz: where the song is, read from the engine's snapshots (no signal per note)."""
        live = self.live
        if live is None:
            return
        song = live.stream.position()
        tempo = live.transport.tempo
        if song is None:
            self.state.setText("Waiting for the start (press play in your DAW or Link app)")
            return
        bar = int(song // 16) + 1
        planner = getattr(live, "planner", None)
        if planner is not None and planner.phrases:
            first, bars, x, y, _ = planner.phrases[-1]
            text = (
                f"Bar {bar} · {tempo or 0:.0f} BPM · next phrase from bar {first + 1} at ({x:.2f}, {y:.2f})"
            )
        else:
            answers = len(live.answerer.answers)
            text = f"Bar {bar} · {tempo or 0:.0f} BPM · listening on 'Bandmate In' · {answers} answers"
        self.state.setText(text)
