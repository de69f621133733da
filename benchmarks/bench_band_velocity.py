# SPDX-License-Identifier: MIT
"""How loud and soft the band model's notes are at each velocity temperature (issue 13): the bundled
band_4bar sampled at its parts' default temperature 0.3 with the VEL classes at 0.3 ... 1.2, against the
band_4bar windows of its training music (the Freedoom band songs of ../shared/data/midi/multitrack).

Per temperature: the per-instrument velocity spread (std / 127, the report card's feature) and its
Yang & Lerch overlap with the training music, the drums' spread and overlap, distinct velocities per
instrument and clip, and notes per bar (a warmer VEL class must not change how much is played).

    PYTHONPATH=. python -m benchmarks.bench_band_velocity [--samples 64]
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import torch

from engine.data.converters import CONVERTERS
from engine.evaluation.metrics import drum_features, overlap, pitched_features
from engine.generation.generator import Generator
from engine.midi.files import read_song
from engine.music.pattern import Pattern, Role, Track
from tests.realmusic import MIDI

TEMPERATURES = (0.3, 0.4, 0.5, 0.6, 0.7, 1.0)
PARTS = 0.3  # the bundled band_4bar's default for every part (its report card)


def _figures(clips: list[Pattern]) -> dict[str, np.ndarray]:
    pitched = [pitched_features(c)["pitched_velocity_spread"] for c in clips]
    drums = [drum_features(c)["velocity_spread"] for c in clips]
    played = [t for c in clips for t in c.tracks if len(t.notes) >= 2]
    distinct = [len({n.velocity for n in t.notes}) for t in played]
    by_part = {
        part: np.array([len({n.velocity for n in t.notes}) for t in played if _part(t) == part], dtype=float)
        for part in ("drums", "bass", "other")
    }
    notes = [c.note_count / max(c.bars, 1) for c in clips]
    return {
        "pitched": np.array([x for x in pitched if np.isfinite(x)]),
        "drums": np.array([x for x in drums if np.isfinite(x)]),
        "distinct": np.array(distinct, dtype=np.float64),
        "notes_per_bar": np.array(notes),
        **{f"distinct_{p}": v for p, v in by_part.items()},
    }


def _part(track: Track) -> str:
    return "drums" if track.is_drum else "bass" if track.role == Role.BASS else "other"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=64)
    ap.add_argument("--windows", type=int, default=256)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    torch.set_num_threads(1)
    gen = Generator.load("band_4bar")
    conv = CONVERTERS["band_4bar"]
    files = sorted((MIDI / "multitrack" / "freedoom-freedoom").glob("*.mid"))
    windows = [w for f in files for seg in read_song(f).meter_segments for w in conv.windows(seg)]
    rng = np.random.default_rng(0)
    real = [windows[i] for i in rng.choice(len(windows), min(args.windows, len(windows)), replace=False)]
    ref = _figures(real)
    rows = {"training music": {k: float(v.mean()) for k, v in ref.items()}}
    z = gen.runner.prior(args.samples, args.seed)
    for t in TEMPERATURES:
        temps = {"drums": PARTS, "bass": PARTS, "melody": PARTS, "velocity": t}
        clips = list(gen.decode(z, temps, seed=args.seed + 4).clips)
        got = _figures(clips)
        row = {k: float(v.mean()) for k, v in got.items()}
        for k in ("pitched", "drums"):
            o = overlap(ref[k][:, None], got[k][:, None])
            row[f"{k}_overlap"] = float(o.area) if o else float("nan")
        rows[f"velocity T={t}"] = row
    print(
        "| | velocity spread / 127 (pitched) | overlap | drums spread | overlap | distinct velocities per "
        "instrument (drums / bass / other) | notes per bar |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, r in rows.items():
        print(
            f"| {name} | {r['pitched']:.3f} | {r.get('pitched_overlap', np.nan):.2f} | {r['drums']:.3f} "
            f"| {r.get('drums_overlap', np.nan):.2f} | {r['distinct']:.1f} ({r['distinct_drums']:.1f} / "
            f"{r['distinct_bass']:.1f} / {r['distinct_other']:.1f}) | {r['notes_per_bar']:.1f} |"
        )
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
