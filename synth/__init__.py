"""Sound and MIDI outputs: FluidSynth rendering and playback, live MIDI out.

Each output implements the small `MidiOutput` protocol of engine.playback.player. Live input and sync:
midi_in ("Bandmate In"), clock (a DAW's MIDI clock), link (Ableton Link, the optional [link] extra).
"""
