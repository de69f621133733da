# SPDX-License-Identifier: MIT
"""What the generation subcommands share: their common options, loading the model, reading clips,
writing MIDI files, and turning the musician's mistakes into one `error:` line with exit code 2."""

from __future__ import annotations

import argparse
import functools
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.generation.generator import Generator
    from engine.generation.runner import Generated
    from engine.music.pattern import Pattern

Handler = Callable[[argparse.Namespace], int]
DEVICES = ("auto", "cpu", "cuda", "mps")
MAX_CLIPS = 1000  # --n: more clips than anyone auditions, and each is a file
MAX_STEPS = 64  # interpolate --steps, blend --grid: 64 is already finer than an ear tells apart
# --bars: the longest file Bandmate reads back (engine.midi.reader.MAX_BARS, not imported here: the
# parser stays cheap), about 2.8 hours of 4/4 at 120 BPM
MAX_BARS = 5000


class OutputError(OSError):
    """--out names a place that cannot be written (a file where a folder should be, a read-only disk);
    str(e) is one line naming the --out the musician gave."""


def whole_number(low: int, high: int | None = None, why: str = "") -> Callable[[str], int]:
    """An argparse `type`: a whole number in low..high (high None: no upper bound), else one line that
    says the range and, after it, `why` (e.g. why the upper bound is what it is)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < low or (high is not None and value > high):
            span = f"from {low} to {high}" if high is not None else f"of {low} or more"
            raise argparse.ArgumentTypeError(f"{text!r}: write a whole number {span}{why}")
        return value

    return parse


def number_in(low: float, high: float | None = None, why: str = "") -> Callable[[str], float]:
    """An argparse `type`: a number in low..high (high None: no upper bound), else one line with the
    range and `why`."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not (value >= low and (high is None or value <= high)):  # also refuses nan
            span = f"from {low:g} to {high:g}" if high is not None else f"of {low:g} or more"
            raise argparse.ArgumentTypeError(f"{text!r}: write a number {span}{why}")
        return value

    return parse


def latent_steps(text: str) -> int:
    """An argparse `type` for interpolate --steps and blend --grid: a whole number 2..MAX_STEPS."""
    return whole_number(2, MAX_STEPS, f" (finer steps than {MAX_STEPS} sound the same)")(text)


def bpm(text: str) -> float:
    """An argparse `type` for --bpm: PLAY_MIN_BPM..PLAY_MAX_BPM (20..300) beats per minute."""
    from engine.music.pattern import PLAY_MAX_BPM, PLAY_MIN_BPM  # stdlib only: the parser stays cheap

    return number_in(PLAY_MIN_BPM, PLAY_MAX_BPM, " beats per minute")(text)


def bars_option(p: argparse.ArgumentParser, help_text: str, default: int | None = None) -> None:
    """--bars N, a whole number from 1 to MAX_BARS."""
    p.add_argument(
        "--bars", type=whole_number(1, MAX_BARS, " (the longest file Bandmate reads back)"),
        default=default, metavar="N", help=f"{help_text} (1 to {MAX_BARS})",
    )  # fmt: skip


def check_writable(folder: Path, given: str, option: str = "--out") -> None:
    """Fail before any long work when files cannot be written into `folder` (or the folder cannot be made
    there): OutputError naming `given`, what the musician typed for `option` ("" for a positional
    argument). Makes nothing: the nearest folder that exists gets a temporary file, removed at once."""
    said = f"{option} {given}".strip()
    probe = folder
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise OutputError(f"{said}: {probe} is a file, so no folder can be made there")
    try:
        with tempfile.TemporaryFile(dir=probe):
            pass
    except OSError as e:
        raise OutputError(f"{said}: cannot write into {probe} ({e.strerror or e})") from None


def add_generation_options(
    p: argparse.ArgumentParser, out_default: str = "bandmate-out", one_clip: bool = False
) -> None:
    """MODEL, --seed, --temperature, --part-temperature, --top-k, --out, --device, --bpm: every generation
    command takes these. `one_clip`: the command writes one clip, so --out may name a .mid file."""
    if one_clip:
        out_help = f"a .mid file to write, or a folder for it (default: {out_default})"
    else:
        out_help = f"the folder for the clips (default: {out_default})"
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
    p.add_argument("--out", default=out_default, help=out_help)
    p.add_argument("--device", default="cpu", choices=DEVICES)
    p.add_argument(
        "--bpm",
        type=bpm,
        default=None,
        help="tempo written in the MIDI files, 20..300 (default: the clip's or model's)",
    )


def add_key_option(p: argparse.ArgumentParser, default: str | None = None, new_clips: bool = False) -> None:
    """--key: a key name, 'auto' (the clip's or the training music's key) or 'none'; complete and infill
    default to 'song' (the song's own key when it has a clear one); `new_clips` (sample): without it, new
    clips are moved into the training music's keys."""
    if default == "song":
        help_text = "default: the song's key when it has a clear one; a key like C:minor; 'none': any notes"
    elif new_clips:
        help_text = (
            "default: any notes, each clip moved into the training music's keys; e.g. C:minor, 'auto' "
            "(the training music's key) or 'none' (clips as the model wrote them)"
        )
    else:
        help_text = "e.g. C:minor, 'auto' (the clip's or the training music's key) or 'none'"
    p.add_argument("--key", default=default, type=key_name, help=help_text)


def key_name(text: str) -> str:
    """argparse type of --key: one of engine.music.keys.KEY_WORDS ('none', 'any', 'auto', 'song') or a
    key name parse_key reads (returned as given); anything else is an argparse error before a model
    loads."""
    from engine.music.keys import KEY_WORDS, KeyNameError, parse_key

    if text.strip().lower() in KEY_WORDS:
        return text

    try:
        parse_key(text)
    except KeyNameError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def meter_text(text: str) -> str:
    """argparse type of --meter: a time signature engine.music.pattern.parse_meter reads (returned as
    given; whether the model writes it is checked when it loads); anything else is an argparse error."""
    from engine.music.pattern import parse_meter

    try:
        parse_meter(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def add_meter_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--meter", default=None, type=meter_text,
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
    check_writable(Path(out), out)
    return Path(out)


def output_file(out: str, name: str) -> Path:
    """`one_output`, checked up front: OutputError when its folder cannot be written (see
    `check_writable`), so that a command fails before generating."""
    path = one_output(out, name)
    check_writable(path.parent, out)
    return path


def write(pattern: Pattern, path: Path, bpm: float | None = None) -> None:
    """Write `pattern` as a MIDI file at `path` (folders made as needed), at one tempo `bpm` when given
    (--bpm: the tempo event the file gets), and say so. GenerationError for a BPM outside 20..300."""
    from engine.generation.fit import GenerationError
    from engine.midi.files import write_midi
    from engine.music.pattern import PLAY_MAX_BPM, PLAY_MIN_BPM

    if bpm is not None:
        if not PLAY_MIN_BPM <= bpm <= PLAY_MAX_BPM:
            raise GenerationError(f"--bpm {bpm:g} is outside {PLAY_MIN_BPM:g}..{PLAY_MAX_BPM:g}")
        pattern = pattern.at_tempo(bpm)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_midi(pattern, path)
    notes = pattern.note_count
    print(f"wrote {path} ({bars(pattern.bars)}, {notes} note{'' if notes == 1 else 's'})")


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
