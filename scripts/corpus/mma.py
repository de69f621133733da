# SPDX-License-Identifier: MIT
"""Rendering accompaniment with Debian's `mma` (Musical MIDI Accompaniment, GPL-2+ style library).

`render` writes an .mma file (seed, tempo, groove, one line of chords per mma bar), runs mma on it and
reads the MIDI back as a `Piece` in quarter-note beats. mma counts a 6/8 groove in eighths (its "beats"
there are eighths, its Time 6, or dotted quarters, Time 2), so such renderings are scaled by `unit`
(quarter notes per mma beat).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from scripts.corpus.piece import Part, Piece, read_midi

LIB = Path("/usr/share/mma/lib/stdlib")
APT_LINE = "apt-get install mma"
SKIP_GROOVE = re.compile(r"(intro|end)\d*$", re.IGNORECASE)  # one- or two-bar openings and endings


class MmaError(Exception):
    """mma is missing or refused an input; the message is one line."""


@dataclass(frozen=True, slots=True)
class Groove:
    """A groove of the library: its name, file, mma beats per bar, time signature, quarters per beat."""

    name: str
    file: str
    time: int
    meter: tuple[int, int]

    @property
    def unit(self) -> float:
        """Quarter notes per mma beat: a 6/8 groove counting six eighths 0.5, two dotted quarters 1.5."""
        if self.meter == (6, 8) and self.time in (6, 2):
            return 3.0 / self.time
        return 1.0

    @property
    def written_meter(self) -> tuple[int, int]:
        """The meter the rendering is written in: 6/8 for eighth-counted grooves, else Time/4."""
        return (6, 8) if self.unit != 1.0 else (self.time, 4)


def require() -> str:
    """The path of the mma program; MmaError with the apt-get line when it is missing."""
    found = shutil.which("mma")
    if not found:
        raise MmaError(f"mma is not installed; install it with: sudo {APT_LINE}")
    return found


def grooves(lib: Path = LIB) -> list[Groove]:
    """Every groove the library files define (DefGroove), with the Time and Timesig in force there."""
    found = []
    for path in sorted(lib.glob("*.mma")):
        time, meter = 4, (4, 4)
        for line in path.read_text(errors="replace").splitlines():
            words = line.split("//")[0].replace("/", " ").split()
            if not words:
                continue
            head = words[0].lower()
            if head == "time" and len(words) > 1 and words[1].isdigit():
                time = int(words[1])
            elif head == "timesig" and len(words) > 2 and words[1].isdigit() and words[2].isdigit():
                meter = (int(words[1]), int(words[2]))
            elif head == "defgroove" and len(words) > 1:
                found.append(Groove(words[1], path.name, time, meter))
    return found


def render(groove: Groove, bars: list[str], tempo: float, seed: int) -> Piece:
    """mma's rendering of `bars` (one line of chords per mma bar, "z" for none) in quarter-note beats.

    `tempo` is in quarter notes per minute; mma gets it in its own beats.
    """
    program = require()
    text = "\n".join([f"RndSeed {seed}", f"Tempo {tempo / groove.unit:g}", f"Groove {groove.name}", *bars])
    with tempfile.TemporaryDirectory(prefix="bandmate-mma-") as tmp:
        source, target = Path(tmp) / "in.mma", Path(tmp) / "out.mid"
        source.write_text(text + "\n")
        done = subprocess.run(
            [program, "-f", str(target), str(source)], capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0 or not target.exists():
            errors = [ln for ln in (done.stdout + done.stderr).splitlines() if "Error" in ln]
            raise MmaError((errors or ["mma failed"])[0].strip())
        piece = read_midi(target.read_bytes())
    return _scaled(piece, groove.unit, tempo, groove.written_meter)


def _scaled(piece: Piece, unit: float, tempo: float, meter: tuple[int, int]) -> Piece:
    parts = [
        Part(p.name, p.program, p.is_drum, tuple((s * unit, d * unit, n, v) for s, d, n, v in p.notes))
        for p in piece.parts
    ]
    return Piece(tuple(parts), ((0.0, tempo),), ((0.0, *meter),))


def version() -> str:
    """The installed Debian package version of mma (for corpus.json), or what mma says about itself."""
    done = subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}", "mma"], capture_output=True, text=True, check=False
    )
    return done.stdout.strip() or "unknown"
