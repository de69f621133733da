# SPDX-License-Identifier: MIT
"""Bandmate's side of the peer benchmark (scripts/peer_magenta.sh): train mel_2bar small from scratch on
one CPU thread and log each held-out check as it finishes.

`python -m benchmarks.peer_ours FOLDER OUT MINUTES T0 LOG` trains as `main.py train FOLDER --config
mel_2bar --scratch --minutes MINUTES --device cpu` does (prepare included: the caller gives a cold
BANDMATE_CACHE_DIR), without the report card, with the loop's held-out check every CHECK_SECONDS (the
default 20 s is too coarse for a curve; the extra checks cost Bandmate's own time). Each check appends
one JSON line to LOG: {"seconds": wall seconds since T0 (Unix time the caller took before starting this
process), "cpu" (this process's CPU seconds so far, prepare included), "step", "accuracy" (teacher-forced,
engine.evaluation.likelihood), "bits", and the held-out examples and files}.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

CHECK_SECONDS = 5.0


def main(folder: str, out: str, minutes: float, t0: float, log: Path) -> int:
    import torch

    torch.set_num_threads(1)  # the same single thread as Magenta's run
    torch.set_num_interop_threads(1)
    import engine.training.train as loop
    from engine.training.run import TrainingRun
    from engine.training.start import train_from_start

    loop.EVAL_SECONDS = CHECK_SECONDS
    log.write_text("")
    evaluate = TrainingRun.evaluate

    def logged(self: TrainingRun, limit: int | None) -> Any:
        bits = evaluate(self, limit)
        st = self.state
        row = {
            "seconds": time.time() - t0,
            "cpu": time.process_time(),
            "step": st.step,
            "accuracy": st.accuracy,
            "bits": st.bits,
            "examples": self.eval_size(limit),
            "heldout_files": list(self.data.summary.heldout_files),
        }
        with log.open("a") as f:
            f.write(json.dumps(row) + "\n")
        return bits

    TrainingRun.evaluate = logged  # type: ignore[method-assign]  # the benchmark's probe, this process only
    result = train_from_start(
        folder, "mel_2bar", out, scratch=True, minutes=minutes, device="cpu", report=False
    )
    print(f"finished: step {result.steps} ({result.steps / max(result.seconds, 1e-6):.2f} steps/s on cpu)")
    return 0


if __name__ == "__main__":
    a = sys.argv[1:]
    if len(a) != 5:
        sys.exit("usage: python -m benchmarks.peer_ours FOLDER OUT MINUTES T0 LOG")
    sys.exit(main(a[0], a[1], float(a[2]), float(a[3]), Path(a[4])))
