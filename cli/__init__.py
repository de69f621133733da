# SPDX-License-Identifier: MIT
"""The command line: one module per subcommand, each owning its arguments and its handler.

Every module has `NAME`, `HELP`, `add_arguments(parser)` and `run(args) -> int` (see `Command`); none
imports the engine at import time, so building the parser stays cheap and the app never loads training
code at start-up. `main.py` builds the parser from `COMMANDS`.
"""

from __future__ import annotations

import argparse
from typing import Protocol

from cli import (
    answer,
    blend,
    complete,
    demo,
    evaluate,
    humanize,
    infill,
    interpolate,
    jam,
    models,
    play,
    ports,
    prepare,
    record,
    render,
    sample,
    train,
    variations,
)


class Command(Protocol):
    """What a subcommand module provides."""

    NAME: str
    HELP: str

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


COMMANDS: tuple[Command, ...] = (
    prepare,
    train,
    evaluate,
    models,
    sample,
    variations,
    interpolate,
    blend,
    complete,
    infill,
    humanize,
    demo,
    render,
    ports,
    play,
    jam,
    answer,
    record,
)
