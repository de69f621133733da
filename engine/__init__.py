"""Plain-Python core of Bandmate: MIDI ⇄ patterns ⇄ tensors, training, generation, playback scheduling.

Never imports Qt, `synth` or `gui`. Wings, lowest first (a wing imports only wings below it):
    device      -- the compute device and thread count, as context managers
    registry    -- where models live and how a MODEL argument is found
    music/      -- Note, Track, Pattern, timing, keys: the domain values
    midi/       -- reading and writing Standard MIDI Files, quantising, track roles
    data/       -- token codecs, per-config converters, the prepare cache, datasets, music statistics
    generation/ -- the Generator facade over the Runner: sample, vary, morph, blend, complete, humanize
    evaluation/ -- the report card: reconstruction, Yang & Lerch metrics, the random baseline
    training/   -- the training loop, its run state, batching, DDP, progress
    playback/   -- timelines of MIDI messages, the real-time player, clock following, transports (beside
                   the ladder: imports only music, midi, device and registry)
    live/       -- the endless jam, answers to what you play, following Ableton Link (on top: imports
                   generation, playback and what they import)
Enforced, with the package rules, by tests/test_layering.py (docs/ARCHITECTURE.md draws it).
"""
