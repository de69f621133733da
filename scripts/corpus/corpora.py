# SPDX-License-Identifier: MIT
"""What goes into each corpus: drums, melody, trio, band, heldout-band (see scripts/corpus/__init__.py).

A `Sources` object reads each input once per run (lead sheets and their mma renderings are shared by the
trio and band corpora) and hands the corpus functions sorted, deterministic streams.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from scripts.corpus import accompany, freedoom, mma, recorded, scores
from scripts.corpus.freedoom import Heldout
from scripts.corpus.piece import Part, Piece
from scripts.corpus.sources import NO_DRUMS, REAL, SYNTHETIC
from scripts.corpus.writer import CorpusWriter

DRUM_BARS, DRUM_SEED = 8, 7


class Sources:
    """The inputs of one build, each read at most once."""

    def __init__(self, data_dir: Path) -> None:
        self.data = data_dir
        self.notes: list[str] = []

    @functools.cached_property
    def grooves(self) -> dict[str, mma.Groove]:
        return {g.name.lower(): g for g in mma.grooves()}

    @functools.cached_property
    def lead_sheets(self) -> list[tuple[str, scores.LeadSheet | str]]:
        found: list[tuple[str, scores.LeadSheet | str]] = []
        root = self.data / "train/openewld"
        for path in sorted(root.rglob("*.mxl")):
            name = f"{path.parent.parent.name}_{path.stem}".replace(" ", "_")
            try:
                found.append((name, scores.lead_sheet(path)))
            except Exception as exc:  # noqa: BLE001 - music21 raises many kinds; the file is skipped
                found.append((name, f"music21 could not read it ({type(exc).__name__}: {exc})"[:160]))
        return found

    @functools.cached_property
    def bands(self) -> list[tuple[str, Piece | str]]:
        """Every lead sheet rendered in its fitting grooves: (file name, band or the reason it is not)."""
        out: list[tuple[str, Piece | str]] = []
        for index, (name, sheet) in enumerate(self.lead_sheets):
            if isinstance(sheet, str):
                out.append((f"{name}.mid", sheet))
                continue
            meters = sheet.melody.meters
            meter = meters[0][1:]
            chosen = accompany.pick_grooves(name, meter, self.grooves)
            if len(meters) > 1 or not chosen:
                why = "meter changes" if len(meters) > 1 else f"no fitting groove for {meter[0]}/{meter[1]}"
                out.append((f"{name}.mid", why))
            for groove in chosen if len(meters) == 1 else []:
                try:
                    out.append((f"{name}_{groove.name}.mid", accompany.render(sheet, groove, index)))
                except mma.MmaError as exc:
                    out.append((f"{name}_{groove.name}.mid", f"mma: {exc}"))
        return out

    @functools.cached_property
    def pop909(self) -> list[tuple[str, Piece]]:
        return list(recorded.pop909(self.data))

    @functools.cached_property
    def freedoom(self) -> list[freedoom.Song]:
        """WAD songs, then the sample's songs that are not in the WADs (dupes fall out in the writer)."""
        wad, notes = freedoom.wad_songs()
        self.notes += notes
        return wad + freedoom.sample_songs(self.data)

    @functools.cached_property
    def heldout(self) -> Heldout:  # not freedoom.Heldout: in this class `freedoom` is the property above
        return freedoom.Heldout(freedoom.heldout_songs(self.data))


def drums(w: CorpusWriter, src: Sources) -> None:
    for item in recorded.groove(src.data):
        w.add(f"groove/{item.name}", "groove", REAL, item.piece)
    for item in recorded.hydrogen(src.data):
        w.add(f"hydrogen/{item.name}", "hydrogen", SYNTHETIC, item.piece)
    for groove in src.grooves.values():
        if mma.SKIP_GROOVE.search(groove.name):
            continue
        file = f"mma/{groove.name}.mid"
        try:
            band = mma.render(groove, ["C"] * DRUM_BARS, 120.0, DRUM_SEED)
        except mma.MmaError as exc:
            w.skip(file, "mma-drums", f"mma: {exc}")
            continue
        kit = Part("drums", 0, True, tuple(sorted(n for p in band.parts if p.is_drum for n in p.notes)))
        w.add(file, "mma-drums", SYNTHETIC, band.with_parts([kit]), f"{groove.file}:{groove.name}")


def melody(w: CorpusWriter, src: Sources) -> None:
    for name, sheet in src.lead_sheets:
        if isinstance(sheet, str):
            w.skip(f"openewld/{name}.mid", "openewld", sheet)
        else:
            w.add(f"openewld/{name}.mid", "openewld", REAL, sheet.melody)
    for collection in scores.FOLK:
        for name, tune in scores.folk_tunes(collection):
            _add_or_skip(w, f"folk/{name}", collection, REAL, tune)
    for name, piece in src.pop909:
        w.add(f"pop909/{name}", "pop909", REAL, recorded.pop909_parts(piece, "melody"))


def trio(w: CorpusWriter, src: Sources) -> None:
    for song in src.freedoom:
        w.add(f"freedoom/{song.name}", "freedoom", REAL, song.piece, song.origin)
    for name, piece in src.pop909:
        w.add(f"pop909/{name}", "pop909", NO_DRUMS, recorded.pop909_parts(piece, "trio"))
    for name, band in src.bands:
        trio_piece = band if isinstance(band, str) else accompany.trio_of(band)
        _add_or_skip(w, f"openewld-mma/{name}", "openewld+mma", SYNTHETIC, trio_piece)


def band(w: CorpusWriter, src: Sources) -> None:
    for song in src.freedoom:
        w.add(f"freedoom/{song.name}", "freedoom", REAL, song.piece, song.origin)
    for item in recorded.groove(src.data):  # real drummers: POP909 and the chorales have no drums
        w.add(f"groove/{item.name}", "groove", REAL, item.piece)
    for name, piece in src.pop909:
        w.add(f"pop909/{name}", "pop909", REAL, piece)
    for name, chorale in scores.chorales():
        _add_or_skip(w, f"bach/{name}", "bach", REAL, chorale)
    for name, rendering in src.bands:
        _add_or_skip(w, f"openewld-mma/{name}", "openewld+mma", SYNTHETIC, rendering)


def heldout_band(w: CorpusWriter, src: Sources) -> None:
    """The 15 held-out songs, byte for byte as in the shared sample."""
    folder = src.data / freedoom.SAMPLE
    for song in freedoom.heldout_songs(src.data):
        w.hashes[song.hash] = song.name
        w.write(song.name, (folder / song.name).read_bytes())
        w.files.append(_row(song))


def _row(song: freedoom.Song) -> dict:
    from scripts.corpus.piece import bars, meters_of, seconds

    return {
        "file": song.name, "source": "freedoom", "licence": "BSD-3-Clause", "weight": REAL,
        "synthetic": False, "meters": meters_of(song.piece), "seconds": round(seconds(song.piece), 2),
        "bars": bars(song.piece), "notes": song.piece.note_count, "instruments": len(song.piece.parts),
        "hash": song.hash, "origin": song.origin,
    }  # fmt: skip


def _add_or_skip(w: CorpusWriter, file: str, source: str, weight: float, piece: Piece | str) -> None:
    if isinstance(piece, str):
        w.skip(file, source, piece)
    else:
        w.add(file, source, weight, piece)


CORPORA: dict[str, Callable[[CorpusWriter, Sources], None]] = {
    "drums": drums,
    "melody": melody,
    "trio": trio,
    "band": band,
    "heldout-band": heldout_band,
}
