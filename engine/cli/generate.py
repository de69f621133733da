# SPDX-License-Identifier: MIT
"""Command-line handlers for `models`, `sample`, `variations`, `interpolate`, `blend`, `complete`, `humanize`.

Each reads the musician's MIDI clips, calls the Generator and writes ordinary MIDI files, printing what it
wrote. Bad input prints one `error:` line and returns exit code 2.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable
from pathlib import Path

from engine.pattern import Pattern

Handler = Callable[[argparse.Namespace], int]


def _user_errors() -> tuple[type[BaseException], ...]:
    from engine.clip_prep import GenerationError
    from engine.keys import KeyNameError
    from engine.midi_io import MidiError
    from engine.model_registry import ModelNotFoundError
    from models.checkpoint import CheckpointError

    return (GenerationError, KeyNameError, MidiError, ModelNotFoundError, CheckpointError, OSError)


def _guarded(func: Handler) -> Handler:
    """Turns the musician's mistakes (bad file, unknown model, ...) into one line and exit code 2."""

    @functools.wraps(func)
    def wrapper(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except _user_errors() as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2

    return wrapper


def _load(args: argparse.Namespace):  # noqa: ANN202 - Generator, imported lazily
    import torch

    from engine.generator import Generator

    if args.device == "cpu":
        torch.set_num_threads(1)  # batch-of-one decoding: one thread is fastest, more spin against each other
    gen = Generator.load(args.model, device=args.device)
    gen.feel = not getattr(args, "flat", False)
    print(f"model: {gen.path} ({gen.config_name}, {_bars(gen.steps // 16)} per clip)")
    return gen


def _bars(n: int) -> str:
    return f"{n} bar" if n == 1 else f"{n} bars"


def _read(path: str) -> Pattern:
    from engine.midi_io import read_clip

    if not Path(path).is_file():
        raise FileNotFoundError(f"no such file: {path}")
    return read_clip(path)


def _write(pattern: Pattern, path: Path) -> None:
    from engine.midi_io import write_midi

    path.parent.mkdir(parents=True, exist_ok=True)
    write_midi(pattern, path)
    print(f"wrote {path} ({_bars(pattern.bars)}, {pattern.note_count} notes)")


def _report(gen, args: argparse.Namespace) -> None:  # noqa: ANN001
    for line in gen.take_notices():
        print(f"note: {line}")
    if getattr(args, "seed", None) is None:
        print(f"seed {gen.last_seed} (add --seed {gen.last_seed} to get the same again)")


def run_models(args: argparse.Namespace) -> int:
    """Print the bundled and user models with config, where they live and what they learned from."""
    from engine.model_registry import list_models, user_models_dir

    infos = list_models()
    if not infos:
        print(
            f"no models yet: train one with `python main.py train FOLDER` (user models: {user_models_dir()})"
        )
        return 0
    print(f"{'name':24} {'config':16} {'where':8} {'steps':>7}  trained on / folder")
    for i in infos:
        print(f"{i.name:24} {i.config:16} {i.where:8} {i.steps:>7}  {i.trained_on or '-'}  ({i.path})")
    return 0


@_guarded
def run_sample(args: argparse.Namespace) -> int:
    gen = _load(args)
    clips = gen.sample(args.n, args.temperature, args.seed, bars=args.bars, key=args.key)
    _report(gen, args)
    for i, clip in enumerate(clips, 1):
        _write(clip, Path(args.out) / f"sample_{i:02d}.mid")
    return 0


@_guarded
def run_variations(args: argparse.Namespace) -> int:
    gen = _load(args)
    clip = _read(args.clip)
    clips = gen.variations(clip, args.n, args.amount, args.seed, args.temperature, key=args.key)
    _report(gen, args)
    for i, out in enumerate(clips, 1):
        _write(out, Path(args.out) / f"{Path(args.clip).stem}_var_{i:02d}.mid")
    return 0


@_guarded
def run_interpolate(args: argparse.Namespace) -> int:

    gen = _load(args)
    a, b = _read(args.a), _read(args.b)
    clips = gen.interpolate(a, b, args.steps, args.temperature, args.seed, key=args.key)
    _report(gen, args)
    for i, clip in enumerate(clips, 1):
        _write(clip, Path(args.out) / f"interp_{i:02d}.mid")
    _write(Pattern.join(clips), Path(args.out) / "interp_all.mid")
    return 0


def _parse_point(text: str) -> tuple[float, float]:
    from engine.clip_prep import GenerationError

    try:
        x, y = (float(v) for v in text.split(","))
    except ValueError:
        raise GenerationError(f"--at wants X,Y with numbers in 0..1, like 0.25,0.5; got {text!r}") from None
    return x, y


@_guarded
def run_blend(args: argparse.Namespace) -> int:
    gen = _load(args)
    corners = [_read(c) for c in args.corners]
    out = Path(args.out)
    if args.at is not None:
        x, y = _parse_point(args.at)
        clip = gen.blend(corners, x, y, args.temperature, args.seed)
        _report(gen, args)
        _write(clip, out / f"blend_at_{x:.2f}_{y:.2f}.mid")
        return 0
    grid = gen.blend_grid(corners, args.grid, args.temperature, args.seed)
    _report(gen, args)
    for i, column in enumerate(grid):
        for j, clip in enumerate(column):
            _write(clip, out / f"blend_x{i}_y{j}.mid")
    return 0


@_guarded
def run_complete(args: argparse.Namespace) -> int:
    gen = _load(args)
    clip = _read(args.clip)
    done = gen.complete(clip, args.parts, args.seed, args.temperature, key=args.key)
    _report(gen, args)
    _write(done, Path(args.out) / f"{Path(args.clip).stem}_completed.mid")
    return 0


@_guarded
def run_humanize(args: argparse.Namespace) -> int:
    gen = _load(args)
    clip = _read(args.clip)
    done = gen.humanize(clip, args.amount, args.seed)
    _report(gen, args)
    out = Path(args.out)
    if out.suffix.lower() not in (".mid", ".midi"):
        out = out / f"{Path(args.clip).stem}_humanized.mid"
    _write(done, out)
    return 0
