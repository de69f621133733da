# SPDX-License-Identifier: MIT
"""A lead sheet's band: its melody over an accompaniment that mma renders from its chord symbols.

Each lead sheet gets RENDERINGS grooves that fit its meter, picked by a generator seeded with the file
name (so adding a lead sheet changes no other's choice). 2/4 pieces play two bars per 4/4 groove bar.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from dataclasses import replace

from scripts.corpus import mma
from scripts.corpus.piece import Part, Piece
from scripts.corpus.scores import LeadSheet

RENDERINGS = 2
SEED = 13
FITTING = {
    (4, 4): ("Swing", "Foxtrot", "Ballad", "BossaNova", "SlowBroadway", "8Beat"),
    (2, 2): ("Swing", "Foxtrot", "Dixie", "Charleston"),
    (2, 4): ("Polka", "Dixie", "March"),
    (3, 4): ("Waltz", "JazzWaltz", "CountryWaltz"),
    (6, 8): ("68Swing", "Blues68"),
}
TRIADS = {"m": "m", "dim": "dim", "m7b5": "dim", "dim7": "dim", "m6": "m", "m7": "m", "m9": "m"}


def pick_grooves(name: str, meter: tuple[int, int], library: dict[str, mma.Groove]) -> list[mma.Groove]:
    """RENDERINGS distinct fitting grooves for one lead sheet, chosen by a generator seeded with its name."""
    names = [g for g in FITTING.get(meter, ()) if g.lower() in library]
    chosen = random.Random(f"{SEED}:{name}").sample(names, min(RENDERINGS, len(names)))
    return [library[g.lower()] for g in chosen]


def chord_bars(sheet: LeadSheet, groove: mma.Groove, simple: bool = False) -> list[str]:
    """mma's input lines: per mma bar one token per mma beat (chord, "/" for no change, "z" for none)."""
    beat, per_bar = groove.unit, groove.time
    bar_len = beat * per_bar
    count = max(1, math.ceil(sheet.melody.end / bar_len - 1e-9))
    times = [t for t, _ in sheet.chords]
    names = [_simple(c) if simple else c for _, c in sheet.chords]
    lines = []
    for bar in range(count):
        tokens, last = [], None
        for k in range(per_bar):
            i = bisect_right(times, bar * bar_len + (k + 1) * beat - 1e-6) - 1
            chord = names[i] if i >= 0 else "z"
            tokens.append(chord if chord != last or k == 0 else "/")
            last = chord
        lines.append(" ".join(tokens))
    return lines


def _simple(chord: str) -> str:
    """A triad for a chord name mma refused: root + m / dim / major."""
    if chord == "z":
        return chord
    root = chord[:2] if len(chord) > 1 and chord[1] in "b#" else chord[:1]
    return root + TRIADS.get(chord[len(root) :], "m" if chord[len(root) :].startswith("m") else "")


def render(sheet: LeadSheet, groove: mma.Groove, seed: int) -> Piece:
    """The lead sheet's melody and mma's parts, in the sheet's meter and (first) tempo."""
    tempo = sheet.melody.tempos[0][1]
    try:
        band = mma.render(groove, chord_bars(sheet, groove), tempo, seed)
    except mma.MmaError:  # an unusual chord name: the same harmony as plain triads
        band = mma.render(groove, chord_bars(sheet, groove, simple=True), tempo, seed)
    end = sheet.melody.end  # mma fills its last bar; the song ends with the melody's bar
    parts = [
        *sheet.melody.parts,
        *(replace(p, notes=tuple(n for n in p.notes if n[0] < end)) for p in band.parts),
    ]
    return Piece((), ((0.0, tempo),), sheet.melody.meters[:1]).with_parts(parts)


def trio_of(band: Piece) -> Piece:
    """Melody, mma's Bass and Walk tracks as one bass (they take turns) and the drums as one part."""
    melody = [p for p in band.parts if p.name == "melody"]
    basses = [p for p in band.parts if not p.is_drum and p.name.lower().startswith(("bass", "walk"))]
    drums = Part("drums", 0, True, tuple(sorted(n for p in band.parts if p.is_drum for n in p.notes)))
    if not basses:
        return band.with_parts([*melody, drums])
    program = max(basses, key=lambda p: len(p.notes)).program
    bass = Part("bass", program, False, tuple(sorted(n for p in basses for n in p.notes)))
    return band.with_parts([*melody, bass, drums])
