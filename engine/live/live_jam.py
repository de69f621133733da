# SPDX-License-Identifier: MIT
"""A jam playing live: the planner's worker, the stream player and the recorder wired together, with
the recording saved as each phrase is planned (so a crash keeps all but the last phrase)."""

from __future__ import annotations

import contextlib
from pathlib import Path

from engine.live.bars import CHANNELS
from engine.live.jam import JamPlanner
from engine.live.mixer import Mix
from engine.live.recorder import Recorder
from engine.live.stream import StreamPlayer
from engine.playback.output import MidiOutput
from engine.playback.timer import Timer
from engine.playback.transport import InternalTransport, Transport


class LiveJam:
    """Start and stop a jam on `output`, following `transport` (an InternalTransport is started and
    stopped with the jam; Link and MIDI clock start and stop by themselves).

    Attributes:
        stream: the StreamPlayer (its on_error reports a vanished port).
        recorder: every note played; written to `record_to` (a .mid path) when given.
    """

    def __init__(
        self,
        planner: JamPlanner,
        output: MidiOutput,
        transport: Transport,
        *,
        timer: Timer | None = None,
        record_to: str | Path | None = None,
        send_clock: bool = False,
    ) -> None:
        self.planner = planner
        self.transport = transport
        self.stream = StreamPlayer(output, transport, planner, timer, send_clock=send_clock)
        self.recorder = Recorder(planner.settings.tempo)
        self.record_to = Path(record_to) if record_to else None
        self.stream.on_note = self.recorder.add
        planner.position = self.stream.position
        planner.on_phrase = self._saved

    def start(self) -> None:
        """Plan the opening bars, start the worker and the stream (and an internal transport)."""
        self.planner.prepare()
        self.planner.start_worker()
        self.stream.play()
        if isinstance(self.transport, InternalTransport) and not self.transport.running:
            self.transport.start()

    def stop(self) -> None:
        """Stop playing (every note released), stop planning, write the recording."""
        if isinstance(self.transport, InternalTransport):
            self.transport.stop()
        self.stream.stop()
        self.planner.stop_worker()
        self.save()

    def set_mix(self, mix: Mix) -> None:
        """New live controls, heard from the next note; a part switched off stops sounding at once."""
        muted = self.planner.mix.parts - mix.parts
        self.planner.mix = mix
        if muted:
            self.stream.release({CHANNELS[p] for p in muted})

    def save(self) -> Path | None:
        """Write the recording so far (nothing before the first note); the path written, or None."""
        if self.record_to is None or not self.recorder.pattern().note_count:
            return None
        self.recorder.tempo = self.transport.tempo or self.recorder.tempo  # Link's or the DAW's tempo
        self.recorder.save(self.record_to)
        return self.record_to

    def _saved(self, _first_bar: int) -> None:
        with contextlib.suppress(OSError):  # a full disk must not stop the music
            self.save()
