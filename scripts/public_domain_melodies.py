# SPDX-License-Identifier: MIT
"""Converts O'Neill's "Music of Ireland" (1903, public domain) from the music21 corpus to MIDI files.

Used only to rebuild the bundled mel_2bar model (scripts/build_bundled_models.sh); music21 is not a
dependency of the app. Usage: python scripts/public_domain_melodies.py OUT_DIR (needs `pip install music21`).
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(out: Path) -> int:
    from music21 import corpus

    out.mkdir(parents=True, exist_ok=True)
    written = 0
    for path in sorted(corpus.getComposer("oneills1850")):
        try:
            opus = corpus.parse(path)
        except Exception as exc:  # noqa: BLE001 - a bad ABC file is skipped, the rest converts
            print(f"skip {path}: {exc}", file=sys.stderr)
            continue
        for number, score in enumerate(getattr(opus, "scores", [opus])):
            target = out / f"oneills_{Path(path).stem}_{number:03d}.mid"
            try:
                score.write("midi", fp=str(target))
                written += 1
            except Exception as exc:  # noqa: BLE001
                print(f"skip {target.name}: {exc}", file=sys.stderr)
    print(f"wrote {written} MIDI files to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
