# SPDX-License-Identifier: MIT
"""The MIDI sources in ../shared/data/train: Groove, Hydrogen patterns, POP909 (with its bar lines fixed).

Each reader yields `Item`s: a file name inside its source's folder, the piece, and an optional note.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from scripts.corpus.piece import Part, Piece, read_midi

HYDROGEN_LOOPS = 4  # a one-bar drum-machine pattern is meant to loop; 4 bars give the 2-bar windows room
LEFT_HAND_BELOW = 60  # POP909's piano below middle C stands in for the bass


@dataclass(frozen=True, slots=True)
class Item:
    name: str
    piece: Piece
    note: str = ""


def groove(data_dir: Path) -> Iterator[Item]:
    """The Groove MIDI Dataset's train split, as listed in its info.csv (sorted by file name)."""
    root = data_dir / "train/groove"
    with open(root / "info.csv", newline="") as fh:
        rows = sorted(r["midi_filename"] for r in csv.DictReader(fh) if r["split"] == "train")
    for name in rows:
        path = root / "train" / name
        if path.exists():
            yield Item(name.replace("/", "_"), read_midi(path.read_bytes()))


def hydrogen(data_dir: Path) -> Iterator[Item]:
    """The 267 one-bar patterns, each looped HYDROGEN_LOOPS times."""
    for path in sorted((data_dir / "train/hydrogen_patterns").glob("*.mid")):
        yield Item(path.name, looped(read_midi(path.read_bytes()), HYDROGEN_LOOPS))


def looped(piece: Piece, times: int) -> Piece:
    """The piece's first bar (by its first meter) played `times` times."""
    _, num, den = piece.meters[0]
    bar = num * 4 / den
    parts = [
        Part(p.name, p.program, p.is_drum, tuple(
            (s + k * bar, d, n, v) for k in range(times) for s, d, n, v in p.notes if s < bar
        ))
        for p in piece.parts
    ]  # fmt: skip
    return piece.with_parts(parts)


def pop909(data_dir: Path) -> Iterator[tuple[str, Piece]]:
    """POP909's songs with bar lines where the dataset's downbeat annotations put them, in 4/4 (or 3/4
    where most annotated bars are 3 beats long); its own 1/4 and 2/4 time signatures are dropped."""
    root = data_dir / "train/pop909"
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        piece = read_midi((folder / f"{folder.name}.mid").read_bytes())
        rows = [line.split() for line in (folder / "beat_midi.txt").read_text().splitlines() if line]
        downbeats = [_beat_at(piece, float(r[0])) for r in rows if float(r[2]) == 1.0]
        yield f"{folder.name}.mid", _on_bar_lines(piece, downbeats)


def _on_bar_lines(piece: Piece, downbeats: list[float]) -> Piece:
    """Move the piece so that the downbeat phase most annotations agree on falls on bar lines."""
    lengths = Counter(round(b - a) for a, b in zip(downbeats, downbeats[1:], strict=False))
    beats = 3 if lengths and lengths.most_common(1)[0][0] == 3 else 4
    phase = _phase([b % beats for b in downbeats])
    first = min((s for p in piece.parts for s, _, _, _ in p.notes), default=0.0)
    shift = -phase
    while first + shift < 0:
        shift += beats
    plain = Piece(piece.parts, piece.tempos, ((0.0, beats, 4),))
    return plain.shifted(shift)


def _phase(positions: list[float]) -> float:
    """The bar phase most downbeats agree on (to a 1/48 beat), averaged over those downbeats."""
    if not positions:
        return 0.0
    key = Counter(round(p * 48) for p in positions).most_common(1)[0][0]
    agree = [p for p in positions if round(p * 48) == key]
    return sum(agree) / len(agree)


def _beat_at(piece: Piece, seconds: float) -> float:
    """The beat at `seconds` through the piece's tempo map."""
    elapsed = 0.0
    marks = [*piece.tempos, (float("inf"), 0.0)]
    for (beat, bpm), (next_beat, _) in zip(marks, marks[1:], strict=False):
        span = (next_beat - beat) * 60.0 / bpm
        if elapsed + span >= seconds:
            return beat + (seconds - elapsed) * bpm / 60.0
        elapsed += span
    return 0.0


def pop909_parts(piece: Piece, use: str) -> Piece:
    """`melody`: the MELODY track; `trio`: melody + the piano's left hand as bass; `band`: all three."""
    by_name = {p.name.upper(): p for p in piece.parts}
    melody = by_name.get("MELODY")
    if use == "melody":
        return piece.with_parts([melody] if melody else [])
    if use == "trio":
        piano = by_name.get("PIANO")
        left = tuple(n for n in piano.notes if n[2] < LEFT_HAND_BELOW) if piano else ()
        return piece.with_parts([p for p in (melody, Part("bass (piano left hand)", 0, False, left)) if p])
    return piece
