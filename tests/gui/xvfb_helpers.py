"""A private Xvfb X server for the xcb smoke test: a display number it picks free, ready before use."""

from __future__ import annotations

import os
import select
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from tests.synth.jack_helpers import _die_with_parent

XVFB_HINT = "Xvfb is missing: install it with `sudo apt-get install xvfb` (the xcb smoke test needs it)"


@contextmanager
def xvfb_display(screen: str = "1280x800x24", limit_s: float = 10.0) -> Iterator[str]:
    """Start Xvfb on a free display, yield its name (":N") once it accepts connections, stop it after.

    `-displayfd` lets Xvfb take the first free display number itself and write it back when it is up,
    so parallel runs never race for a number.

    Raises:
        RuntimeError: Xvfb is not installed, exits at start-up, or is not ready within `limit_s` seconds.
    """
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        raise RuntimeError(XVFB_HINT)
    read_fd, write_fd = os.pipe()
    log = tempfile.TemporaryFile(mode="w+")  # not a pipe: a chatty server must never block on it
    cmd = [xvfb, "-displayfd", str(write_fd), "-screen", "0", screen, "-nolisten", "tcp"]
    proc = subprocess.Popen(cmd, pass_fds=(write_fd,), stdout=log, stderr=log, preexec_fn=_die_with_parent)
    os.close(write_fd)
    try:
        yield _wait_ready(proc, read_fd, log, limit_s)
    finally:
        os.close(read_fd)
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _wait_ready(proc: subprocess.Popen, read_fd: int, log: IO[str], limit_s: float) -> str:
    deadline = time.monotonic() + limit_s
    number = b""
    while not number.endswith(b"\n"):
        ready, _, _ = select.select([read_fd], [], [], max(0.0, deadline - time.monotonic()))
        chunk = os.read(read_fd, 16) if ready else b""
        if not chunk:
            log.seek(0)
            why = "exited" if ready or proc.poll() is not None else f"was not ready within {limit_s:g} s"
            raise RuntimeError(f"Xvfb {why} at start-up: {log.read().strip()}")
        number += chunk
    display = int(number)
    with socket.socket(socket.AF_UNIX) as probe:  # the server said it is up: check that it listens
        probe.connect(f"/tmp/.X11-unix/X{display}")
    return f":{display}"
