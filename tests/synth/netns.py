"""Running a Link test in a private network namespace: loopback only, so Link's multicast discovery
never leaves this machine nor touches the host's interfaces."""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import struct
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
_SIOCGIFFLAGS, _SIOCSIFFLAGS, _IFF_UP = 0x8913, 0x8914, 0x1


def run_isolated(module: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`python -m module args` in a new network namespace (`unshare`, util-linux): as root a plain one,
    so the players may still ask for real-time scheduling as on a studio machine; otherwise inside a new
    user namespace too (`unshare -rn`), which needs no privileges."""
    unshare = shutil.which("unshare")
    if unshare is None:
        raise RuntimeError("`unshare` (util-linux) is missing: the Link tests need a network namespace")
    user = [] if os.geteuid() == 0 else ["--user", "--map-root-user"]
    cmd = [unshare, *user, "--net", sys.executable, "-m", module, *args]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def enter_loopback_only() -> None:
    """In the namespace: refuse to go on unless loopback is the only interface, then bring it up."""
    interfaces = sorted(
        name for _, name in socket.if_nameindex()
    )  # this namespace's (sysfs shows the host's)
    if interfaces != ["lo"]:
        raise SystemExit(f"not in a private network namespace (interfaces: {interfaces}); refusing to run")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        request = struct.pack("16sH14s", b"lo", 0, b"")
        flags = struct.unpack("16sH14s", fcntl.ioctl(s, _SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(s, _SIOCSIFFLAGS, struct.pack("16sH14s", b"lo", flags | _IFF_UP, b""))
