"""The PySide6 desktop app; the only package that imports Qt.

PySide6 6.12.0 wheels return `None` from void methods without taking a reference, which is harmless on
Python >= 3.12 (None is immortal, PEP 683) but on 3.11 drops None's count by one per call until CPython
aborts with "deallocating None" (a few thousand paint calls). `_pin_none` gives None a reference count so
large that it can never reach zero, which is what 3.12 does by design.
"""

from __future__ import annotations

import ctypes
import sys


def _pin_none() -> None:
    if sys.implementation.name == "cpython" and sys.version_info < (3, 12):
        ctypes.c_ssize_t.from_address(id(None)).value += 1 << 48


_pin_none()
