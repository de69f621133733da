# SPDX-License-Identifier: MIT
"""Peer benchmark (issue 7): Magenta's own MusicVAE vs Bandmate, same MIDI folder, batch and thread count.

`run()` runs scripts/peer_magenta.sh without setting anything up (PEER_SETUP=0): it needs Magenta's
separate venv in $PEER_DIR (default /tmp/peer/venv, outside the repo; `scripts/peer_magenta.sh` once
creates it) and raises RuntimeError with the plain reason when that venv or a training run fails.
`python -m benchmarks.bench_peer --parse DIR BATCH` turns the script's logs into its one JSON line.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks.common import Figure

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "peer_magenta.sh"
CMD = "scripts/peer_magenta.sh  (then python -m benchmarks.run peer)"
_MAGENTA_LOG = re.compile(r"global_step = (\d+), loss = [-\d.e+naif]+ \(([\d.]+) sec\)")
_OURS_LOG = re.compile(r"finished: step (\d+) \(([\d.]+) steps/s on cpu\)")


def run() -> list[Figure]:
    env = dict(os.environ, PEER_SETUP="0")
    proc = subprocess.run(["bash", str(SCRIPT)], cwd=ROOT, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"Magenta peer run failed: {proc.stderr.strip()[-1500:]}")
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    return _figures(r)


def _figures(r: dict[str, Any]) -> list[Figure]:
    b = r["batch_size"]
    return [
        Figure(f"Magenta MusicVAE cat-mel_2bar_small (TF {r['tf_version']}): training steps/s "
               f"(batch {b}, 1 thread)", (r["magenta_steps_per_s"],), "steps/s", "recorded", CMD,
               note=f"{r['magenta_params']:,} params"),
        Figure(f"Bandmate mel_2bar small: training steps/s, same data (batch {b}, 1 thread)",
               (r["ours_steps_per_s"],), "steps/s", "recorded", CMD, note=f"{r['ours_params']:,} params"),
        Figure("Bandmate / Magenta training steps/s, each at its own small preset", (r["ratio"],), "x",
               "> 1", CMD, note=r["notes"]),
        Figure("Bandmate / Magenta training steps/s, Bandmate at Magenta's sizes (enc 512, dec 2x256, z 256)",
               (r["ratio_same_sizes"],), "x", "> 1", CMD,
               note=f"Bandmate {r['ours_same_sizes_steps_per_s']:.3g} steps/s, "
               f"{r['ours_same_sizes_params']:,} params"),
    ]  # fmt: skip


def magenta_rate(log: str) -> float:
    """Steps/s from Magenta's every-10-steps log lines, leaving out the first timed block (warm-up)."""
    blocks = [(int(m[1]), float(m[2])) for m in _MAGENTA_LOG.finditer(log)]
    if len(blocks) < 2:
        raise RuntimeError(f"Magenta logged {len(blocks)} timed blocks; the run did not train (see its log)")
    return 10.0 * (len(blocks) - 1) / sum(sec for _, sec in blocks[1:])


def ours_rate(log: str) -> float:
    """Steps/s from Bandmate's final line (its whole training loop, evaluation and report card included)."""
    m = _OURS_LOG.search(log)
    if m is None:
        raise RuntimeError(f"Bandmate's training did not finish: {log.strip()[-500:]}")
    return float(m[2])


def ours_params(folder: Path) -> int:
    from safetensors.numpy import load_file

    return int(sum(v.size for v in load_file(str(folder / "best.safetensors")).values()))


def parse(peer: Path, batch: int) -> dict[str, Any]:
    """The script's logs under `peer` as one result dict."""
    mag = magenta_rate((peer / "magenta_train.log").read_text(errors="replace"))
    ours = ours_rate((peer / "ours_train.log").read_text(errors="replace"))
    same = ours_rate((peer / "ours_msize_train.log").read_text(errors="replace"))
    return {
        "magenta_steps_per_s": round(mag, 4),
        "ours_steps_per_s": ours,
        "ratio": round(ours / mag, 2),
        "ours_same_sizes_steps_per_s": same,
        "ratio_same_sizes": round(same / mag, 2),
        "batch_size": batch,
        "magenta_params": int((peer / "magenta_params.txt").read_text().split()[0]),
        "ours_params": ours_params(peer / "ours"),
        "ours_same_sizes_params": ours_params(peer / "ours_msize"),
        "tf_version": (peer / "tf_version.txt").read_text().strip(),
        "notes": (
            "same MIDI folder, batch and 1 CPU thread each. Magenta cat-mel_2bar_small: bidirectional LSTM "
            "encoder 512, decoder 2x256 LSTM, z 256, one-hot inputs, scheduled sampling (inverse_sigmoid), "
            "lr 1e-3, tf.data map made sequential to avoid a crash; Bandmate mel_2bar small: encoder 256, "
            "decoder 1x256, z 128, 32-d embedding, teacher forcing, lr 3e-3. Magenta's rate excludes "
            "start-up and its first 10 steps; Bandmate's whole loop includes evaluation, saving and the "
            "report card."
        ),
    }


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--parse":
        print(json.dumps(parse(Path(sys.argv[2]), int(sys.argv[3]))))
    else:
        for fig in run():
            print(f"{fig.name}: {fig.summary:.4g} {fig.unit}  ({fig.note})")
