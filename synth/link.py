# SPDX-License-Identifier: MIT
"""Ableton Link through LinkPython-extern (an optional extra: `pip install bandmate[link]`; Link is
GPLv2+, so the core stays MIT without it). Implements `engine.live.link_clock.LinkSession`.

Joining never hijacks the session: a Link peer enabled right after it is created can reset the tempo of
every peer already playing (Ableton/link#146, artfwo/aalink#7: 500 ms between creating and enabling
fixed it there; measured here, 5 of 8 joins reset the session without a pause, 0 of 8 with 1 s). So the
peer is enabled `JOIN_DELAY` after creation and proposes nothing by itself; a tempo asked for before the
first session state arrives (leading: `--lead`) is proposed once joined and settled, never before.
Link's clock is CLOCK_MONOTONIC_RAW; snapshots are moved onto time.monotonic, the players' axis.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from engine.live.link_clock import LinkSnapshot

JOIN_DELAY = 1.0  # seconds between creating the Link peer and enabling it (see above)
SETTLE = 0.5  # seconds after enabling in which the peers of a running session answer
INSTALL_HINT = "Ableton Link needs the optional extra: pip install 'bandmate[link]' (LinkPython-extern)"


class LinkUnavailable(Exception):
    """The Link binding is not installed; str(e) says how to install it."""


def _module():  # noqa: ANN202 - the binding's module
    try:
        import link  # noqa: PLC0415 - optional, GPL: loaded only when Link is asked for
    except ImportError as e:
        raise LinkUnavailable(INSTALL_HINT) from e
    return link


def _raw_to_monotonic() -> float:
    """Seconds to add to a CLOCK_MONOTONIC_RAW reading to get time.monotonic's."""
    a = time.monotonic()
    raw = time.clock_gettime(time.CLOCK_MONOTONIC_RAW)
    b = time.monotonic()
    return (a + b) / 2 - raw


class LinkPeer:
    """Bandmate as one peer of a Link session (start/stop sync on).

    Attributes:
        on_change: called from Link's thread when the tempo, start/stop state or peer count changes.
        joined: set once enabled and settled: snapshots then show the session, not our own start-up tempo.
    """

    def __init__(self, tempo: float = 120.0, quantum: float = 4.0, join_delay: float = JOIN_DELAY) -> None:
        link = _module()
        self.quantum = float(quantum)
        self.on_change: Callable[[], None] | None = None
        self.joined = threading.Event()
        self._link = link.Link(float(tempo))
        self._link.startStopSyncEnabled = True
        self._pending_tempo: float | None = None
        self._lock = threading.Lock()
        self._closed = False
        self._link.setTempoCallback(lambda _bpm: self._changed())
        self._link.setStartStopCallback(lambda _playing: self._changed())
        self._link.setNumPeersCallback(lambda _n: self._changed())
        self._joiner = threading.Thread(
            target=self._join, args=(join_delay,), name="bandmate-link", daemon=True
        )
        self._joiner.start()

    def _join(self, delay: float) -> None:
        time.sleep(delay)
        with self._lock:
            if self._closed:
                return
            self._link.enabled = True
        time.sleep(SETTLE)
        with self._lock:
            if self._closed:
                return
            pending, self._pending_tempo = self._pending_tempo, None
        if pending is not None:
            self._commit_tempo(pending)  # asked to lead: now a deliberate change, not a join reset
        self.joined.set()
        self._changed()

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    def snapshot(self) -> LinkSnapshot:
        state = self._link.captureAppSessionState()
        now = self._link.clock().micros()
        shift = _raw_to_monotonic()
        return LinkSnapshot(
            tempo=state.tempo(),
            time=now / 1e6 + shift,
            beat=state.beatAtTime(now, self.quantum),
            playing=state.isPlaying(),
            play_time=state.timeForIsPlaying() / 1e6 + shift,
            peers=self._link.numPeers(),
        )

    def request_tempo(self, bpm: float) -> None:
        if not self.joined.is_set():
            with self._lock:
                self._pending_tempo = float(bpm)
            return
        self._commit_tempo(bpm)

    def _commit_tempo(self, bpm: float) -> None:
        state = self._link.captureAppSessionState()
        state.setTempo(float(bpm), self._link.clock().micros())
        self._link.commitAppSessionState(state)

    def request_playing(self, playing: bool) -> None:
        """Start at the next bar of the session's phase (beat 0 there), or stop now."""
        state = self._link.captureAppSessionState()
        now = self._link.clock().micros()
        if playing:
            state.setIsPlayingAndRequestBeatAtTime(True, now, 0.0, self.quantum)
        else:
            state.setIsPlaying(False, now)
        self._link.commitAppSessionState(state)

    @property
    def peers(self) -> int:
        return int(self._link.numPeers())

    def close(self) -> None:
        """Leave the session (other peers play on)."""
        with self._lock:
            self._closed = True
            self._link.enabled = False
        self.on_change = None


def open_link(tempo: float = 120.0, quantum: float = 4.0) -> LinkPeer:
    """Join (or start) the Link session on this network; LinkUnavailable without the extra."""
    return LinkPeer(tempo, quantum)
