# SPDX-License-Identifier: MIT
"""Fuzzing MIDI in and out: mutate real files and run prepare, render and humanize over each copy.

Mutations: bit flips, truncation, header fields, chunk lengths, delta-times, running status, meta lengths,
huge counts. Each copy runs in a worker process (restarted after a hang): every outcome must be a read
(possibly with notices) or a one-line refusal, never a traceback; each operation (as the musician runs
each command on its own) within HANG_SECONDS, the worker's memory growing by at most MAX_GROWTH_MB over
its start (torch and two models; that start depends on the torch build: a CUDA wheel maps ~300 MB more).
`python -m tests.fuzz_midi N [SEED [WORKERS]]` prints the counts; tests run a small fixed-seed slice and
`python -m benchmarks.run fuzz` the full run. It lives with the tests, which run it, and the benchmarks
import it (benchmarks -> tests, never the other way).
"""

from __future__ import annotations

import json
import os
import random
import resource
import struct
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT.parent / "shared" / "data" / "midi"
HANG_SECONDS = 10.0
MAX_GROWTH_MB = 768.0
KINDS = (
    "bit flips",
    "truncation",
    "header",
    "chunk length",
    "delta time",
    "running status",
    "meta length",
    "huge count",
)


def _chunks(data: bytes) -> list[tuple[int, int]]:
    """(offset of the chunk header, body length) of every MTrk chunk found by its tag."""
    out, at = [], data.find(b"MTrk")
    while at >= 0 and at + 8 <= len(data):
        out.append((at, struct.unpack(">I", data[at + 4 : at + 8])[0]))
        at = data.find(b"MTrk", at + 4)
    return out


def _body_pos(data: bytes, rng: random.Random) -> int:
    chunks = _chunks(data)
    if not chunks:
        return rng.randrange(len(data))
    at, length = rng.choice(chunks)
    return min(at + 8 + rng.randrange(max(length, 1)), len(data) - 1)


def mutate(data: bytes, rng: random.Random, kind: str) -> bytes:  # noqa: C901 - one branch per kind
    """One damaged copy of a file's bytes."""
    out = bytearray(data)
    if kind == "bit flips":
        for _ in range(rng.randint(1, 8)):
            at = _body_pos(data, rng) if rng.random() < 0.9 else rng.randrange(len(out))
            out[at] ^= 1 << rng.randrange(8)
    elif kind == "truncation":
        del out[rng.randrange(1, len(out)) :]
    elif kind == "header":
        field_at = rng.choice((8, 10, 12, 4))  # format, track count, division, header length
        value = rng.choice((0, 1, 2, 3, 0x7FFF, 0x8000 | rng.randrange(0x7FFF), 0xFFFF, rng.randrange(65536)))
        out[field_at : field_at + 2] = struct.pack(">H", value) if field_at != 4 else out[4:6]
        if field_at == 4:
            out[4:8] = struct.pack(">I", rng.choice((0, 5, 7, 100, 0xFFFFFFFF)))
    elif kind == "chunk length" and _chunks(data):
        at, length = rng.choice(_chunks(data))
        value = rng.choice(
            (0, 1, length - 1, length + 1, length * 2, 0x7FFFFFFF, 0xFFFFFFFF, rng.randrange(1 << 32))
        )
        out[at + 4 : at + 8] = struct.pack(">I", max(value, 0) & 0xFFFFFFFF)
    elif kind == "delta time":
        at = _body_pos(data, rng)
        out[at : at + 1] = rng.choice(
            (b"\xff\xff\xff\x7f", b"\x8f\xff\xff\xff\xff", b"\x80\x80\x80\x80\x80", b"\x83\x60")
        )
    elif kind == "running status":
        at = _body_pos(data, rng)
        while at < len(out) and not 0x80 <= out[at] < 0xF0:
            at += 1
        if at < len(out):
            del out[at]  # a status byte gone: the data that follows runs on the previous status
    elif kind == "meta length":
        metas = [i for i in range(len(data) - 2) if data[i] == 0xFF and data[i + 1] < 0x80]
        if metas:
            at = rng.choice(metas) + 2
            out[at : at + 1] = rng.choice(
                (b"\x00", b"\x7f", b"\x8f\xff\xff\x7f", bytes([rng.randrange(128)]))
            )
    elif kind == "huge count":
        choice = rng.randrange(3)
        if choice == 0:
            out[10:12] = b"\xff\xff"  # 65535 tracks announced
        elif choice == 1 and _chunks(data):
            at, length = _chunks(data)[-1]
            notes = b"\x00\x90\x3c\x40\x00\x3c\x00" * rng.choice((1000, 40000, 200000))
            out[at + 8 : at + 8] = notes
            out[at + 4 : at + 8] = struct.pack(">I", length + len(notes))
        else:
            at = _body_pos(data, rng)
            out[at:at] = (b"\x8f\xff\xff\x7f\xff\x01\x00") * rng.randint(1, 40)  # far delta times
    return bytes(out)


def corpus(n: int, seed: int, folder: Path = SAMPLES) -> list[tuple[str, str, bytes]]:
    """n damaged copies (source name, mutation kind, bytes) of the sample files, the same for a seed."""
    files = sorted(folder.rglob("*.mid"))
    rng = random.Random(seed)
    out = []
    for i in range(n):
        path = files[i % len(files)]
        kind = KINDS[(i // len(files)) % len(KINDS)] if n >= len(files) * len(KINDS) else rng.choice(KINDS)
        out.append((path.name, kind, mutate(path.read_bytes(), rng, kind)))
    return out


# ---- the worker: runs prepare, render and humanize on one file -------------------------------------
class _Worker:
    def __init__(self) -> None:
        from engine.generation.generator import Generator
        from synth.fluid_render import keep_synths
        from synth.soundfont import find_soundfont

        self.soundfont = find_soundfont()
        self.models = {name: Generator.load(name) for name in ("drums_2bar", "mel_2bar")}
        keep_synths()  # the soundfont is loaded once, not for every file (0.15 s each)

    def run(self, path: Path) -> dict:
        from engine.data.dataset import song_arrays
        from engine.generation.fit import GenerationError
        from engine.midi.files import MidiError, read_clip, read_song
        from engine.midi.writer import midi_bytes
        from engine.playback.timeline import TimelineError
        from synth.fluid_render import render_audio, write_wav

        out: dict = {}
        t0 = time.perf_counter()
        try:
            song = read_song(path)
            for config in ("mel_2bar", "drums_2bar", "trio_16bar", "multitrack_1bar"):
                song_arrays(song, config)
            out["prepare"] = "read"
        except MidiError as e:
            out["prepare"] = f"refused: {e}"
        t1 = time.perf_counter()
        try:  # a preview of the first 2 s (as the app's), through FluidSynth to a WAV file
            audio, _ = render_audio(path, self.soundfont, 8000, limit=2.0)
            write_wav(path.with_suffix(".wav"), audio, 8000)
            path.with_suffix(".wav").unlink()
            out["render"] = "read"
        except TimelineError as e:
            out["render"] = f"refused: {e}"
        t2 = time.perf_counter()
        try:
            clip = read_clip(path)
            drums = all(t.is_drum for t in clip.tracks)
            gen = self.models["drums_2bar" if drums else "mel_2bar"]
            done = gen.humanize(clip, 1.0, seed=1).clip
            read_clip_bytes = midi_bytes(done)
            from engine.midi.reader import read_midi

            read_midi(read_clip_bytes)
            out["humanize"] = "read"
        except (MidiError, GenerationError) as e:
            out["humanize"] = f"refused: {e}"
        out["op_seconds"] = {"prepare": t1 - t0, "render": t2 - t1, "humanize": time.perf_counter() - t2}
        return out


def peak_rss_mb() -> float:
    """This process's peak resident memory (MB) since it started its program: Linux's VmHWM, which a new
    program starts afresh. ru_maxrss is no use for a worker: Linux keeps it across fork and exec, so a
    worker started by a 1 GB pytest process reports at least 1 GB (getrusage(2))."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # no /proc: the best there is


def worker_main() -> None:
    """Reads file paths from stdin, answers one JSON line each: outcomes, seconds, peak RSS (MB)."""
    import torch

    torch.set_num_threads(1)
    # answers go to a private copy of stdout; fd 1 goes to stderr, so nothing else written to stdout
    # (a library's message, a forked child flushing an inherited buffer) can break a JSON line
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    sys.stdout.flush()
    os.dup2(2, 1)
    worker = _Worker()
    rss = peak_rss_mb()
    print(json.dumps({"ready": True, "rss_mb": rss}), file=answers, flush=True)
    for line in sys.stdin:
        path = Path(line.strip())
        t0 = time.perf_counter()
        try:
            result = worker.run(path)
        except Exception:  # noqa: BLE001 - a traceback is what the fuzz run counts
            result = {"traceback": traceback.format_exc(limit=4)}
        rss = peak_rss_mb()
        print(
            json.dumps({**result, "seconds": time.perf_counter() - t0, "rss_mb": rss}),
            file=answers,
            flush=True,
        )


@dataclass
class FuzzReport:
    """Counts of a fuzz run: files, outcomes per operation, tracebacks, hangs, slowest file, peak memory
    (MB) and the workers' memory when ready (`start_mb`, the most of any start)."""

    files: int = 0
    outcomes: dict[str, Counter] = field(
        default_factory=lambda: {k: Counter() for k in ("prepare", "render", "humanize")}
    )
    tracebacks: list[str] = field(default_factory=list)
    hangs: list[str] = field(default_factory=list)
    multi_line: list[str] = field(default_factory=list)
    slowest: float = 0.0
    slowest_at: str = ""  # "file (mutation): operation" of the slowest operation
    peak_mb: float = 0.0
    start_mb: float = 0.0
    seconds: float = 0.0
    by_kind: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        parts = [f"{self.files} files"]
        for op, c in self.outcomes.items():
            parts.append(f"{op}: {c['read']} read, {c['refused']} refused")
        parts.append(f"{len(self.tracebacks)} tracebacks, {len(self.hangs)} hangs over {HANG_SECONDS:.0f} s")
        parts.append(
            f"slowest operation {self.slowest:.2f} s, peak {self.peak_mb:.0f} MB "
            f"({self.start_mb:.0f} MB at the worker's start), {self.seconds:.0f} s in all"
        )
        return "; ".join(parts)


class _Pool:
    """One worker process at a time (a 2-core machine), restarted after a hang."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self.start_mb = 0.0  # the most memory a worker held when ready

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.fuzz_midi", "--worker"],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        ready = self._read(120.0)
        if ready and "rss_mb" in ready:
            self.start_mb = max(self.start_mb, ready["rss_mb"])

    def _read(self, timeout: float) -> dict | None:
        import select

        assert self.proc is not None and self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            return None
        line = self.proc.stdout.readline()
        return json.loads(line) if line else {"traceback": "the worker died"}

    def ask(self, path: Path) -> dict | None:
        if self.proc is None or self.proc.poll() is not None:
            self.start()
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(f"{path}\n")
        self.proc.stdin.flush()
        answer = self._read(3 * HANG_SECONDS + 5)  # the three operations, each within HANG_SECONDS
        if answer is None or "traceback" in answer and answer["traceback"] == "the worker died":
            self.close()
        return answer

    def close(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


def _record(report: FuzzReport, label: str, answer: dict | None) -> bool:
    """Count one file's answer; True when it failed (a traceback, a hang or an operation over the limit)."""
    if answer is None:
        report.hangs.append(label)
        return True
    if "traceback" in answer:
        report.tracebacks.append(f"{label}: {answer['traceback'].strip().splitlines()[-1]}")
        return True
    slow = [op for op, sec in answer["op_seconds"].items() if sec > HANG_SECONDS]
    if slow:
        report.hangs.append(f"{label}: {', '.join(slow)}")
    op, seconds = max(answer["op_seconds"].items(), key=lambda item: item[1])
    if seconds > report.slowest:
        report.slowest, report.slowest_at = seconds, f"{label}: {op}"
    report.peak_mb = max(report.peak_mb, answer["rss_mb"])
    for op in report.outcomes:
        outcome = answer[op]
        report.outcomes[op]["read" if outcome == "read" else "refused"] += 1
        if "\n" in outcome:
            report.multi_line.append(label)
    return bool(slow)


def run_fuzz(n: int, seed: int = 0, keep: Path | None = None, workers: int = 1) -> FuzzReport:
    """Fuzz `n` damaged copies (fixed by `seed`) on `workers` worker processes; files that fail are
    copied into `keep` if given."""
    import threading

    report, lock, t0 = FuzzReport(), threading.Lock(), time.perf_counter()
    items = list(enumerate(corpus(n, seed)))

    def work(share: list, tmp: str) -> None:
        pool = _Pool()
        try:
            for i, (name, kind, data) in share:
                path = Path(tmp) / f"{i:05d}_{name}"
                path.write_bytes(data)
                answer = pool.ask(path)
                with lock:
                    report.files += 1
                    report.by_kind[kind] += 1
                    failed = _record(report, f"{path.name} ({kind})", answer)
                if keep is not None and failed:
                    keep.mkdir(parents=True, exist_ok=True)
                    (keep / path.name).write_bytes(data)
                path.unlink()
        finally:
            pool.close()
            with lock:
                report.start_mb = max(report.start_mb, pool.start_mb)

    with tempfile.TemporaryDirectory() as tmp:
        threads = [threading.Thread(target=work, args=(items[k::workers], tmp)) for k in range(workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    report.seconds = time.perf_counter() - t0
    return report


if __name__ == "__main__":
    if sys.argv[1:] == ["--worker"]:
        worker_main()
    else:
        count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
        seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
        result = run_fuzz(count, seed, ROOT / "fuzz-failures", int(sys.argv[3]) if len(sys.argv) > 3 else 1)
        print(result.summary())
        for line in result.tracebacks[:20] + result.hangs[:20]:
            print(line)
