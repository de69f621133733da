"""Domain values every wing talks in.

pattern -- Note, Track, Pattern on the 16th grid, Role
timing  -- pure tick / step / second helpers
keys    -- Key, key names, key detection (Krumhansl-Kessler)
"""
