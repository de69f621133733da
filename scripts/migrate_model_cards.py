# SPDX-License-Identifier: MIT
"""Rewrites older model.json and report.json files (card versions 1-2, report versions 1-3) as the current.

Bandmate reads the older versions as they are; this makes a folder's files what the current release
writes (every key present; the gate statistics and the report's sample checks null until
scripts/measure_training_music.py measures them), e.g. for the bundled models. The weights are not
touched: the card keeps their sha256, and loading checks it.
Usage: python -m scripts.migrate_model_cards [MODEL_FOLDER ...] (default: every folder under
resources/models/).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from models.card import CARD, CARD_VERSION, read_card
from models.report import REPORT, REPORT_VERSION, read_report
from models.store import atomic_write

BUNDLED = Path(__file__).resolve().parent.parent / "resources" / "models"


def migrate(folder: Path) -> None:
    """Read both files (any version) and write them as the current version, atomically."""
    card = read_card(folder)
    atomic_write(folder / CARD, json.dumps(card.to_json(), indent=1).encode())
    if (folder / REPORT).is_file():
        report = read_report(folder / REPORT)
        atomic_write(folder / REPORT, (json.dumps(report.to_json(), indent=2) + "\n").encode())
    print(f"{folder}: model.json version {CARD_VERSION}, report.json version {REPORT_VERSION}")


def main(folders: list[str]) -> int:
    targets = [Path(f) for f in folders] or sorted(p for p in BUNDLED.iterdir() if (p / CARD).is_file())
    for folder in targets:
        migrate(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
