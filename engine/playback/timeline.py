# SPDX-License-Identifier: MIT
"""Timelines: a clip or a MIDI file as time-ordered MIDI messages on the 16th-step axis.

`timeline_from_pattern` turns a `Pattern` into messages (a channel per track, drums on channel index 9,
program changes, velocities, micro-timing); `timeline_from_midi` reads any MIDI file with mido, keeping
its tempo changes. The player walks a `Timeline`; the offline renderer uses `Timeline.timed()`.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from pathlib import Path

import mido

from engine.music.pattern import STEPS_PER_QUARTER, Pattern
from models.vocab import DRUM_CHANNEL

_PITCHED_CHANNELS = tuple(c for c in range(16) if c != DRUM_CHANNEL)
MAX_MIDI_BYTES = 8 * 2**20


class TimelineError(Exception):
    """A MIDI file that cannot be played; str(e) is a one-line reason."""


@dataclass(frozen=True, slots=True)
class Timeline:
    """Messages at positions in 16th steps (floats), sorted; a tempo map; a length in steps.

    Attributes:
        events: (step, message) pairs, sorted so that at one step controls come first, then note-offs,
            then note-ons (a repeated note is released before it sounds again).
        tempos: (step, bpm) pairs, sorted, the first at step 0.
        steps: the length; playing ends (or loops) there.
    """

    events: tuple[tuple[float, mido.Message], ...]
    tempos: tuple[tuple[float, float], ...] = ((0.0, 120.0),)
    steps: float = 16.0

    def __post_init__(self) -> None:
        if not self.tempos or self.tempos[0][0] != 0.0:
            raise ValueError("the tempo map must start at step 0")
        if any(bpm <= 0 for _, bpm in self.tempos):
            raise ValueError("tempos must be positive")
        object.__setattr__(self, "events", tuple(sorted(self.events, key=_order)))

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
        total, prev_pos, prev_bpm = 0.0, 0.0, self.tempos[0][1]
        for pos, bpm in self.tempos[1:]:
            if pos >= step:
                break
            total += (pos - prev_pos) * step_seconds(prev_bpm)
            prev_pos, prev_bpm = pos, bpm
        return total + (step - prev_pos) * step_seconds(prev_bpm)

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
        kept, sounding = [], {}
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


def _order(item: tuple[float, mido.Message]) -> tuple[float, int]:
    pos, msg = item
    if msg.type == "note_on" and msg.velocity > 0:
        return (pos, 2)
    if msg.type in ("note_off", "note_on"):
        return (pos, 1)
    return (pos, 0)


def track_channels(pattern: Pattern) -> list[int]:
    """The channel of each track: drums on index 9, pitched tracks on the others in order (wrapping)."""
    out, pitched = [], 0
    for track in pattern.tracks:
        if track.is_drum:
            out.append(DRUM_CHANNEL)
        else:
            out.append(_PITCHED_CHANNELS[pitched % len(_PITCHED_CHANNELS)])
            pitched += 1
    return out


def timeline_from_pattern(pattern: Pattern) -> Timeline:
    """A pattern as messages: program changes at step 0, notes with their micro-timing offsets."""
    events: list[tuple[float, mido.Message]] = []
    for track, channel in zip(pattern.tracks, track_channels(pattern), strict=True):
        if not track.is_drum or track.program:  # on channel 10 a program picks the drum kit
            events.append((0.0, mido.Message("program_change", channel=channel, program=track.program)))
        for n in track.notes:
            on = max(0.0, n.start + n.offset)
            off = max(float(n.end), on + 0.25)
            events.append((on, mido.Message("note_on", channel=channel, note=n.pitch, velocity=n.velocity)))
            events.append((off, mido.Message("note_off", channel=channel, note=n.pitch, velocity=0)))
    return Timeline(tuple(events), ((0.0, float(pattern.tempo)),), float(pattern.steps))


def timeline_from_midi(path: str | Path) -> Timeline:
    """Read any MIDI file (type 0/1) with its tempo changes; TimelineError with a reason if unreadable."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_MIDI_BYTES:
            raise TimelineError(f"{path.name}: file too large for a MIDI clip")
        mid = mido.MidiFile(path, clip=True)
    except TimelineError:
        raise
    except FileNotFoundError:
        raise TimelineError(f"{path}: no such file") from None
    except EOFError:
        raise TimelineError(f"{path.name}: not a readable MIDI file (it ends too early)") from None
    except (OSError, ValueError, KeyError, IndexError) as e:
        raise TimelineError(f"{path.name}: not a readable MIDI file ({e or type(e).__name__})") from None
    if mid.type == 2:
        raise TimelineError(f"{path.name}: type 2 MIDI files (separate songs) are not supported")
    per_step = mid.ticks_per_beat / STEPS_PER_QUARTER
    events: list[tuple[float, mido.Message]] = []
    tempos: dict[float, float] = {}
    end_tick = 0
    for tick, msg in _merged(mid):
        end_tick = max(end_tick, tick)
        pos = tick / per_step
        if msg.type == "set_tempo":
            tempos[pos] = mido.tempo2bpm(msg.tempo)
        elif not msg.is_meta and msg.type not in ("sysex", "clock", "start", "stop", "continue"):
            if msg.type == "note_on" and msg.velocity == 0:
                msg = mido.Message("note_off", channel=msg.channel, note=msg.note, velocity=0)
            events.append((pos, msg))
    if not any(m.type == "note_on" for _, m in events):
        raise TimelineError(f"{path.name}: the file has no notes")
    tempo_map = sorted(tempos.items())
    if not tempo_map or tempo_map[0][0] > 0:
        tempo_map.insert(0, (0.0, tempo_map[0][1] if tempo_map else 120.0))
    return Timeline(tuple(events), tuple(tempo_map), max(end_tick / per_step, 1.0))


def _merged(mid: mido.MidiFile) -> list[tuple[int, mido.Message]]:
    out: list[tuple[int, mido.Message]] = []
    for track in mid.tracks:
        tick = 0
        for msg in track:
            tick += msg.time
            out.append((tick, msg))
    return out
