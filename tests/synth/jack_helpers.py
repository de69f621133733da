"""A private JACK server (dummy driver) and a recording MIDI input for the live-MIDI tests."""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

import mido
import rtmidi

JACK_HINT = "jackd is missing: install it with `sudo apt-get install jackd2` (the live MIDI tests need it)"


SLOTS = 6  # server names bandmate-test-0..5: parallel runs take different ones


@contextmanager
def jack_server(period: int = 64, rate: int = 48000, realtime: bool = False) -> Iterator[str]:
    """Start `jackd -d dummy` under a free name, point JACK_DEFAULT_SERVER at it, stop it after.

    realtime: jackd's own threads run SCHED_FIFO (needs root or an rtprio limit; the benchmark's case).
    Names come from a small pool rather than being unique: JACK keeps a registry of at most 8 servers
    and reclaims the entry of a dead server only when a new server reuses its name.
    """
    jackd = shutil.which("jackd")
    if jackd is None:
        raise RuntimeError(JACK_HINT)
    old = {k: os.environ.get(k) for k in ("JACK_DEFAULT_SERVER", "JACK_NO_START_SERVER")}
    proc, name = _start_free(jackd, period, rate, realtime)
    os.environ["JACK_DEFAULT_SERVER"] = name
    os.environ["JACK_NO_START_SERVER"] = "1"
    try:
        yield name
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _start_free(jackd: str, period: int, rate: int, realtime: bool) -> tuple[subprocess.Popen[str], str]:
    errors = []
    for slot in range(SLOTS):
        name = f"bandmate-test-{slot}"
        if _taken(name):
            continue  # another test run holds this one
        # --sync: the server waits for late clients (a busy machine) instead of dropping their MIDI
        cmd = [jackd, "--realtime" if realtime else "--no-realtime", "--sync", "-n", name]
        cmd += ["-d", "dummy", "-r", str(rate)]
        cmd += ["-p", str(period)]
        # stderr to a file, never a pipe: on a loaded machine jackd logs every xrun, and once nobody
        # reads a pipe its 64 KiB fill, jackd blocks on the write and every JACK client of the run hangs
        log = tempfile.TemporaryFile("w+")
        proc = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=log, text=True, preexec_fn=_die_with_parent
        )
        try:
            _wait_ready(name, proc, log)
            return proc, name
        except RuntimeError as e:
            errors.append(str(e))
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    raise RuntimeError("could not start jackd: " + " | ".join(errors))


def _taken(name: str) -> bool:
    """Whether a server answers to `name`; a probe that hangs (a busy or dying server of another test
    run keeps jack_lsp waiting) counts as taken, so the next name is tried instead of waiting forever."""
    try:
        probe = subprocess.run(["jack_lsp", "-s", name], capture_output=True, env=_no_start(), timeout=5)
    except subprocess.TimeoutExpired:
        return True
    return probe.returncode == 0


def _no_start() -> dict[str, str]:
    return {**os.environ, "JACK_NO_START_SERVER": "1"}


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the test process dies, so no jackd is ever left behind."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _wait_ready(name: str, proc: subprocess.Popen, log: IO[str]) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"jackd exited at start-up: {' '.join(log.read().split())[-300:]}")
        try:
            probe = subprocess.run(
                ["jack_lsp", "-s", name], capture_output=True, text=True, env=_no_start(), timeout=5
            )
        except subprocess.TimeoutExpired:
            continue
        if "system:playback_1" in probe.stdout:
            return
        time.sleep(0.05)
    raise RuntimeError("jackd did not become ready within 10 s")


class Receiver:
    """A JACK MIDI input that records (arrival time, message); connect() to an output port by name.

    Messages are queued by rtmidi's JACK callback in C++ with JACK timestamps and drained from Python,
    so a busy Python thread can neither delay nor drop them.
    """

    def __init__(self, client: str = "receiver") -> None:
        self._in = rtmidi.MidiIn(rtmidi.API_UNIX_JACK, client, queue_size_limit=65536)
        self._in.ignore_types(sysex=True, timing=False, active_sense=True)
        self._t = 0.0
        self.got: list[tuple[float, mido.Message]] = []

    def drain(self) -> int:
        n = 0
        while (item := self._in.get_message()) is not None:
            data, delta = item
            self._t += delta
            self.got.append((self._t, mido.Message.from_bytes(data)))
            n += 1
        return n

    def connect(self, source: str) -> None:
        ports = self._in.get_ports()
        hits = [i for i, p in enumerate(ports) if source in p]
        assert hits, f"no JACK port {source!r} in {ports}"
        self._in.open_port(hits[0], "in")

    def open_virtual(self, name: str = "in") -> None:
        self._in.open_virtual_port(name)

    def messages(self, types: tuple[str, ...] = ("note_on", "note_off")) -> list[tuple[float, mido.Message]]:
        self.drain()
        return [(t, m) for t, m in self.got if m.type in types]

    def wait_quiet(self, quiet: float = 0.15, limit: float = 5.0) -> None:
        """Wait until nothing has arrived for `quiet` seconds."""
        end = last = time.monotonic()
        end += limit
        while time.monotonic() < end and time.monotonic() - last < quiet:
            if self.drain():
                last = time.monotonic()
            time.sleep(0.01)

    def close(self) -> None:
        self._in.close_port()
        self._in.delete()


def note_key(msg: mido.Message) -> tuple[str, int, int]:
    kind = "on" if msg.type == "note_on" and msg.velocity > 0 else "off"
    return (kind, msg.channel, msg.note)


def unmatched(messages: list[mido.Message]) -> dict[tuple[int, int], int]:
    """Notes switched on more often than off (a stuck note has a positive count)."""
    count: dict[tuple[int, int], int] = {}
    for m in messages:
        kind, ch, note = note_key(m)
        count[(ch, note)] = count.get((ch, note), 0) + (1 if kind == "on" else -1)
        assert count[(ch, note)] >= 0, f"note-off before its note-on: {m}"
    return {k: v for k, v in count.items() if v}


def jitter(arrivals: list[float], intended: list[float]) -> list[float]:
    """Arrival minus intended time, minus the median of that (seconds)."""
    lag = [a - i for a, i in zip(arrivals, intended, strict=True)]
    med = statistics.median(lag)
    return [x - med for x in lag]


def clock_rate(arrivals: list[float], intended: list[float]) -> float:
    """Least-squares slope of arrival against intended time: 1.0 when time runs at the right speed.

    JACK's dummy driver lags the wall clock when the machine is overloaded, which stretches the
    timestamps; the timing checks take the residuals of this line, after checking the slope is near 1.
    """
    return statistics.linear_regression(intended, arrivals).slope


def residuals(arrivals: list[float], intended: list[float]) -> list[float]:
    """Arrival minus the best line through (intended, arrival), in seconds."""
    fit = statistics.linear_regression(intended, arrivals)
    return [a - (fit.intercept + fit.slope * i) for a, i in zip(arrivals, intended, strict=True)]
