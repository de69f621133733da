# SPDX-License-Identifier: MIT
"""Live MIDI out with python-rtmidi: a virtual "Bandmate" port a DAW sees as an input, or an
existing port by name. Implements `engine.playback.output.MidiOutput`; every call into the port takes
a lock."""

from __future__ import annotations

import threading
import time

import mido

from synth.null_out import panic_messages
from synth.ports import PortError, RtMidiOut, match_port, new_rtmidi

VIRTUAL_NAME = "Bandmate"
_CONNECT_SETTLE = 0.05  # seconds
_CHECK_EVERY = 1.0  # seconds between checks that an opened (non-virtual) port still exists


class RtMidiOutput:
    """One rtmidi output port.

    Attributes:
        name: the port's name as the MIDI system shows it.
        api: "alsa" or "jack".
        virtual: True for our own "Bandmate" port.
    """

    def __init__(self, midiout: RtMidiOut, name: str, api: str, virtual: bool) -> None:
        self._out: RtMidiOut | None = midiout
        self._lock = threading.Lock()
        self._checked = time.monotonic()
        self.name, self.api, self.virtual = name, api, virtual

    @classmethod
    def open(cls, name: str | None = None, virtual: bool = False, api: str | None = None) -> RtMidiOutput:
        """Open the port whose name contains `name`, or (virtual or no name) a virtual "Bandmate" port.

        Raises PortError with the list of ports when `name` matches none.
        """
        midiout, api_name = new_rtmidi("out", api, VIRTUAL_NAME)
        try:
            if virtual or name is None:
                midiout.open_virtual_port(VIRTUAL_NAME)
                return cls(midiout, VIRTUAL_NAME, api_name, True)
            ports = midiout.get_ports()
            index = match_port(name, ports)
            midiout.open_port(index, VIRTUAL_NAME)
            # JACK and ALSA make the connection on their next cycle: wait, or the first notes are lost
            time.sleep(_CONNECT_SETTLE)
            return cls(midiout, ports[index], api_name, False)
        except Exception:
            midiout.delete()
            raise

    def send(self, msg: mido.Message) -> None:
        data = msg.bytes()
        with self._lock:
            if self._out is None:
                raise PortError(f"the MIDI port {self.name!r} is closed")
            if not self.virtual and time.monotonic() - self._checked > _CHECK_EVERY:
                self._check_alive(self._out)
            self._out.send_message(data)

    def _check_alive(self, out: RtMidiOut) -> None:
        self._checked = time.monotonic()
        if self.name not in out.get_ports():
            raise PortError(f"the MIDI port {self.name!r} has gone away")

    def panic(self) -> None:
        """CC120 and CC123 on all 16 channels (best effort: a vanished port is ignored)."""
        with self._lock:
            if self._out is None:
                return
            for msg in panic_messages():
                self._out.send_message(msg.bytes())

    def close(self) -> None:
        with self._lock:
            out, self._out = self._out, None
        if out is not None:
            out.close_port()
            out.delete()
