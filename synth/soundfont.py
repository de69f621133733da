# SPDX-License-Identifier: MIT
"""Finding a General MIDI soundfont and loading FluidSynth (optional native parts, clear errors).

Search order: the explicit setting (`--soundfont`, the app setting), env BANDMATE_SOUNDFONT, then the
usual system locations (Debian's /usr/share/sounds/sf2/ first).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from models.vocab import DRUM_CHANNEL

PERCUSSION_BANK = 128  # SoundFont 2 keeps General MIDI drum kits in bank 128
DEFAULT_GAIN = 0.5  # FluidSynth's master gain for live playback (its own default is 0.2)
# Offline renders: twice the live gain, since a render's peak is scaled down to -1 dBFS when it would
# pass it (synth/fluid_render.py): drum-only renders are 6 dB louder (measured on the bundled examples:
# 65_funk peak -8.6 -> -2.5 dBFS), while full-band renders, which passed full scale at 0.5 already
# (d_dm14 peaked at 1.33), end at the ceiling either way.
RENDER_GAIN = 1.0
ENV_VAR = "BANDMATE_SOUNDFONT"
INSTALL_HINT = (
    "install one with `sudo apt-get install fluid-soundfont-gm` (or pass --soundfont FILE.sf2, "
    f"or set {ENV_VAR})"
)
SYSTEM_SOUNDFONTS: tuple[str, ...] = (
    "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "/usr/share/sounds/sf2/default-GM.sf2",
    "/usr/share/sounds/sf2/TimGM6mb.sf2",
    "/usr/share/soundfonts/FluidR3_GM.sf2",
    "/usr/share/soundfonts/default.sf2",
    "/usr/local/share/soundfonts/default.sf2",
    "/opt/homebrew/share/soundfonts/default.sf2",
    "~/.local/share/soundfonts/default.sf2",
)


class FluidSynth(Protocol):
    """What Bandmate calls on a pyfluidsynth Synth (pyfluidsynth ships no type information).

    Channels 0-15, keys, velocities, programs and controller values 0-127, pitch bend -8192..8191.
    """

    settings: object  # the C fluid_settings_t handle
    synth: object  # the C fluid_synth_t handle
    audio_driver: object  # the C fluid_audio_driver_t handle, once started

    def sfload(self, filename: str, update_midi_preset: int = 0) -> int: ...
    def program_select(self, chan: int, sfid: int, bank: int, preset: int) -> object: ...
    def noteon(self, chan: int, key: int, vel: int) -> object: ...
    def noteoff(self, chan: int, key: int) -> object: ...
    def program_change(self, chan: int, prg: int) -> object: ...
    def cc(self, chan: int, ctrl: int, val: int) -> object: ...
    def pitch_bend(self, chan: int, val: int) -> object: ...
    def all_notes_off(self, chan: int) -> object: ...
    def all_sounds_off(self, chan: int) -> object: ...
    def get_active_voice_count(self) -> int: ...
    def get_samples(self, len: int = 1024) -> npt.NDArray[np.int16]: ...  # (len * 2,) interleaved stereo
    def setting(self, opt: str, val: str | int | float) -> object: ...
    def system_reset(self) -> object: ...
    def delete(self) -> None: ...


class SoundError(Exception):
    """A sound set-up problem (no soundfont, no FluidSynth, no audio driver); str(e) says what to do."""


def find_soundfont(setting: str | Path | None = None, search: Sequence[str] = SYSTEM_SOUNDFONTS) -> Path:
    """The soundfont to use; SoundError with a how-to when there is none."""
    for origin, value in (("--soundfont", setting), (ENV_VAR, os.environ.get(ENV_VAR))):
        if value:
            path = Path(value).expanduser()
            if not path.is_file():
                raise SoundError(f"soundfont not found: {path} (from {origin})")
            return _checked(path)
    for candidate in search:
        path = Path(candidate).expanduser()
        if path.is_file():
            return _checked(path)
    raise SoundError(f"no General MIDI soundfont found; {INSTALL_HINT}")


def _checked(path: Path) -> Path:
    with path.open("rb") as f:
        head = f.read(12)
    if head[:4] != b"RIFF" or head[8:12] != b"sfbk":
        raise SoundError(f"{path} is not a SoundFont 2 file (.sf2)")
    return path


def load_fluidsynth() -> ModuleType:
    """The pyfluidsynth module, or SoundError saying how to install FluidSynth."""
    try:
        import fluidsynth  # noqa: PLC0415 - optional native library, loaded on first use
    except (ImportError, OSError) as e:
        raise SoundError(
            f"FluidSynth is not available ({e}); install it with `sudo apt-get install libfluidsynth3` "
            "and `pip install pyfluidsynth`"
        ) from None
    return fluidsynth


def new_synth(
    soundfont: Path, rate: int = 44100, gain: float = DEFAULT_GAIN, **settings: str | int | float
) -> tuple[FluidSynth, int]:
    """A fluidsynth.Synth at `rate` with `soundfont` loaded (GM mode: channel 10 is drums)."""
    fluidsynth = load_fluidsynth()
    synth = fluidsynth.Synth(gain=gain, samplerate=float(rate), channels=16, **settings)
    sfid = synth.sfload(str(soundfont))
    if sfid < 0:
        synth.delete()
        raise SoundError(f"FluidSynth could not load the soundfont {soundfont}")
    select_gm_programs(synth, sfid)
    return synth, sfid


def read_float(synth: FluidSynth, frames: int) -> npt.NDArray[np.float32]:
    """The synth's next `frames` frames as float32 stereo, shape (frames, 2), full scale +-1.0, unclipped
    and undithered (FluidSynth's `fluid_synth_write_float`, which pyfluidsynth does not wrap; its
    `get_samples` is the int16 `fluid_synth_write_s16`, which clips at full scale). The synth's C library
    is pyfluidsynth's own, so both read the same synth."""
    out = np.zeros((frames, 2), dtype=np.float32)
    if frames:
        ptr = out.ctypes.data
        if _write_float()(synth.synth, frames, ptr, 0, 2, ptr, 1, 2) != 0:
            raise SoundError("FluidSynth could not render audio (fluid_synth_write_float failed)")
    return out


@functools.cache
def _write_float() -> Any:
    """FluidSynth's `fluid_synth_write_float` from pyfluidsynth's library, its C signature declared once
    (a render reads hundreds of blocks)."""
    import ctypes  # noqa: PLC0415 - only renders need it

    write = load_fluidsynth()._fl.fluid_synth_write_float
    write.restype = ctypes.c_int
    write.argtypes = [ctypes.c_void_p, ctypes.c_int] + [ctypes.c_void_p, ctypes.c_int, ctypes.c_int] * 2
    return write


def select_gm_programs(synth: FluidSynth, sfid: int) -> None:
    """Program 0 of bank 0 on every channel, the drum kit of bank 128 on channel 10 (General MIDI)."""
    for channel in range(16):
        synth.program_select(channel, sfid, PERCUSSION_BANK if channel == DRUM_CHANNEL else 0, 0)
