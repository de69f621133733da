# SPDX-License-Identifier: MIT
"""Issue 13's second "done when" item, measured as a musician gets it: `python main.py train FOLDER
--config band_4bar` with its defaults (10 minutes; on a folder this small it fine-tunes the bundled
band_4bar, engine/training/start.py) on 15 Freedoom band songs, then

- chord share (engine.evaluation.metrics.chord_share: the share of pitched notes that start together with
  another note of the same instrument) of 32 sampled 4-bar clips at the model's own temperatures (its
  report card's recommendation) and at fixed temperatures, against the training music's windows;
- a Bach chorale (chor146, 4/4, 9 bars) with its soprano removed, completed with `--parts melody`, with
  complete's default key (the song's own, when it is clearly in one) and with `--key none`: the share of
  the written soprano's notes in the chorale's key (detect_key of all four voices) and the share
  of the chorale's bars it covers.

The 15 songs are the first 15 of ../shared/data/midi/multitrack/freedoom-freedoom in name order (the
ones tests/engine/generation/test_band.py uses); the other 8 are held out for the report card's folder.

    python -m benchmarks.run band_fit                           # train 10 minutes, then measure
    python -m benchmarks.bench_band_fit --model DIR             # measure a trained model (JSON)
BANDMATE_BENCH_BAND_FIT_MINUTES sets the training time (default 10, `main.py train`'s default).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.common import Figure

ROOT = Path(__file__).resolve().parent.parent
MIDI = ROOT.parent / "shared" / "data" / "midi"
FREEDOOM = MIDI / "multitrack" / "freedoom-freedoom"
CHORALE = MIDI / "bach_chorales" / "craigsapp-bach-370-chorales" / "chor146.mid"
MINUTES = float(os.environ.get("BANDMATE_BENCH_BAND_FIT_MINUTES", "10"))
CONFIG = "band_4bar"
TEMPERATURES = (0.3, 0.5, 0.7, 1.0)
SAMPLES = 32
COMMAND = "python -m benchmarks.run band_fit"


def songs() -> list[Path]:
    """The 15 training songs: the first 15 Freedoom songs in name order."""
    return sorted(FREEDOOM.glob("*.mid"))[:15]


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "songs"
        folder.mkdir()
        for path in songs():
            (folder / path.name).symlink_to(path)
        out = Path(tmp) / "model"
        cmd = [sys.executable, "main.py", "train", str(folder), "--config", CONFIG, "--out", str(out),
               "--minutes", f"{MINUTES:g}"]  # fmt: skip
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"main.py train failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
        start = next((line for line in proc.stdout.splitlines() if line.startswith("starting")), "")
        return figures(measure(out), start) + figures(measure(CONFIG), bundled=True)


def measure(model: Path | str) -> dict[str, Any]:
    """Chord shares and the chorale completion of one band model; JSON-able numbers."""
    from engine.data.converters import CONVERTERS
    from engine.evaluation.metrics import chord_share
    from engine.generation.generator import Generator
    from engine.midi.files import read_clip, read_song
    from engine.music.keys import detect_key
    from models.card import read_card

    gen = Generator.load(str(model))
    conv = CONVERTERS[CONFIG]
    windows = [w for f in songs() for seg in read_song(f).meter_segments for w in conv.windows(seg)]
    result: dict[str, Any] = {"music": chord_share(windows), "windows": len(windows)}
    result["default_temperatures"] = gen.temperatures
    result["default"] = chord_share(gen.sample(SAMPLES, seed=0).clips)
    for t in TEMPERATURES:
        result[f"t{t:g}"] = chord_share(gen.sample(SAMPLES, temperature=t, seed=0).clips)
    folder = Path(model)
    result["steps"] = read_card(folder).training.step if (folder / "model.json").is_file() else None
    chorale = read_clip(CHORALE)
    key = detect_key(chorale)
    if key is None:
        raise RuntimeError(f"{CHORALE.name}: no key detected")
    song = chorale.with_tracks([t for t in chorale.tracks if t.name != "Soprano"])
    starts = [int(s) for s in chorale.bar_starts()]
    for label, k in (("chorale", "none"), ("chorale_auto", "song")):
        done = gen.complete(song, "melody", seed=1, key=k).clip
        new = [n for t in done.tracks[len(song.tracks) :] for n in t.notes]
        bars = {sum(1 for s in starts if s <= n.start) for n in new}
        result[label] = {
            "notes": len(new),
            "in_key": sum(key.contains(n.pitch) for n in new) / len(new) if new else 0.0,
            "bars": len(bars) / chorale.bars,
        }
    result["key"] = str(key)
    return result


def figures(r: dict[str, Any], start: str = "", bundled: bool = False) -> list[Figure]:
    """The figures of one `measure`: the fine-tuned model's, or (`bundled`) the bundled band_4bar's as
    the baseline it starts from."""
    temps = ", ".join(f"{p} {t:g}" for p, t in sorted(r["default_temperatures"].items()))
    who = "the bundled band_4bar" if bundled else "band_4bar fit"
    trained = f"{MINUTES:g} min default train on 15 Freedoom songs, {r['steps']} steps"
    trained = (
        "the bundled model, before fine-tuning" if bundled else trained + (f"; {start}" if start else "")
    )
    out = [] if bundled else [
        Figure("band_4bar fit: chord share of the training music (15 Freedoom songs)", (r["music"],),
               "share", "recorded", COMMAND, note=f"{r['windows']} 4-bar windows"),
    ]  # fmt: skip
    note = f"{SAMPLES} clips at {temps}; {trained}"
    out.append(Figure(f"{who}: chord share of samples at the model's own temperatures", (r["default"],),
                      "share", "within 0.15 of the music's", COMMAND, note=note))  # fmt: skip
    for t in TEMPERATURES:
        out.append(Figure(f"{who}: chord share of samples at temperature {t:g}", (r[f"t{t:g}"],),
                          "share", "recorded", COMMAND, note=f"{SAMPLES} clips"))  # fmt: skip
    for label, how in (("chorale", "with --key none"), ("chorale_auto", "by default (the song's key)")):
        c = r[label]
        note = f"chor146 in {r['key']}, {c['notes']} notes, {100 * c['bars']:.0f}% of its bars covered"
        target = ">= 90%" if label == "chorale_auto" else "recorded"
        out.append(Figure(f"{who}: completed chorale soprano in key, {how}", (100 * c["in_key"],),
                          "%", target, COMMAND, note=note))  # fmt: skip
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_band_fit")
    parser.add_argument("--model", help="measure this model (a folder or bundled name) and print JSON")
    args = parser.parse_args(argv)
    if args.model:
        print(json.dumps(measure(args.model), indent=1))
    else:
        print(json.dumps([f"{f.name}: {f.summary:.4g} {f.unit}" for f in run()], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
