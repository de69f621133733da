# SPDX-License-Identifier: MIT
"""Training benchmarks: per small config, steps/s on CPU, peak memory, checkpoint size, held-out accuracy.

`run()` trains each small config for a short fixed budget on ../shared/data/midi, each in a subprocess
(so that ru_maxrss is that run's peak). Other entry points:
    python -m benchmarks.bench_train --one drums_2bar --seconds 600 --report   # the full 10-minute run
    python -m benchmarks.bench_train --big --device cuda                       # big configs' steps/s (JSON)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import Figure

ROOT = Path(__file__).resolve().parent.parent
MIDI = ROOT.parent / "shared" / "data" / "midi"
SECONDS = float(os.environ.get("BANDMATE_BENCH_TRAIN_SECONDS", "120"))
CONFIGS = ("mel_2bar", "drums_2bar", "trio_16bar", "multitrack_1bar")


def run() -> list[Figure]:
    figures: list[Figure] = []
    for config in CONFIGS:
        figures += _figures(config, _measure(config, SECONDS))
    return figures


def _measure(config: str, seconds: float) -> dict[str, Any]:
    """Train `config` (small) in a child process (its own ru_maxrss is that run's peak); its JSON."""
    cmd = [sys.executable, "-m", "benchmarks.bench_train", "--one", config, "--seconds", str(seconds)]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"bench_train {config} failed:\n{proc.stderr[-3000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def _figures(config: str, r: dict[str, Any]) -> list[Figure]:
    cmd = f"python -m benchmarks.bench_train --one {config} --seconds {r['seconds_budget']:g}"
    acc = r["heldout_accuracy"]
    return [
        Figure(f"{config} small: training steps/s (batch {r['batch_size']}, {r['threads']} thread(s))",
               (r["steps_per_s"],), "steps/s", "recorded", cmd, note=f"{r['steps']} steps"),
        Figure(f"{config} small: held-out teacher-forced accuracy after {r['seconds_budget']:g} s",
               (100.0 * (acc or 0.0),), "%", "reported", cmd,
               note=f"{r['train_examples']} train / {r['heldout_examples']} held-out examples"),
        Figure(f"{config} small: training peak memory (ru_maxrss)", (r["peak_mb"],), "MB", "< 2048 MB", cmd,
               stat="max"),
        Figure(f"{config} small: checkpoint weights (safetensors)", (r["weights_mb"],), "MB", "< 25 MB", cmd,
               note=f"optimizer state {r['optimizer_mb']:.1f} MB, whole folder {r['folder_mb']:.1f} MB"),
    ]  # fmt: skip


def one(config: str, seconds: float, report: bool, size: str = "small") -> dict[str, Any]:
    """Train one config for `seconds` of wall time (after loading) into a temp folder; the numbers."""
    from engine.device import training_threads
    from engine.training.train import train
    from models.card import read_card

    with tempfile.TemporaryDirectory() as tmp, training_threads("cpu"):  # as `main.py train` runs it
        out = Path(tmp) / config
        t0 = time.monotonic()
        result = train(MIDI, config, out, size=size, minutes=seconds / 60.0, device="cpu", report=report)
        card = read_card(out)
        entry = card.checkpoints[-1]
        return {
            "config": config,
            "size": size,
            "seconds_budget": seconds,
            "seconds_total": round(time.monotonic() - t0, 1),
            "steps": result.steps,
            "steps_per_s": result.steps / max(result.seconds, 1e-9),
            "heldout_accuracy": result.final_accuracy,
            "best_accuracy": result.best_accuracy,
            "batch_size": card.training.batch_size,
            "threads": card.training.threads,
            "train_examples": card.data.train_examples,
            "heldout_examples": card.data.heldout_examples,
            "weights_mb": (out / entry.weights).stat().st_size / 2**20,
            "optimizer_mb": (out / (entry.optimizer or entry.weights)).stat().st_size / 2**20,
            "folder_mb": sum(p.stat().st_size for p in out.iterdir()) / 2**20,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,  # Linux: KiB
        }


def big(device: str, steps: int = 10, size: str = "big") -> dict[str, Any]:
    """Steps/s of every big config on synthetic batches of its preset batch size (GPU box)."""
    import torch

    from models.musicvae import MusicVAE
    from models.presets import get_config

    dev = torch.device(device)
    out: dict[str, Any] = {"device": torch.cuda.get_device_name(dev) if dev.type == "cuda" else str(dev)}
    for config in CONFIGS:
        cfg = get_config(config, size)
        model = MusicVAE(cfg).to(dev)
        opt = torch.optim.Adam(model.parameters(), lr=cfg.learning_rate)
        batch = {k: v.to(dev) for k, v in synthetic_batch(cfg, cfg.batch_size).items()}
        if dev.type == "cuda":
            torch.cuda.reset_peak_memory_stats(dev)
        for i in range(steps + 2):
            if i == 2:  # two warm-up steps (cuDNN autotuning, allocator)
                _sync(dev)
                t0 = time.perf_counter()
            loss = model(batch, beta=0.2).loss
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        _sync(dev)
        rate = steps / (time.perf_counter() - t0)
        peak = torch.cuda.max_memory_allocated(dev) / 2**30 if dev.type == "cuda" else None
        params = sum(p.numel() for p in model.parameters())
        out[config] = {
            "steps_per_s": rate, "examples_per_s": rate * cfg.batch_size, "batch_size": cfg.batch_size,
            "params_m": params / 1e6, "peak_gib": peak,
        }  # fmt: skip
        del model, opt, batch
    return out


def synthetic_batch(cfg: Any, b: int) -> dict[str, Any]:
    """Random well-formed arrays of CONTRIBUTING.md's shapes for `cfg` (speed only; not music)."""
    import torch

    from models.musicvae import drum_hits

    def tokens(vocab: int, *shape: int) -> torch.Tensor:
        return torch.randint(0, vocab, (b, *shape))

    if cfg.name == "drums_2bar":
        drums = tokens(512, 32)
        hits = drum_hits(drums)
        return {
            "drums": drums,
            "velocity": torch.rand(b, 32, 9) * hits,
            "offset": (torch.rand(b, 32, 9) - 0.5) * hits,
        }
    if cfg.name == "multitrack_1bar":
        return {"program": tokens(128, 8), "tokens": tokens(90, 8, 16), "velocity": torch.rand(b, 8, 16)}
    return {track: tokens(vocab, cfg.steps) for track, vocab in zip(cfg.tracks, cfg.vocab, strict=True)}


def _sync(dev: Any) -> None:
    import torch

    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_train")
    parser.add_argument("--one", choices=CONFIGS, help="train one small config and print JSON")
    parser.add_argument("--seconds", type=float, default=SECONDS)
    parser.add_argument("--report", action="store_true", help="also write the report card (in the budget)")
    parser.add_argument("--big", action="store_true", help="big configs' steps/s on synthetic batches")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args(argv)
    if args.big:
        print(json.dumps(big(args.device, args.steps)))
    elif args.one:
        print(json.dumps(one(args.one, args.seconds, args.report)))
    else:
        print(json.dumps([f.name + f": {f.summary:.4g} {f.unit}" for f in run()], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
