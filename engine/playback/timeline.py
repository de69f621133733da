# SPDX-License-Identifier: MIT
"""Timelines: a clip or a MIDI file as time-ordered MIDI messages on the 16th-step axis.

Both come from the one writer (engine.midi.writer.events_of), so live playback, a WAV render and a MIDI
export of one clip are the same events: `timeline_from_pattern` for clips, `timeline_from_midi` = the one
reader (engine.midi.reader) + the writer. The player walks a `Timeline`; the renderer uses `timed()`.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path

import mido

from engine.midi.reader import read_midi
from engine.midi.smf import MidiError
from engine.midi.writer import events_of, track_channels
from engine.music import timing
from engine.music.pattern import STEPS_PER_QUARTER, Pattern

__all__ = [
    "Timeline",
    "TimelineError",
    "step_seconds",
    "timeline_from_midi",
    "timeline_from_pattern",
    "track_channels",
]
_FIRST = {0xC0}  # program changes (and bank selects) go first at an instant, whichever track holds them


class TimelineError(Exception):
    """A MIDI file that cannot be played; str(e) is a one-line reason."""


@dataclass(frozen=True, slots=True)
class Timeline:
    """Messages at positions in 16th steps (floats), sorted; a tempo map; a length in steps.

    Attributes:
        events: (step, message) pairs, sorted by step; at one step they keep the order given (the
            writer's: a note-off closes only a note that sounded before it). One message object may
            stand at several steps (the same event repeated): copy a message before changing it.
        tempos: (step, bpm) pairs, sorted, the first at step 0.
        steps: the length; playing ends (or loops) there.
    """

    events: tuple[tuple[float, mido.Message], ...]
    tempos: tuple[tuple[float, float], ...] = ((0.0, 120.0),)
    steps: float = 16.0
    _clock: tuple[tuple[float, ...], tuple[float, ...]] = field(
        default=((), ()), init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if not self.tempos or self.tempos[0][0] != 0.0:
            raise ValueError("the tempo map must start at step 0")
        if any(bpm <= 0 for _, bpm in self.tempos):
            raise ValueError("tempos must be positive")
        object.__setattr__(self, "events", tuple(sorted(self.events, key=lambda e: e[0])))
        starts, seconds, total = [], [], 0.0
        for i, (pos, _) in enumerate(self.tempos):
            if i:
                total += (pos - self.tempos[i - 1][0]) * step_seconds(self.tempos[i - 1][1])
            starts.append(pos)
            seconds.append(total)
        object.__setattr__(self, "_clock", (tuple(starts), tuple(seconds)))

    @property
    def channels(self) -> tuple[int, ...]:
        """The MIDI channels (0..15) the timeline uses."""
        return tuple(sorted({m.channel for _, m in self.events if hasattr(m, "channel")}))

    @property
    def positions(self) -> list[float]:
        return [p for p, _ in self.events]

    def tempo_at(self, step: float) -> float:
        i = bisect.bisect_right([p for p, _ in self.tempos], step) - 1
        return self.tempos[max(i, 0)][1]

    def seconds(self, step: float) -> float:
        """Seconds from step 0 to `step` through the tempo map."""
        starts, seconds = self._clock
        i = max(bisect.bisect_left(starts, step) - 1, 0)
        return seconds[i] + (step - starts[i]) * step_seconds(self.tempos[i][1])

    @property
    def last_sound(self) -> float:
        """The step of the last note-off (0 without notes): where the music ends before its ring-out."""
        return max((p for p, m in self.events if m.type in ("note_on", "note_off")), default=0.0)

    @property
    def duration(self) -> float:
        """Seconds from the start to the end (`steps`)."""
        return self.seconds(self.steps)

    def timed(self) -> list[tuple[float, mido.Message]]:
        """(seconds, message) pairs for offline rendering."""
        return [(self.seconds(p), m) for p, m in self.events]

    def head(self, steps: float) -> Timeline:
        """The first `steps` steps (all of it if shorter); notes still sounding there are released."""
        steps = min(float(steps), self.steps)
        kept: list[tuple[float, mido.Message]] = []
        sounding: dict[tuple[int, int], int] = {}  # (channel, key) -> note-ons not yet closed
        for pos, msg in self.events:
            if pos >= steps:
                break
            kept.append((pos, msg))
            if msg.type in ("note_on", "note_off"):
                key = (msg.channel, msg.note)
                delta = 1 if msg.type == "note_on" else -1
                sounding[key] = max(0, sounding.get(key, 0) + delta)
        for (channel, note), count in sounding.items():
            kept += [(steps, mido.Message("note_off", channel=channel, note=note))] * count
        tempos = tuple(t for t in self.tempos if t[0] < steps)
        return Timeline(tuple(kept), tempos, float(steps))

    def with_tempo(self, bpm: float) -> Timeline:
        """The same messages at one constant tempo."""
        return Timeline(self.events, ((0.0, float(bpm)),), self.steps)


def step_seconds(bpm: float) -> float:
    """Seconds per 16th step at `bpm` quarter notes per minute."""
    return 60.0 / (bpm * STEPS_PER_QUARTER)


def timeline_from_pattern(pattern: Pattern) -> Timeline:
    """A pattern as the writer writes it, for a synth: every channel message at its step (sysex and meta
    events stay in files only), the tempo map, the pattern's length."""
    written = events_of(pattern, live=True)
    tps = timing.ticks_per_step(written.tpq)
    events = []
    made: dict[bytes, mido.Message] = {}  # one Message per distinct event: decoding one costs ~10 us
    for tick, _, raw in written.events:
        if raw[0] >= 0xF0:
            continue
        first = raw[0] & 0xF0 in _FIRST or (raw[0] & 0xF0 == 0xB0 and raw[1] in (0, 32))
        msg = made.get(raw)
        if msg is None:
            msg = made[raw] = mido.Message.from_bytes(raw)
        events.append((tick / tps, 0 if first else 1, msg))
    events.sort(key=lambda e: (e[0], e[1]))
    tempos = ((0.0, float(pattern.tempo)), *pattern.tempo_map)
    return Timeline(tuple((p, m) for p, _, m in events), tempos, float(pattern.steps))


def timeline_from_midi(path: str | Path) -> Timeline:
    """Read a MIDI file with the one reader and write it for a synth; TimelineError with a reason."""
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        raise TimelineError(f"{path}: no such file")
    try:
        pattern = read_midi(path).pattern
    except MidiError as e:
        if str(e).startswith("has no notes"):
            raise TimelineError(f"{path.name}: the file has no notes") from None
        raise TimelineError(f"{path.name}: not a readable MIDI file ({e})") from None
    return timeline_from_pattern(pattern)
