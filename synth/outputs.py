# SPDX-License-Identifier: MIT
"""Choosing an output for the app: a MIDI port, FluidSynth's audio, or (when neither opens) silence,
with the reason, so the app always starts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.playback.output import MidiOutput
from synth.null_out import NullOutput
from synth.ports import PortError
from synth.soundfont import SoundError


@dataclass(frozen=True, slots=True)
class OpenedOutput:
    """An opened output, a name to show, and why it is not what was asked for (None if it is)."""

    output: MidiOutput
    name: str
    warning: str | None = None


def open_output(
    port: str | None = None,
    virtual: bool = False,
    soundfont: str | Path | None = None,
    driver: str | None = None,
) -> OpenedOutput:
    """A port by name (or the virtual "Bandmate" port), else FluidSynth; NullOutput with a warning if
    that fails. Never raises for a missing port, soundfont or sound card."""
    if port or virtual:
        from synth.rtmidi_out import RtMidiOutput  # noqa: PLC0415 - native module, loaded on use

        try:
            out = RtMidiOutput.open(port, virtual=virtual and not port)
            return OpenedOutput(out, out.name)
        except PortError as e:
            return OpenedOutput(NullOutput(), "no output", str(e))
    from synth.fluid_out import FluidOutput  # noqa: PLC0415

    try:
        fluid = FluidOutput.open(soundfont, driver=driver)
        return OpenedOutput(fluid, fluid.name)
    except SoundError as e:
        return OpenedOutput(NullOutput(), "no output", str(e))
