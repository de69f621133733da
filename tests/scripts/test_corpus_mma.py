"""scripts.corpus.accompany and .mma: chord lines for mma, and one short lead sheet rendered with mma.

mma is a Debian package (`make system` installs it); without it these tests fail with the apt-get line.
"""

from __future__ import annotations

import pytest

from scripts.corpus import accompany, mma
from scripts.corpus.piece import Part, Piece, meters_of, note_hash
from scripts.corpus.scores import LeadSheet

SWING = mma.Groove("Swing", "swing.mma", 4, (4, 4))
JIG = mma.Groove("68Swing", "68swing.mma", 6, (6, 8))


def sheet(meter: tuple[int, int] = (4, 4), bar: float = 4.0) -> LeadSheet:
    """Four bars of melody (a pickup beat first) over C | F G7 | C | z (no chord)."""
    melody = tuple((bar - 1 + b * 0.5, 0.5, 67 + (b % 5), 90) for b in range(int(6 * bar)))
    piece = Piece((Part("melody", 65, False, melody),), ((0.0, 100.0),), ((0.0, *meter),))
    chords = ((bar, "C"), (2 * bar, "F"), (2.5 * bar, "G7"), (3 * bar, "C"), (4 * bar, "z"))
    return LeadSheet(piece, chords)


def require_mma() -> None:
    try:
        mma.require()
    except mma.MmaError as exc:
        pytest.fail(str(exc))


def test_chord_lines_have_one_token_per_mma_beat() -> None:
    assert accompany.chord_bars(sheet(), SWING) == ["z / / /", "C / / /", "F / G7 /", "C / / /"]
    assert accompany.chord_bars(sheet((6, 8), 3.0), JIG)[2] == "F / / G7 / /"
    simple = LeadSheet(sheet().melody, ((0.0, "Bbm7b5"), (4.0, "F#mM7"), (8.0, "Eb13")))
    assert accompany.chord_bars(simple, SWING, simple=True)[:3] == ["Bbdim / / /", "F#m / / /", "Eb / / /"]


def test_grooves_are_picked_per_file_and_fit_the_meter() -> None:
    library = {g.lower(): mma.Groove(g, "", 3, (3, 4)) for g in accompany.FITTING[(3, 4)]}
    picks = accompany.pick_grooves("Some_Waltz", (3, 4), library)
    assert len(picks) == accompany.RENDERINGS and picks == accompany.pick_grooves(
        "Some_Waltz", (3, 4), library
    )
    assert accompany.pick_grooves("x", (7, 8), library) == []


def test_mma_renders_a_lead_sheet_deterministically() -> None:
    require_mma()
    band = accompany.render(sheet(), SWING, seed=3)
    assert meters_of(band) == ["4/4"] and band.tempos == ((0.0, 100.0),)
    assert band.parts[0].name == "melody" and any(p.is_drum for p in band.parts)
    bass = [p for p in band.parts if p.program in range(32, 40)]
    assert bass and min(n[0] for n in bass[0].notes) >= 4.0  # no chord in the pickup bar: no bass there
    assert band.end <= 16.0 + 1.0  # ends with the melody's last bar
    assert note_hash(band) == note_hash(accompany.render(sheet(), SWING, seed=3))
    trio = accompany.trio_of(band)
    assert [p.name for p in trio.parts] == ["melody", "bass", "drums"]


def test_an_eighth_counted_groove_keeps_six_eight_bars() -> None:
    require_mma()
    jig = accompany.render(sheet((6, 8), 3.0), JIG, seed=3)
    assert meters_of(jig) == ["6/8"] and jig.tempos == ((0.0, 100.0),)
    kit = next(p for p in jig.parts if p.is_drum)
    assert kit.notes and max(n[0] for n in kit.notes) < 12.0  # four 6/8 bars are 12 quarter notes
