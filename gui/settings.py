# SPDX-License-Identifier: MIT
"""User settings: the one place that maps QSettings keys ⇄ the `AppSettings` dataclass."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, fields
from pathlib import Path

from PySide6.QtCore import QSettings

from engine.music.pattern import PLAY_MAX_BPM, PLAY_MIN_BPM
from models.vocab import DRUM_CHANNEL

OUTPUTS = ("fluidsynth", "port", "virtual", "none")
DEVICES = ("auto", "cpu", "cuda", "mps")


@dataclass(frozen=True, slots=True)
class AppSettings:
    """Everything the app remembers between runs.

    Attributes:
        output: "fluidsynth" (built-in synth), "port" (an existing MIDI port), "virtual" (open a
            "Bandmate" port for the DAW) or "none".
        midi_port: name (or part of it) of the MIDI output port for output "port".
        lead_channel, bass_channel, drum_channel: 1-based MIDI channels per role.
        soundfont: .sf2 path; empty means "find one".
        device: compute device for models.
        output_folder: where exports and dragged clips are written.
        model: the last model picked (bundled name or folder).
        tempo: transport tempo in BPM.
        loop: whether playback loops.
        ring_out: seconds of ring-out added after the last bar of exported WAVs (0..10).
        train_folder: the last folder of MIDI files trained on; train_minutes: its time limit.
    """

    output: str = "fluidsynth"
    midi_port: str = ""
    lead_channel: int = 1
    bass_channel: int = 2
    drum_channel: int = DRUM_CHANNEL + 1  # settings count channels from 1, as DAWs show them
    soundfont: str = ""
    device: str = "cpu"
    output_folder: str = str(Path.home() / "Music" / "Bandmate")
    model: str = ""
    tempo: float = 120.0
    loop: bool = True
    ring_out: float = 0.0
    train_folder: str = ""
    train_minutes: int = 10

    def __post_init__(self) -> None:
        if self.output not in OUTPUTS:
            raise ValueError(f"output {self.output!r} is not one of {OUTPUTS}")
        if self.device not in DEVICES:
            raise ValueError(f"device {self.device!r} is not one of {DEVICES}")
        for name in ("lead_channel", "bass_channel", "drum_channel"):
            if not 1 <= getattr(self, name) <= 16:
                raise ValueError(f"{name} must be 1..16")
        if not 0.0 <= self.ring_out <= 10.0:
            raise ValueError(f"ring-out {self.ring_out} s outside 0..10 s")
        if not PLAY_MIN_BPM <= self.tempo <= PLAY_MAX_BPM:
            raise ValueError(f"tempo {self.tempo} outside {PLAY_MIN_BPM:g}..{PLAY_MAX_BPM:g} BPM")

    def replace(self, **changes: object) -> AppSettings:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


def load_settings(store: QSettings) -> AppSettings:
    """Read settings; unknown or broken values fall back to the defaults one by one."""
    default = AppSettings()
    values: dict[str, object] = {}
    for f in fields(AppSettings):
        base = getattr(default, f.name)
        raw = store.value(f.name, base)
        try:
            values[f.name] = _coerce(raw, base)
            AppSettings(**{f.name: values[f.name]})  # type: ignore[arg-type]
        except (TypeError, ValueError):
            values[f.name] = base
    return AppSettings(**values)  # type: ignore[arg-type]


def save_settings(store: QSettings, settings: AppSettings) -> None:
    for f in fields(AppSettings):
        store.setValue(f.name, getattr(settings, f.name))
    store.sync()


def _coerce(raw: object, base: object) -> object:
    if isinstance(base, bool):
        return raw if isinstance(raw, bool) else str(raw).lower() in ("1", "true", "yes")
    if isinstance(base, int):
        return int(raw)  # type: ignore[call-overload]
    if isinstance(base, float):
        return float(raw)  # type: ignore[arg-type]
    return str(raw)


def open_store(path: str | Path | None = None) -> QSettings:
    """The app's QSettings; `path` (an .ini file) is for tests and portable installs."""
    if path is not None:
        return QSettings(str(path), QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "Bandmate", "Bandmate")
