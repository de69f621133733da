# SPDX-License-Identifier: MIT
"""Opening the sound output the settings ask for, falling back to silence with a reason.

`open_output` never raises: without FluidSynth, a soundfont or MIDI ports the app still starts on a
`NullOutput` and the reason goes to the status line. `ChannelMap` moves each role to the MIDI channels
chosen in the settings.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import mido

from engine.music.pattern import Pattern, Role
from engine.playback.output import MidiOutput
from engine.playback.timeline import track_channels
from gui.settings import AppSettings
from synth.null_out import NullOutput

VIRTUAL_PORT = "Bandmate"


@dataclass(frozen=True, slots=True)
class OpenedOutput:
    output: MidiOutput
    description: str  # what plays, for the status line
    problem: str = ""  # why the wanted output did not open ("" when it did)


def output_choices() -> list[tuple[str, str]]:
    """(key, label) pairs for the transport's output menu: synth, each MIDI port, the virtual port, none."""
    choices = [("fluidsynth", "FluidSynth (built-in sound)")]
    try:
        from synth.ports import list_ports

        ports = [name for name in list_ports().outputs if not name.startswith(VIRTUAL_PORT)]
        choices += [(f"port:{name}", f"MIDI port: {name}") for name in ports]
    except Exception:  # noqa: BLE001 - no MIDI system: the other choices still work
        pass
    choices += [("virtual", f"Virtual MIDI port “{VIRTUAL_PORT}” (for your DAW)"), ("none", "No sound")]
    return choices


def open_output(settings: AppSettings) -> OpenedOutput:
    """The output for `settings.output` ("fluidsynth", "port", "virtual", "none"), or NullOutput and why."""
    kind = settings.output
    try:
        if kind == "fluidsynth":
            from synth.fluid_out import FluidOutput

            fluid = FluidOutput.open(settings.soundfont or None)
            return OpenedOutput(fluid, f"{fluid.name}, {fluid.soundfont.name}")
        if kind in ("port", "virtual"):
            from synth.rtmidi_out import RtMidiOutput

            virtual = kind == "virtual"
            name = VIRTUAL_PORT if virtual else (settings.midi_port or None)
            out = RtMidiOutput.open(name, virtual=virtual)
            return OpenedOutput(out, f"MIDI port “{out.name}” ({out.api})")
    except Exception as exc:  # noqa: BLE001 - any failure falls back to silence with its reason
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return OpenedOutput(NullOutput(), "no sound", reason)
    return OpenedOutput(NullOutput(), "no sound")


class ChannelMap:
    """Wraps an output and moves each track's channel to the one its role has in the settings.

    `set_pattern` is called with each clip the player loads; the mapping follows engine.playback.timeline's
    channel allocation for that clip.
    """

    def __init__(self, output: MidiOutput, settings: AppSettings) -> None:
        self.output = output
        self.settings = settings
        self._map: dict[int, int] = {}
        self._lock = threading.Lock()

    def set_pattern(self, pattern: Pattern) -> None:
        wanted = {
            Role.LEAD: self.settings.lead_channel - 1,
            Role.BASS: self.settings.bass_channel - 1,
            Role.DRUMS: self.settings.drum_channel - 1,
        }
        mapping: dict[int, int] = {}
        used: set[int] = set()
        for track, channel in zip(pattern.tracks, track_channels(pattern), strict=True):
            role = Role.DRUMS if track.is_drum else track.role
            target = wanted.get(role)
            if target is not None and target not in used:
                mapping[channel] = target
                used.add(target)
        with self._lock:
            self._map = mapping

    def send(self, msg: mido.Message) -> None:
        with self._lock:
            target = self._map.get(getattr(msg, "channel", -1))
        self.output.send(msg.copy(channel=target) if target is not None else msg)

    def panic(self) -> None:
        self.output.panic()

    def close(self) -> None:
        self.output.close()
