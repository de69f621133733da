# SPDX-License-Identifier: MIT
"""Recording a take: a count-in, then N bars of what the musician plays (from "Bandmate In" or any input)
with a metronome click, caught by `PhraseCapture` on Bandmate's own transport and returned as a clip
quantised to the 16th grid with the feel kept (engine.live.phrase)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import mido

from engine.live.phrase import PhraseCapture
from engine.music.pattern import STEPS_PER_BAR, STEPS_PER_QUARTER, Pattern
from engine.playback.output import MidiOutput
from engine.playback.transport import InternalTransport
from models.vocab import DRUM_CHANNEL

CLICK_BAR, CLICK_BEAT = 76, 77  # GM hi and low wood block: the downbeat and the other beats
CLICK_SECONDS = 0.03  # how long a click sounds


class Take:
    """One recording of `bars` 4/4 bars after `count_in` bars of clicks.

    Feed it MIDI from any thread (`feed`, the MidiInput callback); `start` runs the count-in and the
    metronome (clicks on the GM drum channel of `click`, None for silence) on their own thread until
    the last bar ends; `clip` is the take. Song step 0 is the first recorded bar; the count-in is
    steps -count_in*16..0, so a note played a little early for bar 1 still lands on it.
    """

    def __init__(
        self,
        bars: int,
        tempo: float = 120.0,
        count_in: int = 1,
        click: MidiOutput | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 1 <= bars <= 64:
            raise ValueError(f"record {bars} bars: use 1 to 64")
        if not 0 <= count_in <= 4:
            raise ValueError(f"count-in of {count_in} bars: use 0 to 4")
        self.bars, self.count_in, self.click = bars, count_in, click
        self.transport = InternalTransport(tempo, clock)
        self.capture = PhraseCapture(self.transport, rest=STEPS_PER_BAR, max_bars=bars)
        self._clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.notes_in = 0  # note-ons fed so far (a meter for the GUI)

    @property
    def tempo(self) -> float:
        return self.transport.tempo

    def feed(self, msg: mido.Message, t: float) -> None:
        """A message arriving at `t` (seconds, time.monotonic's axis); ignored before start."""
        if msg.type == "note_on" and msg.velocity > 0:
            self.notes_in += 1
        self.capture.feed(msg, t)

    def start(self, at: float | None = None) -> None:
        """Start the count-in at time `at` (default now) and the metronome thread."""
        self.transport.start(-self.count_in * STEPS_PER_BAR, at)
        self._thread = threading.Thread(target=self._run, name="bandmate-take", daemon=True)
        self._thread.start()

    def position(self) -> float | None:
        """Steps since the first recorded bar (negative in the count-in), None before start."""
        return self.transport.song_position(self._clock())

    @property
    def end_time(self) -> float:
        """When (seconds) the last bar ends."""
        return self.transport.time_of(self.bars * STEPS_PER_BAR, self._clock())

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the take is over (True) or `timeout` seconds passed (False)."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def stop(self) -> None:
        """End early (the clip keeps what was played so far, bars not played stay empty)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)

    @property
    def finished(self) -> bool:
        return self._thread is not None and not self._thread.is_alive()

    def clip(self) -> Pattern | None:
        """The take: `bars` bars from the first recorded bar, None when nothing was played."""
        return self.capture.clip(self.bars, self.tempo, first_bar=0)

    def _run(self) -> None:
        beats = range(-self.count_in * 4, self.bars * 4)
        try:
            for beat in beats:
                if not self._sleep_until(self.transport.time_of(beat * STEPS_PER_QUARTER, self._clock())):
                    return
                self._tick(CLICK_BAR if beat % 4 == 0 else CLICK_BEAT, 110 if beat < 0 else 80)
            self._sleep_until(self.end_time)
        finally:
            if self.click is not None:
                self.click.send(mido.Message("control_change", channel=DRUM_CHANNEL, control=123))

    def _sleep_until(self, when: float) -> bool:
        """False when stopped first."""
        return not self._stop.wait(max(0.0, when - self._clock()))

    def _tick(self, key: int, velocity: int) -> None:
        if self.click is None:
            return
        self.click.send(mido.Message("note_on", channel=DRUM_CHANNEL, note=key, velocity=velocity))
        self._stop.wait(CLICK_SECONDS)
        self.click.send(mido.Message("note_off", channel=DRUM_CHANNEL, note=key))
