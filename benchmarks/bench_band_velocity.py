# SPDX-License-Identifier: MIT
"""How loud and soft the band model's notes are at each velocity temperature (issue 13): the bundled
band_4bar sampled at its parts' default temperature 0.3 with its VEL classes at 0.3 ... 1.0
(models.band.VELOCITY_TEMPERATURE is chosen from these figures), against band_4bar windows of its
training music (the Freedoom band songs of ../shared/data/midi/multitrack).

Per velocity temperature, over 2 seeds of 64 samples each: distinct velocities per instrument and 4-bar
clip (drums, bass, the other pitched instruments), the per-instrument velocity spread (std / 127, the
report card's feature) with its Yang & Lerch overlap with the training music, the drums' spread, and
notes per bar (a warmer VEL class must not change how much is played).

    PYTHONPATH=. python -m benchmarks.run band_velocity     # figures into BENCHMARKS.md
    PYTHONPATH=. python -m benchmarks.bench_band_velocity   # the same as a table
"""

from __future__ import annotations

import numpy as np

from benchmarks.common import Figure
from engine.music.pattern import Pattern, Role, Track

TEMPERATURES = (0.3, 0.4, 0.5, 0.6, 0.7, 1.0)
PARTS = 0.3  # the bundled band_4bar's default for every part (its report card)
SEEDS = (3, 7)
SAMPLES = 64
WINDOWS = 256
COMMAND = "python -m benchmarks.run band_velocity"


def _part(track: Track) -> str:
    return "drums" if track.is_drum else "bass" if track.role == Role.BASS else "other"


def _figures(clips: list[Pattern]) -> dict[str, np.ndarray]:
    from engine.evaluation.metrics import drum_features, pitched_features

    pitched = [pitched_features(c)["pitched_velocity_spread"] for c in clips]
    drums = [drum_features(c)["velocity_spread"] for c in clips]
    played = [t for c in clips for t in c.tracks if len(t.notes) >= 2]
    out = {
        "pitched": np.array([x for x in pitched if np.isfinite(x)]),
        "drums": np.array([x for x in drums if np.isfinite(x)]),
        "distinct": np.array([len({n.velocity for n in t.notes}) for t in played], dtype=float),
        "notes_per_bar": np.array([c.note_count / max(c.bars, 1) for c in clips]),
    }
    for part in ("drums", "bass", "other"):
        out[f"distinct_{part}"] = np.array(
            [len({n.velocity for n in t.notes}) for t in played if _part(t) == part], dtype=float
        )
    return out


def measure() -> dict[str, list[dict[str, float]]]:
    """{"training music": [row], "velocity T=t": [row per seed]} with each row's mean figures."""
    import torch

    from engine.data.converters import CONVERTERS
    from engine.evaluation.metrics import overlap
    from engine.generation.generator import Generator
    from engine.midi.files import read_song
    from tests.realmusic import MIDI

    torch.set_num_threads(1)
    gen = Generator.load("band_4bar")
    conv = CONVERTERS["band_4bar"]
    files = sorted((MIDI / "multitrack" / "freedoom-freedoom").glob("*.mid"))
    windows = [w for f in files for seg in read_song(f).meter_segments for w in conv.windows(seg)]
    pick = np.random.default_rng(0).choice(len(windows), min(WINDOWS, len(windows)), replace=False)
    ref = _figures([windows[i] for i in pick])
    rows: dict[str, list[dict[str, float]]] = {
        "training music": [{k: float(v.mean()) for k, v in ref.items()}]
    }
    for seed in SEEDS:
        z = gen.runner.prior(SAMPLES, seed)
        for t in TEMPERATURES:
            temps = {"drums": PARTS, "bass": PARTS, "melody": PARTS, "velocity": t}
            got = _figures(list(gen.decode(z, temps, seed=seed + 4).clips))
            row = {k: float(v.mean()) for k, v in got.items()}
            for k in ("pitched", "drums"):
                o = overlap(ref[k][:, None], got[k][:, None])
                row[f"{k}_overlap"] = float(o.area) if o else float("nan")
            rows.setdefault(f"velocity T={t}", []).append(row)
    return rows


def run() -> list[Figure]:
    rows = measure()
    music = rows["training music"][0]
    note = f"bundled band_4bar, parts at {PARTS}, {SAMPLES} samples x seeds {SEEDS}; music: {WINDOWS} windows"
    what = "drums {:.1f}, bass {:.1f}, other {:.1f}; spread/127 pitched {:.3f}, drums {:.3f}".format(
        music["distinct_drums"],
        music["distinct_bass"],
        music["distinct_other"],
        music["pitched"],
        music["drums"],
    )
    out = [
        Figure("training music: distinct velocities per instrument and 4-bar window", (music["distinct"],),
               "", "reference", COMMAND, what),
    ]  # fmt: skip
    for name, runs in rows.items():
        if name == "training music":
            continue

        def vals(key: str, runs: list[dict[str, float]] = runs) -> tuple[float, ...]:
            return tuple(r[key] for r in runs)

        parts = "drums {:.1f}, bass {:.1f}, other {:.1f}".format(
            *(float(np.mean(vals(f"distinct_{p}"))) for p in ("drums", "bass", "other"))
        )
        out += [
            Figure(f"{name}: distinct velocities per instrument ({parts})", vals("distinct"), "",
                   f"about the music's {music['distinct']:.1f}", COMMAND, note),
            Figure(f"{name}: per-instrument velocity spread, overlap with the music", vals("pitched_overlap"),
                   "area", "highest", COMMAND, note),
            Figure(f"{name}: drums' velocity spread / 127", vals("drums"), "",
                   f"about the music's {music['drums']:.3f}", COMMAND, note),
            Figure(f"{name}: notes per bar", vals("notes_per_bar"), "", "as at T=0.3", COMMAND, note),
        ]  # fmt: skip
    return out


def main() -> None:
    rows = measure()
    print("| | distinct velocities per instrument (drums / bass / other) | velocity spread / 127 (pitched) "
          "| overlap | drums' spread | overlap | notes per bar |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for name, runs in rows.items():
        r = {k: float(np.mean([x.get(k, np.nan) for x in runs])) for k in runs[0]}
        print(
            f"| {name} | {r['distinct']:.1f} ({r['distinct_drums']:.1f} / {r['distinct_bass']:.1f} / "
            f"{r['distinct_other']:.1f}) | {r['pitched']:.3f} | {r.get('pitched_overlap', np.nan):.2f} | "
            f"{r['drums']:.3f} | {r.get('drums_overlap', np.nan):.2f} | {r['notes_per_bar']:.1f} |"
        )


if __name__ == "__main__":
    main()
