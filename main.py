# SPDX-License-Identifier: MIT
"""Bandmate: the app by default, the command line with a subcommand (`python main.py --help`).

The composition root: the parser is built from the subcommand modules in `cli`; the app is started only
when no subcommand (or `gui`) is given, so the command line never loads Qt and the app never loads
training code at start-up.
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

from cli import COMMANDS


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose refusals are one line (no usage block above it), exit code 2."""

    def error(self, message: str) -> NoReturn:
        """Print "bandmate CMD: error: MESSAGE; bandmate CMD --help lists the options" and exit 2."""
        self.exit(2, f"{self.prog}: error: {message}; {self.prog} --help lists the options\n")


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: `gui` (the default) and one subparser per module of `cli.COMMANDS`."""
    parser = OneLineParser(prog="bandmate", description="Bandmate: MusicVAE for musicians.")
    smoke = "open the window, load the model, generate once, then quit (a self-test)"
    session = "open this session file (.bandmate) in the app"
    parser.add_argument("--smoke", action="store_true", help=smoke)
    parser.add_argument("--session", metavar="FILE", default=None, help=session)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    gui = sub.add_parser("gui", help="open the app (the default)")
    gui.add_argument("--smoke", action="store_true", help=smoke)
    gui.add_argument("--session", metavar="FILE", default=None, help=session)
    for command in COMMANDS:
        p = sub.add_parser(command.NAME, help=command.HELP)
        command.add_arguments(p)
        p.set_defaults(handler=command.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is not None:
        return int(handler(args) or 0)
    from gui.preflight import exit_if_qt_cannot_start

    exit_if_qt_cannot_start()  # one line naming a missing Qt system library, before Qt would abort
    from gui.app import run

    return run(args)


if __name__ == "__main__":
    sys.exit(main())
