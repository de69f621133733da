"""Standard MIDI Files in and out.

smf      -- the strict, bounded SMF parser (one-line reasons for bad files)
quantize -- meter regions and notes on the 16th grid
roles    -- which track is drums, bass, lead or other
files    -- read_song / read_clip (files -> Patterns), write_midi (Pattern -> file)
"""
