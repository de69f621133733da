# SPDX-License-Identifier: MIT
"""CORPUS.md: a plain description of one corpus for the model folder (music, amounts, licences)."""

from __future__ import annotations

from typing import Any

from scripts.corpus.sources import SOURCES, note_for

PURPOSE = {
    "drums": "drum grooves for drums_2bar (and the drums of larger configs)",
    "melody": "single-line melodies for mel_2bar",
    "trio": "melody, bass and drums for trio_16bar",
    "band": "songs of up to 8 instruments in their real meters, and real drummers' kits (the Groove MIDI "
    "Dataset), for the band configs and multitrack_1bar",
    "heldout-band": "the 15 held-out Freedoom songs: the unseen band folder of the fine-tuning benchmark, "
    "never trained on",
}
MMA_NOTE = (
    "Accompaniment marked mma was rendered by Debian's `mma` from its style library, which is GPL-2+. "
    "Treat those rendered files as GPL-2+ material: keep them under that licence if you pass them on. "
    "A model trained on them holds no copy of them; its licence note names mma all the same."
)


def corpus_md(data: dict[str, Any]) -> str:
    """The text of CORPUS.md for a corpus.json object."""
    t = data["totals"]
    lines = [
        f"# Corpus `{data['corpus']}`",
        "",
        f"What it is for: {PURPOSE.get(data['corpus'], data['corpus'])}.",
        f"{t['files']} MIDI files, {t['bars']:,} bars, {t['hours']} hours, {t['notes']:,} notes. Meters "
        f"(files): {', '.join(f'{m} {n}' for m, n in t['files_per_meter'].items())}.",
        "",
        "| source | files | bars | hours | weight | weighted share of bars | rule-made |",
        "|---|---|---|---|---|---|---|",
    ]
    for key, s in t["sources"].items():
        made = "yes" if SOURCES[key].synthetic else "no"
        lines.append(
            f"| {SOURCES[key].title} | {s['files']} | {s['bars']:,} | {s['seconds'] / 3600:.2f} "
            f"| {s['weight']} | {s['weighted_bar_share']:.0%} | {made} |"
        )
    lines += [
        "",
        "Weight is the per-file sampling weight the trainer honours: real music 1.0, rule-made material "
        f"0.3 (POP909 without drums in the trio corpus 0.5). Rule-made material is "
        f"{t['synthetic_weighted_bar_share']:.0%} of the weighted bars.",
        "",
        "## Licences and attributions to keep",
        "",
        *(note_for(key) for key in t["sources"]),
    ]
    if any(SOURCES[k].synthetic and k.startswith(("mma", "openewld+")) for k in t["sources"]):
        lines += ["", MMA_NOTE]
    lines += [
        "",
        "## How it was made",
        "",
        *(f"- {k}: {v}" for k, v in data.get("built_with", {}).items()),
        f"- Held out everywhere: the 15 Freedoom songs of scripts/corpus/heldout_band.txt (matched by "
        f"their notes). {len(data['skipped'])} candidate files were left out; corpus.json says why.",
        "- Rebuild: `python -m scripts.corpus build "
        f"{data['corpus']}` (deterministic: sorted inputs, fixed seeds).",
        "",
    ]
    return "\n".join(lines)
