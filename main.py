# SPDX-License-Identifier: MIT
"""Bandmate: the GUI by default, the command line with a subcommand (`python main.py --help`).

This is the composition root: argparse here only, handlers are imported lazily so that the app never
loads training code at start-up.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# subcommand -> (handler "module:function", one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "gui": ("gui.app:run", "open the app (the default)"),
    "prepare": ("engine.cli.prepare:run", "scan a MIDI folder and report what each file gives"),
    "train": ("engine.cli.train:run", "train a model on a MIDI folder"),
    "evaluate": ("engine.cli.evaluate:run", "write a model's report card against a MIDI folder"),
    "models": ("engine.cli.generate:run_models", "list bundled and trained models"),
    "sample": ("engine.cli.generate:run_sample", "write new clips"),
    "variations": ("engine.cli.generate:run_variations", "clips near a given clip"),
    "interpolate": ("engine.cli.generate:run_interpolate", "morph clip A into clip B"),
    "blend": ("engine.cli.generate:run_blend", "blend four corner beats on a grid"),
    "complete": ("engine.cli.generate:run_complete", "write the missing parts of a clip"),
    "humanize": ("engine.cli.generate:run_humanize", "add learned velocity and micro-timing"),
    "demo": ("engine.cli.demo:run", "train, generate and render headless, end to end"),
    "render": ("synth.cli:run_render", "render MIDI to WAV with FluidSynth"),
    "ports": ("synth.cli:run_ports", "list MIDI output ports"),
    "play": ("synth.cli:run_play", "play MIDI live to a port or FluidSynth"),
}


def _add_generation_options(p: argparse.ArgumentParser, out_default: str = "bandmate-out") -> None:
    p.add_argument("model", help="trained model directory or bundled model name")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--temperature", type=float, default=0.5)
    p.add_argument("--out", default=out_default, help="output folder")
    p.add_argument("--device", default="cpu", choices=["auto", "cpu", "cuda", "mps"])


def _add_arguments(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = {name: sub.add_parser(name, help=help_) for name, (_, help_) in COMMANDS.items()}
    p["gui"].add_argument("--smoke", action="store_true", help="show the window, then quit")
    p["prepare"].add_argument("folder")
    p["prepare"].add_argument("--config", default="all", help="config name or 'all'")
    p["prepare"].add_argument("--json", action="store_true", help="print one JSON object")
    p["prepare"].add_argument("--no-cache", action="store_true", help="parse again, ignore the cache")
    t = p["train"]
    t.add_argument("folder")
    t.add_argument("--config", default=None, help="default: the resumed model's, else drums_2bar")
    t.add_argument("--size", default=None, choices=["tiny", "small", "big"], help="default: small")
    t.add_argument("--out", default=None, help="model folder (default: models/<config>-<folder>)")
    t.add_argument("--minutes", type=float, default=None)
    t.add_argument("--steps", type=int, default=None)
    t.add_argument("--from", dest="from_model", default=None, help="fine-tune this model")
    t.add_argument("--keep", type=int, default=2, help="checkpoints kept besides the best")
    t.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    t.add_argument("--batch-size", type=int, default=None)
    t.add_argument("--seed", type=int, default=0)
    e = p["evaluate"]
    e.add_argument("model")
    e.add_argument("folder")
    e.add_argument("--json", action="store_true")
    e.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    e.add_argument("--seed", type=int, default=0)
    e.add_argument(
        "--training-folder",
        action="store_true",
        help="FOLDER is the model's training folder, moved or copied: test only its recorded held-out files",
    )
    e.add_argument("--save", action="store_true", help="also write report.json and report.md into the model")
    for name in ("sample", "variations", "interpolate", "blend", "complete", "humanize"):
        _add_generation_options(p[name])
    for name in ("sample", "variations", "interpolate", "complete"):
        p[name].add_argument("--key", default=None, help="e.g. C:minor, or 'auto'")
    for name in ("sample", "variations", "interpolate", "blend", "complete"):
        p[name].add_argument(
            "--flat",
            action="store_true",
            help="new notes at velocity 100 on the grid (default: the training music's loudness and timing)",
        )
    p["sample"].add_argument("--n", type=int, default=32)
    p["sample"].add_argument("--bars", type=int, default=None, help="chain into this many bars")
    p["variations"].add_argument("clip")
    p["variations"].add_argument("--n", type=int, default=8)
    p["variations"].add_argument("--amount", type=float, default=0.3)
    p["interpolate"].add_argument("a")
    p["interpolate"].add_argument("b")
    p["interpolate"].add_argument("--steps", type=int, default=8)
    p["blend"].add_argument("corners", nargs=4, metavar="CLIP")
    p["blend"].add_argument("--grid", type=int, default=5)
    p["blend"].add_argument("--at", default=None, help="one point X,Y in 0..1")
    p["complete"].add_argument("clip")
    p["complete"].add_argument("--parts", default=None, help="parts to write: melody,bass,drums")
    p["humanize"].add_argument("clip")
    p["humanize"].add_argument("--amount", type=float, default=1.0)
    p["demo"].add_argument("--out", default="bandmate-demo")
    p["demo"].add_argument("--minutes", type=float, default=2.0)
    p["demo"].add_argument("--steps", type=int, default=None, help="train this many steps instead")
    p["render"].add_argument("midi")
    p["render"].add_argument("wav")
    p["render"].add_argument("--soundfont", default=None)
    p["render"].add_argument("--rate", type=int, default=44100)
    p["ports"].add_argument("--json", action="store_true")
    pl = p["play"]
    pl.add_argument("midi")
    pl.add_argument("--port", default=None, help="existing MIDI output port (name or part of it)")
    pl.add_argument("--virtual", action="store_true", help="open a virtual 'Bandmate' port")
    pl.add_argument("--loop", action="store_true")
    pl.add_argument("--soundfont", default=None)
    pl.add_argument("--clock", action="store_true", help="send MIDI clock and start/stop")
    pl.add_argument("--follow", default=None, metavar="PORT", help="follow a DAW's MIDI clock on PORT")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bandmate", description="Bandmate: MusicVAE for musicians.")
    parser.add_argument("--smoke", action="store_true", help="show the window, then quit")
    _add_arguments(parser.add_subparsers(dest="command", metavar="COMMAND"))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "gui"
    if command == "gui":  # frontdoor: one line naming a missing Qt system library, before Qt aborts
        importlib.import_module("gui.preflight").exit_if_qt_cannot_start()
    module_name, func_name = COMMANDS[command][0].split(":")
    handler = getattr(importlib.import_module(module_name), func_name)
    return int(handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
