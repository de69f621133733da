# SPDX-License-Identifier: MIT
"""Copies freshly trained models into resources/models/<config>/ as slim bundled models.

Only the best weights are kept (no optimizer state, no older checkpoints), local paths are dropped from
model.json and the index of training bars, and a licence note naming the training data is written beside
each model.
Usage: python -m scripts.install_bundled WORK_DIR resources/models
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import sys
from pathlib import Path

from engine.data.bar_index import read_index, write_index
from models.card import ModelCard, read_card

BAND_NOTE = (
    "the `band` corpus of scripts/corpus (CORPUS.md beside this note): the Freedoom project's music "
    "(freedoom/freedoom, BSD-3-Clause); POP909 (Wang et al., ISMIR 2020, MIT); J. S. Bach's four-part "
    "chorales (public domain; music21 corpus encodings); OpenEWLD lead sheets (public domain melodies and "
    "chord symbols) with bass, drums and comping rendered by Musical MIDI Accompaniment (mma, Bob van der "
    "Poel) from its GPL-2+ style library. The model holds no copy of the rendered accompaniment; its note "
    "names mma all the same. The 15 songs of scripts/corpus/heldout_band.txt were never trained on"
)
MELODY_NOTE = (
    "the `melody` corpus of scripts/corpus (CORPUS.md beside this note): OpenEWLD lead sheets (public "
    "domain melodies; Federico Simonetta's OpenEWLD, MIT); O'Neill's Music of Ireland (1903), Ryan's "
    "Mammoth Collection (1883) and Aird's Selection (1778-1803), public domain, ABC encodings from the "
    "music21 corpus; POP909 melodies (Wang et al., ISMIR 2020, MIT)"
)
GROOVE_NOTE = (
    "the Groove MIDI Dataset v1.0.0 train split (Gillick, Roberts, Engel, Eck, Bamman, "
    '"Learning to Groove with Inverse Sequence Transformations", ICML 2019), licensed CC BY 4.0'
)
DATA_NOTES = {
    "drums_2bar": GROOVE_NOTE,
    "mel_2bar": MELODY_NOTE,
    "trio_16bar": "the `trio` corpus of scripts/corpus (CORPUS.md beside this note): the Freedoom project's "
    "music (freedoom/freedoom, BSD-3-Clause); POP909 (Wang et al., ISMIR 2020, MIT); OpenEWLD lead sheets "
    "(public domain melodies and chord symbols) with bass, drums and comping rendered by Musical MIDI "
    "Accompaniment (mma, Bob van der Poel) from its GPL-2+ style library. The model holds no copy of the "
    "rendered accompaniment; its note names mma all the same",
    "multitrack_1bar": BAND_NOTE,  # trained before the `band` corpus took in the Groove MIDI Dataset
    "band_4bar": f"{BAND_NOTE}; and {GROOVE_NOTE}",
}


def _scrub(value: object) -> object:
    """Drop absolute local paths (they name the build machine, not anything a user has)."""
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    if isinstance(value, str) and value.startswith("/"):
        return Path(value).name
    return value


def install(src: Path, dst: Path, config: str) -> None:
    card = read_card(src)
    best = card.best or card.checkpoints[-1]
    entry = dataclasses.replace(best, weights="best.safetensors", optimizer=None, optimizer_sha256=None)
    if dst.exists():
        shutil.rmtree(dst)
    dst.mkdir(parents=True)
    shutil.copyfile(src / best.weights, dst / "best.safetensors")
    # a bundled model is a base, whatever runs built it (resources/models/README.md says which): no
    # "fine-tuned from" in its card or its report card's verdict
    slim = dataclasses.replace(card, checkpoints=(entry,), best=entry, name=config, fine_tuned_from=None)
    plain = ModelCard.from_json(_scrub(slim.to_json())).to_json()  # still a valid card without the paths
    (dst / "model.json").write_text(json.dumps(plain, indent=1))
    if (src / "report.json").is_file():  # the report card under the bundled name
        from engine.evaluation.evaluate import write_report
        from engine.evaluation.report import with_verdict
        from models.report import read_report

        write_report(dst, with_verdict(dataclasses.replace(read_report(src / "report.json"), model=config)))
    corpus = Path(card.data.folder) / "CORPUS.md"  # a corpus of scripts/corpus describes itself
    if corpus.is_file():
        shutil.copyfile(corpus, dst / "CORPUS.md")
    index = read_index(src, config)  # the copy check's training bars, with file names only
    if index is None and Path(card.data.folder).is_dir():
        # training skips the index for folders over MAX_INDEX_FILES (a corpus); a bundled base model
        # needs it for its copy check, so build it here from the folder's training files
        from engine.data.bar_index import build_index
        from engine.data.dataset import scan_folder

        held = {Path(f).name for f in card.data.heldout_files}
        files = [f for f in scan_folder(card.data.folder) if f.name not in held]
        print(f"{config}: indexing the bars of {len(files)} training files for the copy check")
        index = build_index(files, config, card.data.transposed)
    if index is not None:
        write_index(dst, dataclasses.replace(index, files=tuple(Path(f).name for f in index.files)))
    (dst / "LICENSE.md").write_text(
        f"# {config}: licence note\n\nBundled Bandmate model trained on {DATA_NOTES[config]}.\n"
        "The weights are distributed under the same terms as that training data; keep this attribution.\n"
        "Rebuild it with `bash scripts/build_bundled_models.sh`.\n"
    )
    size = sum(p.stat().st_size for p in dst.iterdir()) / 2**20
    print(f"{config}: {size:.1f} MiB in {dst}")


def main(work: Path, target: Path) -> int:
    for config in DATA_NOTES:
        if (work / config / "model.json").is_file():
            install(work / config, target / config, config)
        else:
            print(f"{config}: not trained in {work}, left as it was", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
