"""Fixtures for the sound tests: a soundfont (the private JACK server is in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def soundfont() -> Path:
    from synth.soundfont import SoundError, find_soundfont

    try:
        return find_soundfont()
    except SoundError as e:
        pytest.fail(str(e))
