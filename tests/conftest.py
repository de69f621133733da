"""Shared test set-up: offscreen Qt, paths to the real MIDI sample, a tmp cache dir."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
MIDI_DIR = SHARED / "data" / "midi"


@pytest.fixture(scope="session")
def midi_dir() -> Path:
    assert MIDI_DIR.is_dir(), f"the test MIDI files are missing: {MIDI_DIR}"
    return MIDI_DIR


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test session gets its own cache so tests never read a developer's cache."""
    cache = tmp_path_factory.getbasetemp() / "bandmate-cache"
    monkeypatch.setenv("BANDMATE_CACHE_DIR", str(cache))


@pytest.fixture(scope="session")
def jack() -> Iterator[str]:
    """The name of a running `jackd -d dummy -r 48000 -p 64` (fails, never skips, without jackd)."""
    from tests.synth.jack_helpers import jack_server

    try:
        with jack_server() as name:
            yield name
    except RuntimeError as e:
        pytest.fail(str(e))


@pytest.fixture(scope="module")
def one_torch_thread() -> Iterator[None]:
    """Tiny models and batch-of-one generation: one torch thread is faster, two crawl on a busy 2-core box."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def soundfont() -> Path:
    """A General MIDI soundfont (fails, never skips, without one)."""
    from synth.soundfont import SoundError, find_soundfont

    try:
        return find_soundfont()
    except SoundError as e:
        pytest.fail(str(e))
