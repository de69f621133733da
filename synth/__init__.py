"""Sound and MIDI outputs: FluidSynth rendering and playback, live MIDI out.

Each output implements the small `MidiOutput` protocol of engine.playback.player.
"""
