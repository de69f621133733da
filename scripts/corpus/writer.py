# SPDX-License-Identifier: MIT
"""One corpus folder being written: .mid files, duplicate and held-out checks, corpus.json, CORPUS.md."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

from scripts.corpus.describe import corpus_md
from scripts.corpus.freedoom import Heldout
from scripts.corpus.piece import Piece, bars, meters_of, note_hash, seconds, write_midi
from scripts.corpus.sources import SOURCES


class CorpusWriter:
    """Adds pieces to OUT/<name>/<file>, each once (by notes), none of them a held-out song.

    `corpus.json` lists per file its source, licence, weight, meters, duration, bars and notes, what was
    skipped and why, and totals per source.
    """

    def __init__(self, out: Path, name: str, heldout: Heldout | None, about: dict[str, Any]) -> None:
        self.folder, self.name, self.heldout, self.about = out / name, name, heldout, about
        if self.folder.exists():
            shutil.rmtree(self.folder)  # a rebuild starts clean: no stale files from an older rule
        self.folder.mkdir(parents=True)
        self.files: list[dict[str, Any]] = []
        self.skipped: list[dict[str, str]] = []
        self.hashes: dict[str, str] = {}
        self.started = time.perf_counter()

    def add(self, file: str, source: str, weight: float, piece: Piece, origin: str = "") -> bool:
        """Write `piece` as `file` unless it has no notes, repeats a file already in, or is held out."""
        if not piece.note_count:
            return self.skip(file, source, "no notes")
        key = note_hash(piece)
        if key in self.hashes:
            return self.skip(file, source, f"the same notes as {self.hashes[key]}")
        held = self.heldout.match(piece, key) if self.heldout else None
        if held:
            return self.skip(file, source, f"held out: the same music as {held}")
        try:
            data = write_midi(piece)
        except ValueError as exc:  # mido refuses what MIDI cannot say, e.g. a 3/3 meter
            return self.skip(file, source, f"cannot be written as MIDI ({exc})")
        self.hashes[key] = file
        self.write(file, data)
        self.files.append(
            {
                "file": file, "source": source, "licence": SOURCES[source].licence, "weight": weight,
                "synthetic": SOURCES[source].synthetic, "meters": meters_of(piece),
                "seconds": round(seconds(piece), 2), "bars": bars(piece), "notes": piece.note_count,
                "instruments": len(piece.parts), "hash": key, "origin": origin,
            }
        )  # fmt: skip
        return True

    def write(self, file: str, data: bytes) -> None:
        target = self.folder / file
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    def skip(self, file: str, source: str, reason: str) -> bool:
        self.skipped.append({"file": file, "source": source, "reason": reason})
        return False

    def finish(self) -> dict[str, Any]:
        """Write corpus.json and CORPUS.md; returns the corpus.json object."""
        data = {
            "corpus": self.name,
            **self.about,
            "build_seconds": round(time.perf_counter() - self.started, 1),
            "totals": totals(self.files),
            "files": self.files,
            "skipped": self.skipped,
        }
        (self.folder / "corpus.json").write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
        (self.folder / "CORPUS.md").write_text(corpus_md(data))
        return data


def totals(files: list[dict[str, Any]]) -> dict[str, Any]:
    """Files, bars, hours and notes overall and per source, with each source's share of weighted bars."""
    per: dict[str, dict[str, Any]] = {}
    for f in files:
        s = per.setdefault(f["source"], {"files": 0, "bars": 0, "seconds": 0.0, "notes": 0, "weight": 0.0})
        s["files"] += 1
        s["bars"] += f["bars"]
        s["seconds"] += f["seconds"]
        s["notes"] += f["notes"]
        s["weight"] = max(s["weight"], f["weight"])
    weighted = {k: sum(f["bars"] * f["weight"] for f in files if f["source"] == k) for k in per}
    whole = sum(weighted.values()) or 1.0
    for key, s in per.items():
        s["seconds"] = round(s["seconds"], 1)
        s["weighted_bar_share"] = round(weighted[key] / whole, 3)
    meters: dict[str, int] = {}
    for f in files:
        for m in f["meters"]:
            meters[m] = meters.get(m, 0) + 1
    return {
        "files": len(files),
        "bars": sum(f["bars"] for f in files),
        "hours": round(sum(f["seconds"] for f in files) / 3600, 2),
        "notes": sum(f["notes"] for f in files),
        "synthetic_weighted_bar_share": round(
            sum(f["bars"] * f["weight"] for f in files if f["synthetic"]) / whole, 3
        ),
        "files_per_meter": dict(sorted(meters.items(), key=lambda kv: -kv[1])),
        "sources": per,
    }
