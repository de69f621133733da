"""Playing clips in real time.

timeline     -- Timeline: a clip or MIDI file as time-ordered messages
output       -- the MidiOutput protocol and NoteGuard
player       -- the real-time transport thread
timer        -- the monotonic timer and a fake one for tests
clock_follow -- following an external MIDI clock
transport    -- the Transport a player follows (MIDI clock, Link, InternalTransport)
"""
