"""Fixtures for the sound tests: a private JACK server (session), a soundfont."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.synth.jack_helpers import jack_server


@pytest.fixture(scope="session")
def jack() -> Iterator[str]:
    """The name of a running `jackd -d dummy -r 48000 -p 64` (fails, never skips, without jackd)."""
    try:
        with jack_server() as name:
            yield name
    except RuntimeError as e:
        pytest.fail(str(e))


@pytest.fixture(scope="session")
def soundfont() -> Path:
    from synth.soundfont import SoundError, find_soundfont

    try:
        return find_soundfont()
    except SoundError as e:
        pytest.fail(str(e))
