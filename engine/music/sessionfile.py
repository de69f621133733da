# SPDX-License-Identifier: MIT
"""The session file: a whole evening's work in one human-readable, versioned JSON file.

What it holds: the clip on the piano roll, the candidates, the arrangement (`engine.music.arrangement`:
lanes of clips placed at a start bar, written by `Arrangement.to_dict` and read by `Arrangement.from_dict`),
the morph ends and slider position, the blend corners and puck, the model, the tempo and loop, the sound
settings and the generation settings. Every clip is written by `engine.music.clipdict.pattern_to_dict`
(its notes as [pitch, start step, end step, velocity, micro-timing offset] rows, each track's name,
program, role, drum flag and channel, the clip's length, tempo and meter maps); a clip's original MIDI file
(`Pattern.source`) is not kept, so a clip opened from a file comes back as its notes.

Format versions: 2 (this one). Version 1 was a development format that never shipped; it is refused.

`save_session` writes atomically (models.store.atomic_write); `load_session` raises SessionError with a
one-line reason for anything it cannot read (not JSON, not a session, a newer format, a bad clip).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.music.arrangement import Arrangement, ArrangementError
from engine.music.clipdict import pattern_from_dict, pattern_to_dict
from engine.music.pattern import PLAY_MAX_BPM, PLAY_MIN_BPM, Pattern
from models.store import atomic_write

FORMAT = "bandmate-session"
VERSION = 2
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
class SessionData:
    """Everything a session file holds (see the module docstring).

    Attributes:
        clip: the clip on the piano roll, or None.
        candidates: the generated candidates in list order.
        arrangement: the arrangement lanes, top lane first, each clip at its start bar.
        morph: the morph ends A and B (None where not set); morph_position: the slider, 0 (A) .. 1 (B).
        blend: the four blend corners (None where not set); blend_xy: the puck, each 0..1.
        model: bundled model name or model folder ("" for none).
        tempo: the transport tempo in BPM (20..300); loop: whether playback loops.
        sound: the sound settings by name (output, midi_port, soundfont, channels...).
        generation: the generation settings by name (temperature, key, feel, amount).
    """

    clip: NamedClip | None = None
    candidates: tuple[NamedClip, ...] = ()
    arrangement: Arrangement = field(default_factory=Arrangement)
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
        return self.arrangement.clip_count

    @property
    def is_empty(self) -> bool:
        """Nothing worth keeping: no clip with notes, no candidates, no arrangement, no morph or blend set."""
        clip = self.clip is not None and self.clip.pattern.note_count > 0
        return not (clip or self.candidates or self.kept_clips or any(self.morph) or any(self.blend))


def arrangement_pattern(data: SessionData) -> Pattern | None:
    """The arrangement as one clip at the session's tempo (`Arrangement.render`: the lanes that sound mixed
    (soloed, else unmuted), each clip at its start bar of 16 steps, trimmed clips as trimmed); None when it
    is empty or nothing audible holds notes."""
    try:
        return data.arrangement.render(tempo=data.tempo)
    except ArrangementError:
        return None


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
        "arrangement": s.arrangement.to_dict(),
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
    if version == 1:
        raise SessionError(
            "format 1 was a development format of Bandmate that never shipped: it cannot be read"
        )
    if version > VERSION:
        raise SessionError(f"written by a newer Bandmate (format {version}); this one reads format {VERSION}")
    try:
        arrangement = Arrangement.from_dict(data["arrangement"]) if "arrangement" in data else Arrangement()
        morph = data.get("morph", {})
        blend = data.get("blend", {})
        corners = [_unnamed(c) for c in blend.get("corners", [])][:4]
        corners += [None] * (4 - len(corners))
        tempo = float(data.get("tempo", 120.0))
        if not PLAY_MIN_BPM <= tempo <= PLAY_MAX_BPM:
            raise ValueError(f"tempo {tempo:g} BPM outside {PLAY_MIN_BPM:g}..{PLAY_MAX_BPM:g}")
        return SessionData(
            clip=_unnamed(data.get("clip")),
            candidates=tuple(c for c in (_unnamed(x) for x in data.get("candidates", [])) if c is not None),
            arrangement=arrangement,
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
