"""Plain-Python core of Bandmate: MIDI ⇄ patterns ⇄ tensors, training, generation, playback scheduling.

Never imports Qt. Sub-modules:
    pattern   -- Note, Track, Pattern on the 16th grid
    cli       -- command-line handlers called by main.py
"""
