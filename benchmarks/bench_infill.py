# SPDX-License-Identifier: MIT
"""Whole-song complete and infill with the bundled models (issue 13): BachBot's test over the 4/4 chorales
of ../shared/data/midi (soprano removed, alto/tenor/bass in, a soprano out: its notes in the chorale's
key, bars with a note), how long whole-song complete and a 4-bar infill take on a CPU, and what share of
the notes in usable bars each config's examples keep (`prepare` coverage); the same with the bundled
band_4bar, in 3/4 too."""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks.common import Figure

ROOT = Path(__file__).resolve().parent.parent
MIDI = ROOT.parent / "shared" / "data" / "midi"
CHORALES = sorted((MIDI / "bach_chorales").rglob("*.mid"))
BAND = MIDI / "multitrack/freedoom-freedoom/d_dm15.mid"
WALTZ = MIDI / "multitrack/freedoom-freedoom/d_dm27.mid"  # all in 3/4
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


def _band() -> list[Figure]:
    """The bundled band_4bar: a removed bass written back for every bar of a 37-bar song, a 4-bar infill,
    drums for a 3/4 song, and BachBot's test over every chorale (3/4 ones too: the band models read them),
    its new top line above the alto."""
    from engine.generation.generator import Generator
    from engine.midi.files import read_clip
    from engine.music.keys import detect_key
    from engine.music.pattern import Role

    gen = Generator.load("band_4bar")

    def bars(song_: object, notes: list) -> float:
        starts = song_.bar_starts()  # type: ignore[attr-defined]
        return len({sum(1 for s in starts if s <= n.start) for n in notes}) / len(starts)

    song = read_clip(BAND)
    no_bass = song.with_tracks([t for t in song.tracks if t.role != Role.BASS])
    t0 = time.perf_counter()
    done = gen.complete(no_bass, "bass", seed=1).clip
    whole = time.perf_counter() - t0
    bass = [n for t in done.tracks[len(no_bass.tracks) :] for n in t.notes]
    infill = []
    for seed in range(3):
        t0 = time.perf_counter()
        gen.infill(song, (9, 12), "bass,drums", seed=seed)
        infill.append(time.perf_counter() - t0)
    waltz = read_clip(WALTZ)
    waltz = waltz.slice(0, int(waltz.bar_starts()[16]))
    no_drums = waltz.with_tracks([t for t in waltz.tracks if not t.is_drum])
    t0 = time.perf_counter()
    drums = [
        n
        for t in gen.complete(no_drums, "drums", seed=1).clip.tracks[len(no_drums.tracks) :]
        for n in t.notes
    ]
    waltz_s = time.perf_counter() - t0
    shares: dict[str, list[float]] = {"auto": [], "none": []}
    covered, above, names = [], [], []
    for path in CHORALES:
        chorale = read_clip(path)
        key = detect_key(chorale)
        assert key is not None, f"{path.name}: no key found"
        names.append(f"{path.stem} ({chorale.meter})")
        sung = chorale.with_tracks([t for t in chorale.tracks if t.name != "Soprano"])
        alto = sorted(n.pitch for t in sung.tracks if t.name == "Alto" for n in t.notes)
        for mask in ("auto", "none"):
            out = gen.complete(sung, "melody", seed=1, key="auto" if mask == "auto" else None).clip
            notes = [n for t in out.tracks[len(sung.tracks) :] for n in t.notes]
            shares[mask].append(sum(key.contains(n.pitch) for n in notes) / max(len(notes), 1))
            if mask == "auto":
                covered.append(bars(chorale, notes))
                above.append(sum(n.pitch >= alto[len(alto) // 2] for n in notes) / max(len(notes), 1))
    note = f"band_4bar, seed 1, {len(names)} chorales: {', '.join(names)}"
    return [
        Figure(f"band_4bar: complete a removed bass, every bar of a 37-bar band song (CPU; {len(bass)} "
               "notes)", (whole,), "s", "< 120 s", COMMAND, BAND.name),
        Figure("band_4bar: bars of that song with a written bass note", (bars(song, bass),), "share",
               "1.0", COMMAND, BAND.name),
        Figure("band_4bar: infill bars 9-12 of bass and drums in a 37-bar band song (CPU)", tuple(infill),
               "s", "< 60 s", COMMAND, "d_dm15.mid, seeds 0-2"),
        Figure(f"band_4bar: complete drums for 16 bars of a song in 3/4 (CPU; {len(drums)} notes)",
               (waltz_s,), "s", "< 60 s", COMMAND, WALTZ.name),
        Figure("band_4bar: bars of the 3/4 song with a written drum note", (bars(no_drums, drums),),
               "share", "1.0", COMMAND, WALTZ.name),
        Figure("BachBot (band_4bar): soprano notes in the chorale's key, --key auto", tuple(shares["auto"]),
               "share", ">= 0.9", COMMAND, note),
        Figure("BachBot (band_4bar): soprano notes in the chorale's key, no key mask",
               tuple(shares["none"]), "share", "reported", COMMAND, note),
        Figure("BachBot (band_4bar): chorale bars with a soprano note", tuple(covered), "share", "1.0",
               COMMAND, note),
        Figure("BachBot (band_4bar): soprano notes at or above the alto's median", tuple(above), "share",
               "1.0", COMMAND, note),
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
    return _bachbot() + _timings() + _band() + _coverage()
