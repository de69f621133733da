# SPDX-License-Identifier: MIT
"""Copied notes on the system clipboard, so they paste between clips, sessions and Bandmate windows.

The form ("bandmate-notes", version 1) is JSON, offered twice: as MIME type `NOTES_MIME` and as plain
text (so a clipboard manager or a text field keeps it, and a person can read it):

    {"format": "bandmate-notes", "version": 1, "steps_per_quarter": 4, "span": 16,
     "tracks": [{"name": "Bass", "program": 33, "drum": false, "role": "bass"}],
     "notes": [{"track": 0, "pitch": 40, "start": 0, "end": 2, "velocity": 96, "offset": 0.0}]}

Times are 16th-note steps (4 per quarter note) from the first copied onset (rounded down to the grid);
`end` is exclusive; pitches and velocities are MIDI 0-127 (for drums the General MIDI drum key);
`offset` is the onset's micro-timing in steps, [-0.5, 0.5); `span` is where Duplicate would put a copy.
`track` indexes `tracks`, the copied notes' instruments. Anything else on the clipboard is ignored.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QByteArray, QMimeData

from engine.music.pattern import Note, Role, Track
from gui.pianoroll.edits import Clip

NOTES_MIME = "application/x-bandmate-notes+json"
FORMAT, VERSION = "bandmate-notes", 1


def clip_to_json(clip: Clip) -> str:
    """The copied notes in the bandmate-notes form (see the module docstring)."""
    data: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "steps_per_quarter": 4,
        "span": clip.span,
        "tracks": [
            {"name": t.name, "program": t.program, "drum": t.is_drum, "role": t.role.value}
            for t in clip.tracks
        ],
        "notes": [
            {
                "track": track,
                "pitch": n.pitch,
                "start": n.start,
                "end": n.end,
                "velocity": n.velocity,
                "offset": n.offset,
            }
            for track, n in clip.notes
        ],
    }
    return json.dumps(data, separators=(",", ":"))


def clip_from_json(text: str) -> Clip | None:
    """The notes of a bandmate-notes text; None for anything else (other text, a damaged or newer form:
    a paste of foreign clipboard contents does nothing rather than fail)."""
    try:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format") != FORMAT or int(data["version"]) > VERSION:
            return None
        tracks = tuple(
            Track(
                (), int(t["program"]), bool(t["drum"]), Role(t.get("role", "other")), str(t.get("name", ""))
            )
            for t in data["tracks"]
        )
        notes = tuple(
            (
                int(n["track"]),
                Note(int(n["pitch"]), int(n["start"]), int(n["end"]), int(n["velocity"]), float(n["offset"])),
            )
            for n in data["notes"]
        )
    except (ValueError, KeyError, TypeError):  # json.JSONDecodeError is a ValueError
        return None
    if not notes:
        return None
    return Clip(notes, max(1, int(data.get("span", 0)) or max(n.end for _, n in notes)), tracks)


def clip_mime(clip: Clip) -> QMimeData:
    """MIME data for the system clipboard: `NOTES_MIME` and the same JSON as plain text."""
    text = clip_to_json(clip)
    data = QMimeData()
    data.setData(NOTES_MIME, QByteArray(text.encode()))
    data.setText(text)
    return data


def clip_of_mime(data: QMimeData | None) -> Clip | None:
    """The copied notes on the clipboard (`NOTES_MIME`, else plain text in that form); None otherwise."""
    if data is None:
        return None
    if data.hasFormat(NOTES_MIME):
        return clip_from_json(bytes(data.data(NOTES_MIME).data()).decode("utf-8", "replace"))
    if data.hasText():
        return clip_from_json(data.text())
    return None
