# SPDX-License-Identifier: MIT
"""`python main.py ports [--json]`: the MIDI outputs (and inputs, for clock following) of the MIDI system."""

from __future__ import annotations

import argparse
import json

from cli.sound import fail

NAME = "ports"
HELP = "list MIDI output ports"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    from synth.ports import PortError, list_ports

    try:
        ports = list_ports()
    except PortError as e:
        if args.json:
            print(json.dumps({"api": None, "outputs": [], "inputs": [], "error": str(e)}))
        return fail("ports", e)
    if args.json:
        print(json.dumps(ports.as_dict()))
        return 0
    print(f"MIDI system: {ports.api}")
    print("outputs (play --port NAME):")
    for name in ports.outputs or ("(none: use play --virtual for a 'Bandmate' port)",):
        print(f"  {name}")
    print("inputs (play --follow NAME):")
    for name in ports.inputs or ("(none)",):
        print(f"  {name}")
    return 0
