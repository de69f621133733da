# SPDX-License-Identifier: MIT
"""Scores read with music21 (an optional extra: `pip install -e '.[corpus]'`): OpenEWLD lead sheets (melody
and chord symbols), the public-domain folk collections of music21's corpus (ABC), Bach's chorales.

Only notes, meters, tempos and chord symbols are taken; music21's own MIDI writer is not used (it fails
on some scores), `piece.write_midi` is. A pickup bar becomes a lead-in so that bar lines stay in place.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.corpus.piece import Part, Piece

FOLK = ("oneills1850", "ryansMammoth", "airdsAirs")  # not essenFolksong: "legal status unclear"
VOICES = ("soprano", "alto", "tenor", "bass")
CHOIR, LEAD_PROGRAM, VELOCITY = 52, 65, 90  # choir aahs for chorales, alto sax for lead-sheet melodies
KIND = {
    "major": "", "minor": "m", "augmented": "aug", "diminished": "dim", "dominant-seventh": "7",
    "major-seventh": "maj7", "minor-seventh": "m7", "diminished-seventh": "dim7",
    "augmented-seventh": "aug7", "half-diminished-seventh": "m7b5", "minor-major-seventh": "mM7",
    "major-sixth": "6", "minor-sixth": "m6", "dominant-ninth": "9", "major-ninth": "maj9",
    "minor-ninth": "m9", "dominant-11th": "11", "minor-11th": "m11", "dominant-13th": "13",
    "suspended-second": "sus2", "suspended-fourth": "sus4", "power": "5",
}  # fmt: skip
NAMES = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


class ScoreError(Exception):
    """A score that gives nothing usable; one line."""


@dataclass(frozen=True, slots=True)
class LeadSheet:
    """A melody (one part) and its chord symbols as (beat, mma chord name), both after the lead-in."""

    melody: Piece
    chords: tuple[tuple[float, str], ...]


def music21() -> Any:
    """The music21 module, or SystemExit naming the extra to install."""
    try:
        import music21 as m21
    except ImportError:
        raise SystemExit("music21 is missing: pip install -e '.[corpus]'") from None
    warnings.filterwarnings("ignore", module="music21")
    return m21


def lead_sheet(path: Path) -> LeadSheet:
    """An OpenEWLD .mxl as melody + chord symbols; ScoreError when it has no notes."""
    m21 = music21()
    score = m21.converter.parse(str(path))
    part = score.parts[0]
    lead_in = _lead_in(part)
    melody = _piece(score, [(part, "melody", LEAD_PROGRAM)], lead_in)
    if not melody.note_count:
        raise ScoreError("no melody notes")
    chords = tuple(
        (float(c.offset) + lead_in, _chord_name(c))
        for c in part.flatten().getElementsByClass(m21.harmony.ChordSymbol)
    )
    return LeadSheet(melody, chords)


def _chord_name(symbol: Any) -> str:
    """An mma chord name for a music21 ChordSymbol ("z" for N.C.); unknown kinds fall back to a triad."""
    if symbol.chordKind in ("none", "") or symbol.root() is None:
        return "z"
    root = NAMES[symbol.root().pitchClass]
    kind = KIND.get(symbol.chordKind)
    if kind is None:
        kind = "m" if "minor" in symbol.chordKind else "dim" if "dim" in symbol.chordKind else ""
    return root + kind


def folk_tunes(collection: str) -> Iterator[tuple[str, Piece | str]]:
    """(file name, melody or the reason it was skipped) for every tune of one corpus collection."""
    m21 = music21()
    for path in sorted(m21.corpus.getComposer(collection)):
        stem = Path(path).stem.replace(" ", "_")
        try:
            parsed = m21.corpus.parse(path)
        except Exception as exc:  # noqa: BLE001 - music21 raises many kinds; one bad book is skipped
            yield f"{collection}_{stem}.mid", f"music21 could not read it ({type(exc).__name__})"
            continue
        for number, score in enumerate(getattr(parsed, "scores", None) or [parsed]):
            name = f"{collection}_{stem}_{number:03d}.mid"
            try:
                part = score.parts[0] if score.parts else score
                yield name, _piece(score, [(part, "melody", 0)], _lead_in(part))
            except Exception as exc:  # noqa: BLE001
                yield name, f"music21 could not read it ({type(exc).__name__})"


def chorales() -> Iterator[tuple[str, Piece | str]]:
    """Bach's chorales in the music21 corpus that have exactly the four voices S, A, T, B."""
    m21 = music21()
    for path in sorted(m21.corpus.getComposer("bach")):
        name = f"bach_{Path(path).stem.replace('.', '_')}.mid"
        try:
            score = m21.corpus.parse(path)
            parts = [(p, (p.partName or "").strip().lower()) for p in score.parts]
        except Exception as exc:  # noqa: BLE001
            yield name, f"music21 could not read it ({type(exc).__name__})"
            continue
        voices = [(p, n, CHOIR) for p, n in parts if n in VOICES]
        if [n for _, n, _ in voices] != list(VOICES):
            yield name, f"not four voices S, A, T, B (parts: {', '.join(n for _, n in parts) or '?'})"
            continue
        yield name, _piece(score, voices, _lead_in(voices[0][0]))


def _lead_in(part: Any) -> float:
    """Beats to add before a pickup bar so that it ends on the first bar line."""
    measures = list(part.getElementsByClass("Measure"))
    if not measures:
        return 0.0
    first = measures[0]
    full, have = float(first.barDuration.quarterLength), float(first.duration.quarterLength)
    return full - have if 0 < have < full else 0.0


def _piece(score: Any, parts: list[tuple[Any, str, int]], lead_in: float) -> Piece:
    m21 = music21()
    out = []
    for part, name, program in parts:
        notes = []
        for n in part.stripTies().flatten().notes:
            if isinstance(n, m21.harmony.ChordSymbol) or n.duration.quarterLength <= 0:
                continue  # chord symbols are no notes; grace notes have no length
            start, length = float(n.offset) + lead_in, float(n.duration.quarterLength)
            velocity = n.volume.velocity or VELOCITY
            notes += [(start, length, p.midi, int(velocity)) for p in n.pitches if 21 <= p.midi <= 108]
        out.append(Part(name, program, False, tuple(sorted(notes))))
    flat = parts[0][0].flatten()
    meters = [
        (float(ts.offset) + (lead_in if ts.offset else 0.0), ts.numerator, ts.denominator)
        for ts in flat.getElementsByClass(m21.meter.TimeSignature)
    ] or [(0.0, 4, 4)]
    marks = [
        (float(mm.offset) + (lead_in if mm.offset else 0.0), round(float(mm.getQuarterBPM()), 3))
        for mm in score.flatten().getElementsByClass(m21.tempo.MetronomeMark)
        if mm.getQuarterBPM()
    ] or [(0.0, _default_tempo(meters[0]))]
    return Piece(tuple(out), _dedupe(marks), _dedupe(meters)).with_parts(out)


def _default_tempo(meter: tuple[float, int, int]) -> float:
    """Scores without a tempo mark: a moderate 100 quarters a minute, 150 for compound (6/8, 9/8)."""
    return 150.0 if meter[2] == 8 and meter[1] % 3 == 0 else 100.0


def _dedupe(events: list) -> tuple:
    """One event per beat (the last one written there), sorted, the first moved to beat 0."""
    by_beat = {e[0]: e for e in events}
    ordered = [by_beat[b] for b in sorted(by_beat)]
    return ((0.0, *ordered[0][1:]), *ordered[1:])
