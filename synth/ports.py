# SPDX-License-Identifier: MIT
"""MIDI port discovery with python-rtmidi: which back-end (ALSA, JACK) works, what ports it has.

`BANDMATE_MIDI_API` (alsa or jack) picks the back-end; otherwise the first that opens wins. JACK is
never auto-started (JACK_NO_START_SERVER), so listing ports cannot launch a server behind your back.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, overload

API_ENV = "BANDMATE_MIDI_API"
APIS: dict[str, int] = {"alsa": 2, "jack": 3, "coremidi": 1, "winmm": 4}  # rtmidi.API_* values


class RtMidiPort(Protocol):
    """What Bandmate calls on a python-rtmidi MidiOut or MidiIn (rtmidi ships no type information)."""

    def get_ports(self) -> list[str]: ...
    def open_port(self, port: int = 0, name: str | None = None) -> object: ...
    def open_virtual_port(self, name: str | None = None) -> object: ...
    def close_port(self) -> None: ...
    def delete(self) -> None: ...


class RtMidiOut(RtMidiPort, Protocol):
    """An rtmidi.MidiOut."""

    def send_message(self, message: Sequence[int] | bytes) -> None: ...


class RtMidiIn(RtMidiPort, Protocol):
    """An rtmidi.MidiIn; the callback gets ((message bytes, seconds since the previous one), data)."""

    def ignore_types(self, sysex: bool = True, timing: bool = True, active_sense: bool = True) -> None: ...
    def set_callback(
        self, func: Callable[[tuple[list[int], float], object], None], data: object = None
    ) -> None: ...
    def cancel_callback(self) -> None: ...


class PortError(Exception):
    """A MIDI port problem (no back-end, unknown name, port gone); str(e) says what to do."""


@dataclass(frozen=True, slots=True)
class PortList:
    """The ports one back-end offers: `outputs` we can send to, `inputs` we can listen to."""

    api: str
    outputs: tuple[str, ...]
    inputs: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {"api": self.api, "outputs": list(self.outputs), "inputs": list(self.inputs)}


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """Silence native libraries (ALSA, JACK) that print to fd 2 while probing."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def api_candidates(api: str | None = None) -> list[str]:
    """Back-end names to try, in order: the argument, then BANDMATE_MIDI_API, then all compiled ones."""
    import rtmidi  # noqa: PLC0415 - native module, loaded on first use

    chosen = api or os.environ.get(API_ENV)
    if chosen:
        if chosen not in APIS:
            raise PortError(f"unknown MIDI back-end {chosen!r}; use one of: {', '.join(APIS)}")
        return [chosen]
    compiled = set(rtmidi.get_compiled_api())
    return [name for name, value in APIS.items() if value in compiled]


@overload
def new_rtmidi(
    kind: Literal["out"], api: str | None = None, client: str = "Bandmate"
) -> tuple[RtMidiOut, str]: ...
@overload
def new_rtmidi(
    kind: Literal["in"], api: str | None = None, client: str = "Bandmate"
) -> tuple[RtMidiIn, str]: ...
def new_rtmidi(kind: str, api: str | None = None, client: str = "Bandmate") -> tuple[RtMidiPort, str]:
    """An rtmidi.MidiOut or MidiIn (`kind` "out"/"in") on the first back-end that opens."""
    import rtmidi  # noqa: PLC0415

    os.environ.setdefault("JACK_NO_START_SERVER", "1")
    cls = rtmidi.MidiOut if kind == "out" else rtmidi.MidiIn
    errors = []
    for name in api_candidates(api):
        try:
            with quiet_stderr():
                return cls(APIS[name], client), name
        except (rtmidi.SystemError, RuntimeError) as e:
            errors.append(f"{name}: {e}")
    raise PortError(
        "no MIDI system is available (" + "; ".join(errors) + "); MIDI ports need ALSA's sequencer "
        "(/dev/snd/seq) or a running JACK server"
    )


def list_ports(api: str | None = None) -> PortList:
    """The output and input ports of the first working back-end; PortError if none works."""
    out, name = new_rtmidi("out", api, "Bandmate-list")
    inp, _ = new_rtmidi("in", name, "Bandmate-list-in")
    try:
        return PortList(name, tuple(out.get_ports()), tuple(inp.get_ports()))
    finally:
        out.delete()
        inp.delete()


def match_port(wanted: str, ports: list[str] | tuple[str, ...], kind: str = "output") -> int:
    """Index of the port named `wanted`: exact, else the one port containing it (any case)."""
    if wanted in ports:
        return list(ports).index(wanted)
    hits = [i for i, p in enumerate(ports) if wanted.lower() in p.lower()]
    if len(hits) == 1:
        return hits[0]
    listing = ", ".join(repr(p) for p in ports) or "none"
    if hits:
        names = ", ".join(repr(ports[i]) for i in hits)
        raise PortError(f"{kind} port name {wanted!r} is ambiguous: {names}")
    raise PortError(f"no MIDI {kind} port matches {wanted!r}; the {kind} ports are: {listing}")
