# SPDX-License-Identifier: MIT
"""What the sound subcommands (render, ports, play) share: the expected errors and their one line."""

from __future__ import annotations

import sys


def expected_errors() -> tuple[type[BaseException], ...]:
    """Failures a musician can cause (bad MIDI, no soundfont, unknown port): one line, exit 1."""
    from engine.playback.timeline import TimelineError
    from synth.ports import PortError
    from synth.soundfont import SoundError

    return (SoundError, TimelineError, PortError, ValueError, OSError)


def fail(command: str, error: BaseException) -> int:
    print(f"bandmate {command}: {error}", file=sys.stderr)
    return 1
