# SPDX-License-Identifier: MIT
"""`python main.py train FOLDER [--config NAME] [--size S] [--out DIR] [--minutes M | --steps N] ...`.

A new model starts from the bundled model of its config when the folder is small, and a short pilot of
both starts decides for a large one (engine/training/start.py); `--scratch` opts out, `--from` names the
model to fine-tune. Runs again on the same --out to resume; Ctrl-C stops cleanly after saving (press twice
to abort). Under `torchrun --nproc_per_node N` it trains with DistributedDataParallel (from scratch unless
--from).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

from cli.common import OutputError, check_writable

NAME = "train"
HELP = "train a model on a MIDI folder"


def add_arguments(t: argparse.ArgumentParser) -> None:
    t.add_argument("folder")
    t.add_argument("--config", default=None, help="default: the resumed model's, else drums_2bar")
    t.add_argument("--size", default=None, choices=["tiny", "small", "big"], help="default: small")
    t.add_argument(
        "--out", default=None,
        help="model folder (default: $BANDMATE_HOME/models/<config>-<folder>, where `models` lists it)",
    )  # fmt: skip
    t.add_argument(
        "--minutes", type=float, default=None,
        help="train for this long, counting the runs that resumed it (default: 10, unless --steps)",
    )  # fmt: skip
    t.add_argument("--steps", type=int, default=None, help="stop at this many steps instead")
    start = t.add_mutually_exclusive_group()
    start.add_argument(
        "--from",
        dest="from_model",
        default=None,
        help="fine-tune this model (default: the bundled model of the config when the folder is small)",
    )
    start.add_argument(
        "--scratch", action="store_true", help="start from scratch, whatever the size of the folder"
    )
    t.add_argument("--keep", type=int, default=2, help="checkpoints kept besides the best")
    t.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    t.add_argument("--batch-size", type=int, default=None)
    t.add_argument("--seed", type=int, default=0)


def _choose(args: argparse.Namespace) -> tuple[str, str, Path]:
    """(config, size, out folder): an existing model in --out (or --from) sets the defaults."""
    from engine.registry import user_models_dir
    from engine.training.run import stored_config

    config, size = args.config, args.size
    out = Path(args.out) if args.out else None
    source = out if out is not None and (out / "model.json").exists() else None
    if source is None and args.from_model:
        from engine.registry import resolve_model

        source = resolve_model(args.from_model)
    if source is not None:
        stored = stored_config(source)
        config, size = config or stored.name, size or stored.size
    from models.spec import DEFAULT_CONFIG

    config, size = config or DEFAULT_CONFIG, size or "small"
    if out is None:
        out = user_models_dir() / f"{config}-{Path(args.folder).resolve().name}"
    return config, size, out


class NoUsableMidi(Exception):
    """No file of the training folder gives the config an example; str(e) is one line."""


def _check_usable_midi(folder: str, config: str) -> None:
    """NoUsableMidi "no usable MIDI files for CONFIG in FOLDER ..." with how many were skipped and the
    first reason, when no file of `folder` gives `config` an example (read once here; the cache then
    serves training). DatasetError for a missing folder or one without MIDI files."""
    from engine.data.dataset import prepare

    def reading(done: int, total: int) -> None:  # a large folder's first read takes a while
        end = "" if done < total else "\n"
        print(f"\rreading {done}/{total} files", end=end, file=sys.stderr, flush=True)

    report = prepare(folder, [config], progress=reading if sys.stderr.isatty() else None)
    if report.files_used:
        return
    skipped = report.files_skipped
    first = f"; first: {Path(skipped[0].path).name}: {skipped[0].reason}" if skipped else ""
    raise NoUsableMidi(
        f"no usable MIDI files for {config} in {folder}: {len(skipped)} skipped{first} "
        f"(python main.py prepare {folder} lists every file)"
    )


def _cancel_on_ctrl_c(cancel: threading.Event) -> Callable[[int, FrameType | None], Any] | int | None:
    """Route Ctrl-C to `cancel`; returns the previous handler (None off the main thread)."""

    def handler(signum: int, frame: FrameType | None) -> None:
        if cancel.is_set():
            raise KeyboardInterrupt
        print("\nstopping after this step and saving (Ctrl-C again to abort)", file=sys.stderr)
        cancel.set()

    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGINT, handler)


def run(args: argparse.Namespace) -> int:
    """Train; print where the model and its report card are. Exit 1 with a one-line reason on errors."""
    from engine.data.dataset import DatasetError
    from engine.device import pick_device, training_threads
    from engine.training.distributed import from_env
    from engine.training.progress import ProgressBar
    from engine.training.run import check_resumable
    from engine.training.start import train_from_start
    from engine.training.train import TrainError, train
    from models.checkpoint import CheckpointError

    cancel = threading.Event()
    previous = _cancel_on_ctrl_c(cancel)
    out: Path | None = None
    try:
        config, size, out = _choose(args)
        check_writable(out, args.out or str(out))  # before any "fine-tuning ...": fail fast
        check_resumable(out, config, size)  # a model of another config there: that is the first thing to say
        _check_usable_midi(args.folder, config)
        from_model = None
        if args.from_model and not (out / "model.json").exists():
            from engine.registry import resolve_model

            from_model = resolve_model(args.from_model)
        options: dict[str, Any] = dict(
            size=size, minutes=args.minutes, steps=args.steps, keep=args.keep, device=args.device,
            seed=args.seed, batch_size=args.batch_size, progress=ProgressBar(), cancel=cancel,
        )  # fmt: skip
        with training_threads(pick_device(args.device), from_env().world):
            if from_model is not None or from_env().enabled:  # several processes: no pilot, as asked
                result = train(args.folder, config, out, from_model=from_model, **options)
            else:  # the bundled model for a small folder, a pilot for a large one, unless --scratch
                result = train_from_start(args.folder, config, out, scratch=args.scratch, **options)
    except (OutputError, NoUsableMidi) as e:  # the arguments' fault: exit 2, as argparse's refusals
        print(f"bandmate train: {e}", file=sys.stderr)
        return 2
    except (TrainError, DatasetError, CheckpointError, ValueError, LookupError) as e:
        print(f"bandmate train: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # the second Ctrl-C: abort at once, quietly
        kept = f"; the last checkpoint saved in {out} is kept" if out is not None else ""
        print(f"bandmate train: aborted{kept}", file=sys.stderr)
        return 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    if from_env().is_main:
        print(f"model: {result.model_dir}")
        if result.report is not None:
            print(f"report card: {result.model_dir / 'report.md'}")
    return 0
