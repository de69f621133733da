# SPDX-License-Identifier: MIT
"""A small reader for Doom WAD files: the lump directory, and the music lumps (D_*) as MIDI bytes.

Layout (all little-endian): a 12-byte header "IWAD"/"PWAD", lump count (int32), directory offset (int32);
the directory holds one 16-byte entry per lump: file offset (int32), size (int32), name (8 bytes, NUL
padded). Freedoom stores its music lumps as Standard MIDI Files; a lump in Doom's own MUS format is
reported, not converted.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

HEADER = struct.Struct("<4sii")
ENTRY = struct.Struct("<ii8s")


class WadError(Exception):
    """A file that is not a readable WAD; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class Lump:
    name: str
    data: bytes


def read_lumps(data: bytes) -> list[Lump]:
    """Every lump in directory order; raises WadError for a bad header or an entry outside the file."""
    if len(data) < HEADER.size:
        raise WadError("too short for a WAD header")
    magic, count, offset = HEADER.unpack_from(data, 0)
    if magic not in (b"IWAD", b"PWAD"):
        raise WadError(f"not a WAD file (starts with {magic!r})")
    if count < 0 or offset < 0 or offset + count * ENTRY.size > len(data):
        raise WadError(f"the directory ({count} entries at byte {offset}) lies outside the file")
    lumps = []
    for i in range(count):
        start, size, raw = ENTRY.unpack_from(data, offset + i * ENTRY.size)
        name = raw.split(b"\0", 1)[0].decode("ascii", "replace").upper()
        if start < 0 or size < 0 or start + size > len(data):
            raise WadError(f"lump {name} (bytes {start}..{start + size}) lies outside the file")
        lumps.append(Lump(name, data[start : start + size]))
    return lumps


def music_lumps(path: str | Path) -> tuple[list[Lump], list[str]]:
    """The D_* lumps of a WAD that are MIDI files, and a note for each D_* lump that is not."""
    found, notes = [], []
    for lump in read_lumps(Path(path).read_bytes()):
        if not lump.name.startswith("D_"):
            continue
        if lump.data[:4] == b"MThd":
            found.append(lump)
        else:
            kind = "MUS" if lump.data[:4] == b"MUS\x1a" else f"unknown ({lump.data[:4]!r})"
            notes.append(f"{Path(path).name}:{lump.name} is in {kind} format, not MIDI: left out")
    return found, notes


def build_wad(lumps: list[Lump], magic: bytes = b"PWAD") -> bytes:
    """A WAD holding `lumps` (data first, then the directory); for tests and tools."""
    body, entries, offset = b"", [], HEADER.size
    for lump in lumps:
        entries.append(ENTRY.pack(offset, len(lump.data), lump.name.encode("ascii")[:8]))
        body += lump.data
        offset += len(lump.data)
    return HEADER.pack(magic, len(lumps), offset) + body + b"".join(entries)
