"""Standard MIDI Files in and out: one reader, one writer.

smf     -- the bounded SMF parser: raw events per track, damaged parts dropped and named
reader  -- read_midi: a file -> a Pattern with every note, its tempo/meter maps and its source
regions -- the 4/4 runs a model can read, and words for the bars left out
roles   -- which track is drums, bass, lead or other
writer  -- events_of: a Pattern -> events for a file, the player's Timeline and FluidSynth
files   -- read_song (4/4 segments for training), read_clip (whole files), write_midi, midi_bytes
"""
