# SPDX-License-Identifier: MIT
"""The session file: a whole evening's work in one human-readable, versioned JSON file.

What it holds: the clip on the piano roll, the candidates, the arrangement (a list of lanes, each a list
of clips placed at a start bar), the morph ends and slider position, the blend corners and puck, the
model, the tempo and loop, the sound settings and the generation settings. Clips are written as their
notes (pitch, start step, end step, velocity, micro-timing offset in steps) with each track's name,
program, role, drum flag and channel, and the clip's length, tempo and meter maps; a clip's original
MIDI file (`Pattern.source`) is not kept, so a clip opened from a file comes back as its notes.

`save_session` writes atomically (models.store.atomic_write); `load_session` raises SessionError with a
one-line reason for anything it cannot read (not JSON, not a session, a newer format, a bad clip).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.music.pattern import STEPS_PER_BAR, Meter, Note, Pattern, Role, Track
from models.store import atomic_write

FORMAT = "bandmate-session"
VERSION = 1
SUFFIX = ".bandmate"
MAX_BYTES = 64 * 1024 * 1024  # a session of thousands of clips stays far below this


class SessionError(Exception):
    """A session file that cannot be read or written; str(e) is a one-line reason."""


@dataclass(frozen=True, slots=True)
class NamedClip:
    """A clip and the name the app shows for it."""

    name: str
    pattern: Pattern


@dataclass(frozen=True, slots=True)
class PlacedClip:
    """A clip in an arrangement lane, starting at `start_bar` (0-based bars of 16 steps)."""

    name: str
    pattern: Pattern
    start_bar: int = 0

    def __post_init__(self) -> None:
        if self.start_bar < 0:
            raise ValueError(f"start bar {self.start_bar} is before the first bar")


@dataclass(frozen=True, slots=True)
class Lane:
    """One arrangement lane (drums, bass, lead...): its name and its placed clips."""

    name: str = ""
    clips: tuple[PlacedClip, ...] = ()


@dataclass(frozen=True, slots=True)
class SessionData:
    """Everything a session file holds (see the module docstring).

    Attributes:
        clip: the clip on the piano roll, or None.
        candidates: the generated candidates in list order.
        lanes: the arrangement, top lane first.
        morph: the morph ends A and B (None where not set); morph_position: the slider, 0 (A) .. 1 (B).
        blend: the four blend corners (None where not set); blend_xy: the puck, each 0..1.
        model: bundled model name or model folder ("" for none).
        tempo: the transport tempo in BPM (20..300); loop: whether playback loops.
        sound: the sound settings by name (output, midi_port, soundfont, channels...).
        generation: the generation settings by name (temperature, key, feel, amount).
    """

    clip: NamedClip | None = None
    candidates: tuple[NamedClip, ...] = ()
    lanes: tuple[Lane, ...] = ()
    morph: tuple[NamedClip | None, NamedClip | None] = (None, None)
    morph_position: float = 0.0
    blend: tuple[NamedClip | None, ...] = (None, None, None, None)
    blend_xy: tuple[float, float] = (0.5, 0.5)
    model: str = ""
    tempo: float = 120.0
    loop: bool = True
    sound: dict[str, Any] = field(default_factory=dict)
    generation: dict[str, Any] = field(default_factory=dict)

    @property
    def kept_clips(self) -> int:
        """How many clips the arrangement holds, over all lanes."""
        return sum(len(lane.clips) for lane in self.lanes)

    @property
    def is_empty(self) -> bool:
        """Nothing worth keeping: no clip with notes, no candidates, no arrangement, no morph or blend set."""
        clip = self.clip is not None and self.clip.pattern.note_count > 0
        return not (clip or self.candidates or self.kept_clips or any(self.morph) or any(self.blend))


def arrangement_pattern(data: SessionData) -> Pattern | None:
    """The arrangement as one clip at the session's tempo: every lane's clips placed at their start bar
    (bar = 16 steps), a track per (lane, instrument); None when the arrangement is empty.

    Tracks of one lane with the same role, program and drum flag are merged; a clip that overlaps the next
    one in its lane keeps its notes (they overlap too). The length is the end of the last clip."""
    tracks: dict[tuple[int, str, int, bool], Track] = {}
    end = 0
    for index, lane in enumerate(data.lanes):
        for placed in lane.clips:
            at = placed.start_bar * STEPS_PER_BAR
            end = max(end, at + placed.pattern.steps)
            for t in placed.pattern.tracks:
                key = (index, str(t.role), t.program, t.is_drum)
                moved = tuple(n.shifted(at) for n in t.notes)
                base = tracks.get(key)
                name = t.name or (lane.name or str(t.role))
                tracks[key] = (
                    base.with_notes(base.notes + moved)
                    if base
                    else Track(moved, t.program, t.is_drum, t.role, name)
                )
    if end == 0:
        return None
    return Pattern(tuple(tracks.values()), end, data.tempo)


# --- clips ----------------------------------------------------------------------------------------
def pattern_to_dict(pattern: Pattern) -> dict[str, Any]:
    """A Pattern as plain JSON values (notes as [pitch, start, end, velocity, offset] rows)."""
    return {
        "steps": pattern.steps,
        "tempo": pattern.tempo,
        "meter": str(pattern.meter),
        "tempo_map": [[s, b] for s, b in pattern.tempo_map],
        "meter_map": [[s, str(m)] for s, m in pattern.meter_map],
        "tracks": [
            {
                "name": t.name,
                "role": str(t.role),
                "program": t.program,
                "drums": t.is_drum,
                "channel": t.channel,
                "notes": [[n.pitch, n.start, n.end, n.velocity, n.offset] for n in t.notes],
            }
            for t in pattern.tracks
        ],
    }


def _meter(text: str) -> Meter:
    num, _, den = str(text).partition("/")
    return Meter(int(num), int(den))


def pattern_from_dict(data: dict[str, Any]) -> Pattern:
    """The Pattern `pattern_to_dict` wrote; ValueError/KeyError/TypeError for a damaged one."""
    tracks = []
    for t in data["tracks"]:
        notes = tuple(Note(int(p), int(s), int(e), int(v), float(o)) for p, s, e, v, o in t["notes"])
        channel = t.get("channel")
        tracks.append(
            Track(
                notes,
                int(t.get("program", 0)),
                bool(t.get("drums", False)),
                Role(t.get("role", str(Role.OTHER))),
                str(t.get("name", "")),
                None if channel is None else int(channel),
            )
        )
    return Pattern(
        tuple(tracks),
        int(data["steps"]),
        float(data.get("tempo", 120.0)),
        _meter(data.get("meter", "4/4")),
        tuple((float(s), float(b)) for s, b in data.get("tempo_map", [])),
        tuple((float(s), _meter(m)) for s, m in data.get("meter_map", [])),
    )


def _named(clip: NamedClip | None) -> dict[str, Any] | None:
    return None if clip is None else {"name": clip.name, "clip": pattern_to_dict(clip.pattern)}


def _unnamed(data: dict[str, Any] | None) -> NamedClip | None:
    return None if data is None else NamedClip(str(data.get("name", "")), pattern_from_dict(data["clip"]))


# --- the file -------------------------------------------------------------------------------------
def session_to_dict(s: SessionData) -> dict[str, Any]:
    """The session as the JSON object written to disk (format and version first)."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "model": s.model,
        "tempo": s.tempo,
        "loop": s.loop,
        "sound": dict(s.sound),
        "generation": dict(s.generation),
        "clip": _named(s.clip),
        "candidates": [_named(c) for c in s.candidates],
        "arrangement": {
            "lanes": [
                {
                    "name": lane.name,
                    "clips": [
                        {"name": c.name, "start_bar": c.start_bar, "clip": pattern_to_dict(c.pattern)}
                        for c in lane.clips
                    ],
                }
                for lane in s.lanes
            ]
        },
        "morph": {"a": _named(s.morph[0]), "b": _named(s.morph[1]), "position": s.morph_position},
        "blend": {"corners": [_named(c) for c in s.blend], "x": s.blend_xy[0], "y": s.blend_xy[1]},
    }


def session_from_dict(data: Any) -> SessionData:
    """The SessionData of a JSON object; SessionError with a one-line reason for anything else."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SessionError("not a Bandmate session file")
    version = data.get("version")
    if not isinstance(version, int) or version < 1:
        raise SessionError(f"unknown session format version {version!r}")
    if version > VERSION:
        raise SessionError(f"written by a newer Bandmate (format {version}); this one reads format {VERSION}")
    try:
        lanes = tuple(
            Lane(
                str(lane.get("name", "")),
                tuple(
                    PlacedClip(
                        str(c.get("name", "")), pattern_from_dict(c["clip"]), int(c.get("start_bar", 0))
                    )
                    for c in lane.get("clips", [])
                ),
            )
            for lane in data.get("arrangement", {}).get("lanes", [])
        )
        morph = data.get("morph", {})
        blend = data.get("blend", {})
        corners = [_unnamed(c) for c in blend.get("corners", [])][:4]
        corners += [None] * (4 - len(corners))
        tempo = float(data.get("tempo", 120.0))
        if not 20.0 <= tempo <= 300.0:
            raise ValueError(f"tempo {tempo:g} BPM outside 20..300")
        return SessionData(
            clip=_unnamed(data.get("clip")),
            candidates=tuple(c for c in (_unnamed(x) for x in data.get("candidates", [])) if c is not None),
            lanes=lanes,
            morph=(_unnamed(morph.get("a")), _unnamed(morph.get("b"))),
            morph_position=min(max(float(morph.get("position", 0.0)), 0.0), 1.0),
            blend=tuple(corners),
            blend_xy=(float(blend.get("x", 0.5)), float(blend.get("y", 0.5))),
            model=str(data.get("model", "")),
            tempo=tempo,
            loop=bool(data.get("loop", True)),
            sound=dict(data.get("sound", {})),
            generation=dict(data.get("generation", {})),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SessionError(f"damaged session: {type(exc).__name__}: {exc}") from None


_ROW = re.compile(r"\[\s+([^\[\]{}]*?)\s+\]")


def session_json(s: SessionData) -> str:
    """The session as indented JSON text, each note (and each other row of numbers) on one line."""
    text = json.dumps(session_to_dict(s), indent=2, ensure_ascii=False)
    return _ROW.sub(lambda m: "[" + re.sub(r",\s+", ", ", m.group(1)) + "]", text) + "\n"


def save_session(s: SessionData, path: str | Path) -> Path:
    """Write the session to `path` atomically; SessionError (with the reason) when it cannot be written."""
    path = Path(path)
    try:
        atomic_write(path, session_json(s).encode("utf-8"))
    except OSError as exc:
        raise SessionError(f"cannot write {path}: {exc}") from None
    return path


def load_session(path: str | Path) -> SessionData:
    """Read a session file; SessionError with a one-line reason for a missing, unreadable or damaged one."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise SessionError(f"{path.name} is over {MAX_BYTES // 2**20} MB: not a session file")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SessionError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SessionError(f"{path.name}: cannot read it ({exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SessionError(f"{path.name}: not a session file (bad JSON at line {exc.lineno})") from None
    return session_from_dict(data)
