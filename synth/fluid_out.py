# SPDX-License-Identifier: MIT
"""Live FluidSynth through an audio driver, as a `MidiOutput` (the app's built-in sound).

Drivers are tried in order (PipeWire, PulseAudio, JACK, ALSA, SDL2) unless one is named; with none
working, `FluidOutput.open` raises SoundError and the caller falls back to `NullOutput`.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import mido

from synth.fluid_render import apply_message
from synth.ports import quiet_stderr
from synth.soundfont import (
    DEFAULT_GAIN,
    FluidSynth,
    SoundError,
    find_soundfont,
    load_fluidsynth,
    new_synth,
)

DRIVERS: tuple[str, ...] = ("pipewire", "pulseaudio", "jack", "alsa", "sdl2")


class FluidOutput:
    """FluidSynth playing to the sound card (or JACK); every call into the synth takes a lock."""

    def __init__(self, synth: FluidSynth, driver: str, soundfont: Path) -> None:
        self._synth: FluidSynth | None = synth
        self._lock = threading.Lock()
        self.driver = driver
        self.soundfont = soundfont
        self.name = f"FluidSynth ({driver})"

    @classmethod
    def open(
        cls,
        soundfont: str | Path | None = None,
        driver: str | None = None,
        rate: int = 48000,
        **settings: str | int | float,
    ) -> FluidOutput:
        """Start FluidSynth on `driver` (or the first that works); SoundError if none does.

        `settings` are FluidSynth settings, e.g. {"audio.file.name": "out.wav"} for driver "file".
        """
        path = find_soundfont(soundfont)
        fluidsynth = load_fluidsynth()
        os.environ.setdefault("JACK_NO_START_SERVER", "1")
        synth, _ = new_synth(path, rate, gain=DEFAULT_GAIN, **settings)
        for name in (driver,) if driver else DRIVERS:
            synth.setting("audio.driver", name)
            with quiet_stderr():
                handle = fluidsynth.new_fluid_audio_driver(synth.settings, synth.synth)
            if handle:
                synth.audio_driver = handle
                return cls(synth, name, path)
        synth.delete()
        tried = driver or ", ".join(DRIVERS)
        raise SoundError(f"no audio output works (tried {tried}); use a MIDI port instead")

    def send(self, msg: mido.Message) -> None:
        with self._lock:
            if self._synth is None:
                raise SoundError("the FluidSynth output is closed")
            apply_message(self._synth, msg)

    def panic(self) -> None:
        with self._lock:
            if self._synth is not None:
                for channel in range(16):
                    self._synth.all_notes_off(channel)
                    self._synth.all_sounds_off(channel)

    def active_voices(self) -> int:
        """Voices sounding now (0 means silence)."""
        with self._lock:
            return 0 if self._synth is None else int(self._synth.get_active_voice_count())

    def close(self) -> None:
        with self._lock:
            synth, self._synth = self._synth, None
        if synth is not None:
            synth.delete()
