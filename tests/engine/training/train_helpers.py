"""Small real-file folders for training tests (a handful of files keeps parsing and training quick)."""

from __future__ import annotations

import shutil
from pathlib import Path

DRUM_FILES = (
    "drums/zharry29-drums-with-llm/drummer3/session2/31_hiphop_92_beat_4-4.mid",
    "drums/zharry29-drums-with-llm/drummer3/session2/32_hiphop_92_beat_4-4.mid",
    "drums/zharry29-drums-with-llm/drummer3/session1/16_jazz_120_beat_4-4.mid",
    "drums/zharry29-drums-with-llm/drummer4/session1/4_latin-brazilian_92_beat_4-4.mid",
)


def copy_files(midi_dir: Path, names: tuple[str, ...], dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(midi_dir / name, dest / Path(name).name)
    return dest
