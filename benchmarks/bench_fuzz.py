# SPDX-License-Identifier: MIT
"""MIDI hardening: the fuzz run (tests/fuzz_midi.py: prepare, render and humanize over damaged copies
of the sample files) and the parser comparison behind keeping our own reader instead of symusic."""

from __future__ import annotations

import os
import time
from pathlib import Path

from benchmarks.common import Figure
from tests.fuzz_midi import MAX_GROWTH_MB, SAMPLES, corpus, run_fuzz

# BANDMATE_FUZZ_FILES runs a shorter slice (the full run costs about 0.25 CPU-s a file: 40-60 minutes with
# two workers on a busy 2-core machine); BANDMATE_FUZZ_WORKERS sets the worker processes
FUZZ_FILES = int(os.environ.get("BANDMATE_FUZZ_FILES", "10000"))
FUZZ_SEED, WORKERS = 0, int(os.environ.get("BANDMATE_FUZZ_WORKERS", "2"))
PARSER_CORPUS = 1000  # damaged copies each parser reads in the comparison
CMD = "python -m benchmarks.run fuzz"


def _time_parsers(blobs: list[bytes]) -> dict[str, tuple[float, int, int, dict[str, int]]]:
    """Per parser: seconds for all blobs, files read, files refused, exception types of the refusals."""
    import io

    import mido
    import pretty_midi
    import symusic

    from engine.midi.smf import MidiError, parse_smf

    parsers = {
        "ours (engine.midi.smf)": (lambda b: parse_smf(b), (MidiError,)),
        "symusic 0.6": (lambda b: symusic.Score.from_midi(b), (Exception,)),
        "mido": (lambda b: mido.MidiFile(file=io.BytesIO(b)), (Exception,)),
        "pretty_midi": (lambda b: pretty_midi.PrettyMIDI(io.BytesIO(b)), (Exception,)),
    }
    out = {}
    for name, (parse, errors) in parsers.items():
        read = refused = 0
        kinds: dict[str, int] = {}
        t0 = time.perf_counter()
        for blob in blobs:
            try:
                parse(blob)
                read += 1
            except errors as e:  # noqa: PERF203
                refused += 1
                kinds[type(e).__name__] = kinds.get(type(e).__name__, 0) + 1
        out[name] = (time.perf_counter() - t0, read, refused, kinds)
    return out


def _symusic_losses() -> dict[str, int]:
    """What symusic's Score cannot hold of the sample files: sysex and unknown meta events, and notes whose
    channel it forgets (a track is split by program, not kept per channel)."""
    import symusic

    from engine.midi.smf import parse_smf

    sysex = meta = 0
    for path in sorted(SAMPLES.rglob("*.mid")):
        for track in parse_smf(path.read_bytes()).tracks:
            for _, raw in track.events:
                sysex += raw[0] in (0xF0, 0xF7)
                meta += raw[0] == 0xFF and raw[1] not in (0x01, 0x03, 0x05, 0x06, 0x51, 0x58, 0x59)
        symusic.Score(str(path))
    return {"sysex events": sysex, "other meta events": meta}


def run() -> list[Figure]:
    files = sorted(SAMPLES.rglob("*.mid"))
    originals = [p.read_bytes() for p in files]
    damaged = [data for _, _, data in corpus(PARSER_CORPUS, 1)]
    figures = []
    for label, blobs in (
        (f"the {len(files)} sample files", originals),
        (f"{PARSER_CORPUS} damaged copies", damaged),
    ):
        for name, (seconds, read, refused, kinds) in _time_parsers(blobs).items():
            why = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
            figures.append(
                Figure(
                    f"parse {label}: {name}",
                    (seconds,),
                    "s",
                    command=CMD,
                    note=f"{read} read, {refused} refused" + (f" ({why})" if why else ""),
                )
            )
    losses = _symusic_losses()
    figures.append(
        Figure(
            "events of the sample files symusic's Score cannot hold",
            (float(sum(losses.values())),),
            "events",
            command=CMD,
            note=", ".join(f"{k} {v}" for k, v in losses.items()) + "; and it keeps no MIDI channel per note",
        )
    )
    report = run_fuzz(
        FUZZ_FILES, FUZZ_SEED, Path(__file__).resolve().parent.parent / "fuzz-failures", WORKERS
    )
    note = f"seed {FUZZ_SEED}; " + ", ".join(f"{k} {v}" for k, v in sorted(report.by_kind.items()))
    figures += [
        Figure(
            "fuzz: damaged files run through prepare, render, humanize",
            (float(report.files),),
            "files",
            command=CMD,
            note=note,
        ),
        Figure(
            "fuzz: tracebacks",
            (float(len(report.tracebacks)),),
            "files",
            "0",
            CMD,
            "; ".join(report.tracebacks[:3]),
        ),
        Figure(
            f"fuzz: hangs over {10} s",
            (float(len(report.hangs)),),
            "files",
            "0",
            CMD,
            "; ".join(report.hangs[:3]),
        ),
        Figure("fuzz: refusals that are not one line", (float(len(report.multi_line)),), "files", "0", CMD),
        Figure(
            "fuzz: slowest operation on one file",
            (report.slowest,),
            "s",
            "<= 10",
            CMD,
            report.slowest_at,
            stat="max",
        ),
        Figure(
            "fuzz: peak worker memory",
            (report.peak_mb,),
            "MB",
            "<= 1024",
            CMD,
            f"{report.start_mb:.0f} MB at the worker's start (torch, two models)",
            stat="max",
        ),
        Figure(
            "fuzz: worker memory growth over its start",
            (report.peak_mb - report.start_mb,),
            "MB",
            f"<= {MAX_GROWTH_MB:.0f}",
            CMD,
            stat="max",
        ),
    ]
    for op, counts in report.outcomes.items():
        figures.append(
            Figure(f"fuzz: {op} read (possibly salvaged)", (float(counts["read"]),), "files", command=CMD,
                   note=f"{counts['refused']} refused with a one-line reason")
        )  # fmt: skip
    figures.append(
        Figure("fuzz: whole run", (report.seconds,), "s", command=CMD, note=f"{WORKERS} worker processes")
    )
    return figures
