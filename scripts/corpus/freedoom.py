# SPDX-License-Identifier: MIT
"""The Freedoom soundtrack as songs, and the 15 held out from every corpus (scripts/corpus/heldout_band.txt).

Songs come from the music lumps of Debian's freedoom and freedm 0.12.1 WADs and from the sample in
../shared/data/midi/multitrack/freedoom-freedoom (a newer upstream commit: some songs there were rewritten
since 0.12.1). Songs are told apart by their notes (`piece.note_hash`), never by file bytes.

The held-out rule, fixed once: the sample's file names sorted, shuffled with random.Random(HELDOUT_SEED),
the first 15 taken. They come from the sample because that is the copy every machine has (tests and
benchmarks read it without Debian packages). A song is held out when its notes match a held-out song
exactly or when the two share at least SAME_SONG of their notes (a revised version of the same music).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from scripts.corpus.piece import Piece, note_hash, note_set, read_midi, similarity
from scripts.corpus.wad import music_lumps

WADS = ("freedoom1.wad", "freedoom2.wad", "freedm.wad")
WAD_DIR = Path("/usr/share/games/doom")
SAMPLE = Path("midi/multitrack/freedoom-freedoom")
HELDOUT_LIST = Path(__file__).with_name("heldout_band.txt")
HELDOUT_SEED, HELDOUT_COUNT = 14, 15
SAME_SONG = 0.5  # measured on 0.12.1 vs the sample: the same song scores 1.0, different songs at most 0.21


@dataclass(frozen=True, slots=True)
class Song:
    """One distinct piece of Freedoom music: a file name for the corpus, where it came from, its notes."""

    name: str
    origin: str
    piece: Piece
    hash: str


def wad_songs(wad_dir: Path = WAD_DIR) -> tuple[list[Song], list[str]]:
    """The distinct songs in the Freedoom WADs (first lump of each kept), and notes on what was left out."""
    songs, notes = [], []
    seen: dict[str, str] = {}  # note hash -> the song that had it first
    for wad in WADS:
        path = wad_dir / wad
        if not path.exists():
            notes.append(f"{path} is missing (apt-get install freedoom freedm)")
            continue
        lumps, skipped = music_lumps(path)
        notes += skipped
        for lump in lumps:
            piece = read_midi(lump.data)
            key, origin = note_hash(piece), f"{wad}:{lump.name}"
            if key in seen:
                notes.append(f"{origin} has the same notes as {seen[key]}: left out")
                continue
            seen[key] = origin
            songs.append(Song(f"{Path(wad).stem}_{lump.name.lower()}.mid", origin, piece, key))
    return songs, notes


def sample_songs(data_dir: Path) -> list[Song]:
    """The shared sample's songs, sorted by file name."""
    folder = data_dir / SAMPLE
    return [
        Song(p.name, f"sample:{p.name}", piece, note_hash(piece))
        for p in sorted(folder.glob("*.mid"))
        for piece in [read_midi(p.read_bytes())]
    ]


def choose_heldout(names: list[str]) -> list[str]:
    """The fixed rule: sorted names, seeded shuffle, the first HELDOUT_COUNT, sorted again."""
    order = sorted(names)
    random.Random(HELDOUT_SEED).shuffle(order)
    return sorted(order[:HELDOUT_COUNT])


def read_heldout(path: Path = HELDOUT_LIST) -> dict[str, str]:
    """The committed list: file name → note hash."""
    rows = [line.split() for line in path.read_text().splitlines() if line and not line.startswith("#")]
    return {row[0]: row[1] for row in rows}


def heldout_text(sample: list[Song], wad: list[Song]) -> str:
    """The contents of heldout_band.txt for the rule above, naming the WAD lump of the same music."""
    chosen = set(choose_heldout([s.name for s in sample]))
    lines = [
        "# Bandmate's held-out band folder: 15 Freedoom songs (BSD-3-Clause), never in any training corpus.",
        "# Files: ../shared/data/midi/multitrack/freedoom-freedoom/<name>. Rule: the sample's .mid names",
        f"# sorted, random.Random({HELDOUT_SEED}).shuffle, the first {HELDOUT_COUNT}, sorted.",
        "# Rebuild with: python -m scripts.corpus heldout.  Columns: name, note hash, same music in 0.12.1.",
    ]
    for song in sample:
        if song.name in chosen:
            twins = [
                w.origin for w in wad if similarity(note_set(song.piece), note_set(w.piece)) >= SAME_SONG
            ]
            lines.append(f"{song.name} {song.hash} {','.join(twins) or '-'}")
    return "\n".join(lines) + "\n"


class Heldout:
    """Tells whether a piece is (a version of) a held-out song."""

    def __init__(self, songs: list[Song]) -> None:
        self.hashes = {s.hash: s.name for s in songs}
        self.sets = [(s.name, note_set(s.piece)) for s in songs]

    def match(self, piece: Piece, key: str) -> str | None:
        """The held-out song's name this piece is, or None."""
        if key in self.hashes:
            return self.hashes[key]
        notes = note_set(piece)
        for name, held in self.sets:
            # Jaccard is at most the smaller set's size over the larger's: most pairs end here
            if min(len(notes), len(held)) >= SAME_SONG * max(len(notes), len(held)):
                if similarity(notes, held) >= SAME_SONG:
                    return name
        return None


def heldout_songs(data_dir: Path) -> list[Song]:
    """The held-out songs as listed in heldout_band.txt; fails if the sample's notes changed."""
    listed = read_heldout()
    songs = [s for s in sample_songs(data_dir) if s.name in listed]
    changed = [s.name for s in songs if listed[s.name] != s.hash]
    if len(songs) != len(listed) or changed:
        raise SystemExit(f"the held-out songs in {data_dir / SAMPLE} differ from {HELDOUT_LIST}: {changed}")
    return songs
