# SPDX-License-Identifier: MIT
"""A `Pattern` as plain JSON-ready data (dicts, lists, numbers, strings) and back, for session files and
the arrangement's `to_dict`. The lossless file original (`Pattern.source`) is not kept: a clip read back
is written out from its notes."""

from __future__ import annotations

from typing import Any

from engine.music.pattern import Meter, Note, Pattern, Role, Track

CLIP_FORMAT = 1


def pattern_to_dict(pattern: Pattern) -> dict[str, Any]:
    """The clip as plain data: `{"format", "steps", "tempo", "meter", "tempo_map", "meter_map", "tracks"}`.

    Each track is `{"name", "program", "is_drum", "role", "channel", "notes"}`; each note is the list
    `[pitch, start, end, velocity, offset]` (steps of a 16th, MIDI 0-127, offset in steps).
    """
    return {
        "format": CLIP_FORMAT,
        "steps": pattern.steps,
        "tempo": pattern.tempo,
        "meter": [pattern.meter.numerator, pattern.meter.denominator],
        "tempo_map": [[s, b] for s, b in pattern.tempo_map],
        "meter_map": [[s, m.numerator, m.denominator] for s, m in pattern.meter_map],
        "tracks": [
            {
                "name": t.name,
                "program": t.program,
                "is_drum": t.is_drum,
                "role": t.role.value,
                "channel": t.channel,
                "notes": [[n.pitch, n.start, n.end, n.velocity, n.offset] for n in t.notes],
            }
            for t in pattern.tracks
        ],
    }


def pattern_from_dict(data: dict[str, Any]) -> Pattern:
    """The clip written by `pattern_to_dict`.

    Raises ValueError (one line) for a newer format, a missing key or a value out of range.
    """
    try:
        if data.get("format", CLIP_FORMAT) > CLIP_FORMAT:
            raise ValueError(f"clip format {data['format']} is newer than this Bandmate reads")
        tracks = tuple(
            Track(
                tuple(Note(int(p), int(s), int(e), int(v), float(o)) for p, s, e, v, o in t["notes"]),
                int(t["program"]),
                bool(t["is_drum"]),
                Role(t["role"]),
                str(t["name"]),
                None if t.get("channel") is None else int(t["channel"]),
            )
            for t in data["tracks"]
        )
        return Pattern(
            tracks,
            int(data["steps"]),
            float(data["tempo"]),
            Meter(*data["meter"]),
            tuple((float(s), float(b)) for s, b in data.get("tempo_map", ())),
            tuple((float(s), Meter(int(n), int(d))) for s, n, d in data.get("meter_map", ())),
        )
    except (KeyError, TypeError) as e:
        raise ValueError(f"clip data is damaged ({type(e).__name__}: {e})") from None
