# SPDX-License-Identifier: MIT
"""`python -m scripts.corpus build [NAME...] [--out DIR] [--data DIR]` and `python -m scripts.corpus heldout`.

A script, not part of the app: it uses argparse here as the other scripts use sys.argv.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from scripts.corpus import freedoom
from scripts.corpus.corpora import CORPORA, Sources
from scripts.corpus.writer import CorpusWriter

PINNED = {"mma": "21.09-1", "freedoom": "0.12.1-2", "freedm": "0.12.1-2"}  # Debian bookworm
REPO = Path(__file__).resolve().parents[2]


def default_out() -> Path:
    cache = os.environ.get("BANDMATE_CACHE_DIR") or Path.home() / ".cache" / "bandmate"
    return Path(cache) / "corpora"


def default_data() -> Path:
    return Path(os.environ.get("DATA_DIR") or REPO.parent / "shared" / "data")


def debian_versions() -> dict[str, str]:
    """Installed versions of the pinned Debian packages ("missing" where not installed)."""
    done = subprocess.run(
        ["dpkg-query", "-W", "-f=${Package} ${Version}\\n", *PINNED],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    found = dict(line.split(" ", 1) for line in done.stdout.splitlines() if " " in line)
    return {name: found.get(name, "missing") for name in PINNED}


def built_with(data: Path) -> dict[str, str]:
    from scripts.corpus.scores import music21

    versions = debian_versions()
    return {
        "data": str(data),
        "Debian packages": ", ".join(f"{k} {v}" for k, v in versions.items()),
        "music21": music21().__version__,
        "python": platform.python_version(),
    }


def build(names: list[str], out: Path, data: Path) -> int:
    versions = debian_versions()
    off = {k: v for k, v in versions.items() if v != PINNED[k]}
    if off:
        print(f"corpus: Debian packages differ from the pinned {PINNED}: {off}; run `make corpora`")
    sources, about = Sources(data), {"built_with": built_with(data)}
    for name in names:
        started = time.perf_counter()
        heldout = None if name == "heldout-band" else sources.heldout
        writer = CorpusWriter(out, name, heldout, about)
        CORPORA[name](writer, sources)
        result = writer.finish()
        t = result["totals"]
        print(
            f"{name}: {t['files']} files, {t['bars']:,} bars, {t['hours']} h, {len(result['skipped'])} "
            f"skipped, {time.perf_counter() - started:.0f} s -> {writer.folder}",
            flush=True,
        )
    for note in sources.notes:
        print(f"  note: {note}")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m scripts.corpus", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build corpora (all when no NAME is given)")
    b.add_argument("names", nargs="*", metavar="NAME", help=", ".join(CORPORA))
    b.add_argument("--out", type=Path, default=None, help="default $BANDMATE_CACHE_DIR/corpora")
    b.add_argument("--data", type=Path, default=None, help="default $DATA_DIR or ../shared/data")
    h = sub.add_parser("heldout", help="rewrite scripts/corpus/heldout_band.txt by the fixed rule")
    h.add_argument("--data", type=Path, default=None)
    args = p.parse_args(argv)
    data = args.data or default_data()
    if args.command == "heldout":
        wad, _ = freedoom.wad_songs()
        freedoom.HELDOUT_LIST.write_text(freedoom.heldout_text(freedoom.sample_songs(data), wad))
        print(f"wrote {freedoom.HELDOUT_LIST}")
        return 0
    unknown = [n for n in args.names if n not in CORPORA]
    if unknown:
        p.error(f"unknown corpus {', '.join(unknown)}; choose from {', '.join(CORPORA)}")
    return build(args.names or list(CORPORA), args.out or default_out(), data)


if __name__ == "__main__":
    sys.exit(main())
