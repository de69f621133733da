# SPDX-License-Identifier: MIT
"""What the generation subcommands share: their common options, loading the model, reading clips,
writing MIDI files, and turning the musician's mistakes into one `error:` line with exit code 2."""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.generation.generator import Generator
    from engine.generation.runner import Generated
    from engine.music.pattern import Pattern

Handler = Callable[[argparse.Namespace], int]
DEVICES = ("auto", "cpu", "cuda", "mps")


def add_generation_options(p: argparse.ArgumentParser, out_default: str = "bandmate-out") -> None:
    """MODEL, --seed, --temperature, --part-temperature, --top-k, --out, --device: every generation
    command takes these."""
    p.add_argument("model", help="trained model directory or bundled model name")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument(
        "--temperature", type=float, default=None,
        help="0 = the most likely notes, up to 2; for every part (default: each part's own, as the "
        "model's report card recommends)",
    )  # fmt: skip
    p.add_argument(
        "--part-temperature", type=_part_temperatures, default=None, metavar="PART=T,...",
        help="single parts' temperatures, e.g. melody=0.9,drums=0.6 (the others: --temperature, else "
        "the model's own); band and multitrack models also take velocity=T, how much each instrument's "
        "loudness varies (0: one loudness; default: the report card's, else band 0.4, multitrack 1)",
    )  # fmt: skip
    p.add_argument(
        "--top-k", type=_top_k, default=None, metavar="N",
        help="leave out all but the N likeliest notes at each step: fewer wild leaps; 0 = off "
        "(default: the model's report card's choice, else off)",
    )  # fmt: skip
    p.add_argument("--out", default=out_default, help="output folder (a .mid file for one clip)")
    p.add_argument("--device", default="cpu", choices=DEVICES)
    p.add_argument(
        "--bpm",
        type=float,
        default=None,
        help="tempo written in the MIDI files (default: the clip's or model's)",
    )


def add_key_option(p: argparse.ArgumentParser, default: str | None = None) -> None:
    """--key: a key name, 'auto' (the clip's or the training music's key) or 'none'; complete and infill
    default to 'song' (the song's own key when it has a clear one)."""
    if default == "song":
        help_text = "default: the song's key when it has a clear one; a key like C:minor; 'none': any notes"
    else:
        help_text = "e.g. C:minor, 'auto' (the clip's or the training music's key) or 'none'"
    p.add_argument("--key", default=default, help=help_text)


def add_meter_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--meter", default=None,
        help="time signature of new clips, e.g. 3/4, 6/8, 7/8 (band models; default 4/4)",
    )  # fmt: skip


def add_flat_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--flat",
        action="store_true",
        help="new notes at velocity 100 on the grid (default: the training music's loudness and timing)",
    )


def add_check_options(p: argparse.ArgumentParser) -> None:
    """--novel or --unchecked: what the quality check and the copy check do with the clips drawn."""
    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "--novel",
        action="store_true",
        help="also redraw clips with a bar that copies your training music note for note",
    )
    group.add_argument(
        "--unchecked",
        action="store_true",
        help="keep every clip drawn, even one that fails the quality check (a silent part, noise, "
        "notes far out of the part's range, a note held far too long, long silence)",
    )


def _part_temperatures(text: str) -> dict[str, float]:
    from engine.generation.runner import parse_part_temperatures

    try:
        return parse_part_temperatures(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _top_k(text: str) -> int:
    from engine.generation.runner import MAX_TOP_K, check_top_k

    try:
        return check_top_k(int(text))
    except ValueError:  # int()'s, or check_top_k's GenerationError
        raise argparse.ArgumentTypeError(
            f"{text!r}: write a whole number from 0 (off) to {MAX_TOP_K}"
        ) from None


def _user_errors() -> tuple[type[BaseException], ...]:
    from engine.device import DeviceError
    from engine.generation.fit import GenerationError
    from engine.midi.files import MidiError
    from engine.music.keys import KeyNameError
    from engine.registry import ModelNotFoundError
    from models.checkpoint import CheckpointError

    return (
        GenerationError,
        DeviceError,
        KeyNameError,
        MidiError,
        ModelNotFoundError,
        CheckpointError,
        OSError,
    )


def guarded(func: Handler) -> Handler:
    """Runs a generation command with the decoding thread count of its --device (this entry point owns
    it, engine.device.decoding_threads) and turns the musician's mistakes (bad file, unknown model, ...)
    into one line and exit code 2."""

    @functools.wraps(func)
    def wrapper(args: argparse.Namespace) -> int:
        from engine.device import decoding_threads, pick_device

        try:
            with decoding_threads(pick_device(getattr(args, "device", "cpu"))):
                return func(args)
        except _user_errors() as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2

    return wrapper


def load(args: argparse.Namespace) -> Generator:
    """The Generator for args.model on args.device, with --flat applied; says which model it is."""
    from engine.generation.generator import Generator

    gen = Generator.load(args.model, device=args.device)
    gen.feel = not getattr(args, "flat", False)
    print(f"model: {gen.path} ({gen.config_name}, {bars(gen.steps // 16)} per clip)")
    if hasattr(args, "temperature"):
        args.temperature = temperature(args, gen)
    if getattr(args, "top_k", None) is not None:
        gen.top_k = args.top_k
    elif gen.top_k:
        print(f"top-k: {gen.top_k} (the model's own; --top-k 0 turns it off)")
    return gen


def temperature(args: argparse.Namespace, gen: Generator) -> float | dict[str, float] | None:
    """What --temperature and --part-temperature ask of `gen`: None (each part's own), one number, or
    one per part (--part-temperature over --temperature over the model's own); says which it uses."""
    base, parts = args.temperature, getattr(args, "part_temperature", None)
    chosen: float | dict[str, float] | None = base
    if parts:
        chosen = {**({p: base for p in gen.spec.parts} if base is not None else {}), **parts}
    if chosen is None:
        each = ", ".join(f"{p} {t:g}" for p, t in gen.temperatures.items())
        print(f"temperature: {each} (the model's own; --temperature or --part-temperature to change)")
    return chosen


def bars(n: int) -> str:
    return f"{n} bar" if n == 1 else f"{n} bars"


def read(path: str) -> Pattern:
    """The whole clip in the MIDI file at `path`, saying what reading had to drop or guess (MidiError with
    a reason, FileNotFoundError)."""
    from engine.midi.files import read_midi

    if Path(path).is_dir():
        raise FileNotFoundError(f"{path} is a folder; give a MIDI file")
    if not Path(path).is_file():
        raise FileNotFoundError(f"no such file: {path}")
    result = read_midi(path)
    for line in result.notices:
        print(f"note: {Path(path).name}: {line}")
    return result.pattern


MIDI_SUFFIXES = (".mid", ".midi")


def names_a_midi_file(out: str) -> bool:
    """Whether `--out` names a MIDI file (ends in .mid or .midi) rather than a folder."""
    return Path(out).suffix.lower() in MIDI_SUFFIXES


def one_output(out: str, name: str) -> Path:
    """Where a command that writes one clip (complete, infill, humanize) writes it: `out` itself when it
    names a MIDI file, else `out`/`name` (`out` a folder)."""
    return Path(out) if names_a_midi_file(out) else Path(out) / name


def output_folder(out: str) -> Path:
    """`--out` of a command that writes several clips: a folder. GenerationError when it names a MIDI file
    (a folder called x.mid would hide the clips where nobody looks)."""
    from engine.generation.fit import GenerationError

    if names_a_midi_file(out):
        raise GenerationError(f"--out {out}: this command writes several clips, so --out names a folder")
    return Path(out)


def write(pattern: Pattern, path: Path, bpm: float | None = None) -> None:
    """Write `pattern` as a MIDI file at `path` (folders made as needed), at one tempo `bpm` when given
    (--bpm: the tempo event the file gets), and say so. GenerationError for a BPM outside 20..300."""
    from engine.generation.fit import GenerationError
    from engine.midi.files import write_midi

    if bpm is not None:
        if not 20.0 <= bpm <= 300.0:
            raise GenerationError(f"--bpm {bpm:g} is outside 20..300")
        pattern = pattern.at_tempo(bpm)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_midi(pattern, path)
    print(f"wrote {path} ({bars(pattern.bars)}, {pattern.note_count} notes)")


def report(result: Generated, args: argparse.Namespace) -> None:
    """Print the call's notes for the musician, what the checks redrew and, without --seed, the seed that
    reproduces the result."""
    for line in result.notices:
        print(line if line.startswith("warning: ") else f"note: {line}")
    note = result.checked.note if result.checked else None
    if note:
        print(f"note: {note}")
    if getattr(args, "seed", None) is None:
        print(f"seed {result.seed} (add --seed {result.seed} to get the same again)")


def write_checked(result: Generated, paths: list[Path], bpm: float | None = None) -> int:
    """Write each clip to its path (at one tempo `bpm` when given, see `write`), saying which copy the
    training music; 1 when no clip passed."""
    for i, (clip, path) in enumerate(zip(result.clips, paths, strict=False)):
        write(clip, path, bpm)
        copied = result.checked.copy_note(i) if result.checked else None
        if copied:
            print(f"note: {path.name} copies your training music: {copied} (--novel redraws such clips)")
    if result.checked and not result.clips:
        print("error: no clip passed the checks; try another --temperature (or --unchecked)", file=sys.stderr)
        return 1
    return 0
