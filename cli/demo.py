# SPDX-License-Identifier: MIT
"""`python main.py demo`: the main job end to end, headless, for people without a display.

Trains a small drums model on the bundled example beats, then samples, interpolates and blends with it,
renders the morph to a WAV with FluidSynth, and prints where everything went.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.music.pattern import STEPS_PER_BAR, Pattern
from models.spec import DEFAULT_CONFIG

EXAMPLES = Path(__file__).resolve().parents[1] / "resources" / "examples" / "groove"
CONFIG = DEFAULT_CONFIG  # the drum model: the example beats train it
NAME = "demo"
HELP = "train, generate and render headless, end to end"
CLIP_BAR = 4  # take example clips from bar 4 on: past the count-in of a recorded groove


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default="bandmate-demo")
    p.add_argument("--minutes", type=float, default=2.0)
    p.add_argument("--steps", type=int, default=None, help="train this many steps instead")


def _example_clips(steps: int) -> list[Pattern]:
    """Two-bar windows of the example grooves, one per file, with notes in them."""
    from engine.midi.files import MidiError, read_clip

    clips = []
    for path in sorted(EXAMPLES.glob("*.mid")):
        try:
            song = read_clip(path)
        except MidiError:
            continue
        start = CLIP_BAR * STEPS_PER_BAR if song.steps >= CLIP_BAR * STEPS_PER_BAR + steps else 0
        clip = song.slice(start, min(song.steps, start + steps))
        if clip.note_count:
            clips.append(clip)
    return clips


def _write(patterns: list[Pattern], folder: Path, stem: str) -> list[Path]:
    from engine.midi.files import write_midi

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, clip in enumerate(patterns):
        paths.append(folder / f"{stem}_{i + 1:02d}.mid")
        write_midi(clip, paths[-1])
    return paths


def run(args: argparse.Namespace) -> int:
    from engine.device import pick_device, training_threads
    from engine.generation.generator import Generator
    from engine.midi.files import write_midi
    from engine.training.progress import ProgressBar
    from engine.training.train import train

    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    budget = f"{args.steps} steps" if args.steps else f"{args.minutes:g} min"
    print(f"1/5 training a small {CONFIG} model on the example beats in {EXAMPLES} ({budget})")
    bar = ProgressBar()
    with training_threads(pick_device("auto")):
        result = train(
            EXAMPLES,
            CONFIG,
            out / "model",
            minutes=args.minutes,
            steps=args.steps,
            device="auto",
            progress=bar,
        )
    gen = Generator.load(result.model_dir)
    print("2/5 sampling 4 new beats")
    sampled = gen.sample(4, temperature=0.5, seed=1)
    if sampled.checked and sampled.checked.note:  # a short run's model may pass the quality check seldom
        print(f"   {sampled.checked.note}")
    samples = _write(list(sampled.clips), out / "samples", "sample")
    clips = _example_clips(gen.steps)
    if len(clips) < 4:
        print("error: the bundled example beats are missing; reinstall Bandmate", file=sys.stderr)
        return 2
    print("3/5 morphing example beat A into beat B in 8 steps")
    morph = list(gen.interpolate(clips[0], clips[1], steps=8, temperature=0.0, seed=1).clips)
    morph_paths = _write(morph, out / "interpolate", "step")
    write_midi(Pattern.join(morph), out / "interpolate" / "morph_in_a_row.mid")
    print("4/5 blending four example beats on a 3 x 3 grid")
    grid = gen.blend_grid(clips[:4], grid=3, temperature=0.0, seed=1)
    blend_paths = _write(list(grid.clips), out / "blend", "blend")
    print("5/5 rendering the morph with FluidSynth")
    wav = _render(Pattern.join(morph), out / "morph.wav")
    print(f"\nDone. Everything is in {out}:")
    print(f"  model and report card   {result.model_dir} (report.md)")
    print(f"  samples                 {len(samples)} files in {out / 'samples'}")
    print(f"  morph A -> B            {len(morph_paths)} steps + morph_in_a_row.mid, {morph_paths[0].parent}")
    print(f"  blend grid              {len(blend_paths)} files in {blend_paths[0].parent}")
    print(f"  audio                   {wav or 'not rendered (see above)'}")
    return 0


def _render(song: Pattern, wav: Path) -> Path | None:
    from synth.fluid_render import render_wav
    from synth.soundfont import SoundError

    try:
        render_wav(song, wav)
    except SoundError as exc:  # no soundfont or FluidSynth: the MIDI files are still there
        print(f"   could not render audio: {exc}", file=sys.stderr)
        return None
    return wav
