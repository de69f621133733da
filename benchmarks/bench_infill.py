# SPDX-License-Identifier: MIT
"""Whole-song complete and infill with the bundled models (issue 13): BachBot's test over the 4/4 chorales
of ../shared/data/midi (soprano removed, alto/tenor/bass in, a soprano out: its notes in the chorale's
key, bars with a note), how long whole-song complete and a 4-bar infill take on a CPU, and what share of
the notes in usable bars each config's examples keep (`prepare` coverage)."""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks.common import Figure

ROOT = Path(__file__).resolve().parent.parent
MIDI = ROOT.parent / "shared" / "data" / "midi"
CHORALES = sorted((MIDI / "bach_chorales").rglob("*.mid"))
BAND = MIDI / "multitrack/freedoom-freedoom/d_dm15.mid"
BEAT = MIDI / "drums/zharry29-drums-with-llm/drummer4/session1/4_latin-brazilian_92_beat_4-4.mid"
COMMAND = "python -m benchmarks.run infill"


def _bachbot() -> list[Figure]:
    from engine.generation.generator import Generator
    from engine.midi.files import read_clip
    from engine.midi.roles import with_roles
    from engine.music.keys import detect_key

    gen = Generator.load("multitrack_1bar")
    shares: dict[str, list[float]] = {"auto": [], "none": []}
    bars, seconds, names = [], [], []
    for path in CHORALES:
        chorale = read_clip(path)
        if chorale.meter_map or not chorale.meter.is_common_time:
            continue  # the 3/4 chorales: the models read 4/4 (issue 13's band model brings other meters)
        names.append(path.stem)
        key = detect_key(chorale)
        assert key is not None, f"{path.name}: no key found"
        song = chorale.with_tracks(with_roles([t for t in chorale.tracks if t.name != "Soprano"]))
        for mask in ("auto", "none"):
            t0 = time.perf_counter()
            done = gen.complete(song, "melody", seed=1, key="auto" if mask == "auto" else None).clip
            if mask == "auto":
                seconds.append(time.perf_counter() - t0)
            notes = [n for t in done.tracks[len(song.tracks) :] for n in t.notes]
            shares[mask].append(sum(key.contains(n.pitch) for n in notes) / max(len(notes), 1))
            if mask == "auto":
                bars.append(len({n.start // 16 for n in notes}) / chorale.bars)
    note = f"multitrack_1bar, seed 1, {len(names)} chorales in 4/4: {', '.join(names)}"
    return [
        Figure("BachBot: soprano notes in the chorale's key, --key auto", tuple(shares["auto"]), "share",
               ">= 0.9", COMMAND, note),
        Figure("BachBot: soprano notes in the chorale's key, no key mask", tuple(shares["none"]), "share",
               "reported", COMMAND, note),
        Figure("BachBot: chorale bars with a soprano note", tuple(bars), "share", "1.0", COMMAND, note),
        Figure("complete a chorale's soprano, every bar (multitrack_1bar, CPU)", tuple(seconds), "s",
               "< 60 s", COMMAND, note),
    ]  # fmt: skip


def _timings() -> list[Figure]:
    from engine.generation.generator import Generator
    from engine.midi.files import read_clip

    trio = Generator.load("trio_16bar")
    song, beat = read_clip(BAND), read_clip(BEAT)
    infill = []
    for seed in range(3):
        t0 = time.perf_counter()
        trio.infill(song, (9, 12), "bass,drums", seed=seed)
        infill.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    done = trio.complete(beat, "melody", seed=1)
    whole = time.perf_counter() - t0
    added = done.clip.note_count - beat.note_count
    return [
        Figure("infill bars 9-12 of bass and drums in a 37-bar band song (trio_16bar, CPU)", tuple(infill),
               "s", "< 60 s", COMMAND, "d_dm15.mid, seeds 0-2"),
        Figure(f"complete a melody for a 9-bar beat, every bar (trio_16bar, CPU; {added} notes)", (whole,),
               "s", "< 60 s", COMMAND, BEAT.name),
    ]  # fmt: skip


def _coverage() -> list[Figure]:
    from engine.data.dataset import prepare

    report = prepare(MIDI)
    return [
        Figure(f"prepare: notes in usable bars that {config}'s examples keep ({v.kept} of {v.notes})",
               (v.share,), "share", "reported", "python main.py prepare ../shared/data/midi",
               f"{len(report.files)} files of ../shared/data/midi")
        for config, v in report.coverage.items()
    ]  # fmt: skip


def run() -> list[Figure]:
    import torch

    torch.set_num_threads(1)  # generation at batch sizes of a few: one thread, as the app decodes
    return _bachbot() + _timings() + _coverage()
