# SPDX-License-Identifier: MIT
"""Reproducible training corpora from openly licensed music (`python -m scripts.corpus build`).

piece (notes in beats: read, hash, write MIDI), wad (Doom WAD lumps), freedoom (songs, the held-out 15),
recorded (Groove, Hydrogen, POP909), scores (music21: lead sheets, folk, chorales), mma (rendering),
accompany (lead sheet + mma), sources (licences, weights), corpora (what goes where), writer (files,
corpus.json), describe (CORPUS.md).
"""
