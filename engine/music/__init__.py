"""Domain values every wing talks in.

pattern -- Meter, Note, Track, Pattern on the 16th grid (with tempo and meter maps), Role
source  -- MidiSource: a read file's raw events, so writing it back changes only what changed
timing  -- pure tick / step / second helpers
keys    -- Key, key names, key detection (Krumhansl-Kessler)
"""
