"""MIDI folders to training tensors, and back.

codec      -- melody and drum token codecs
converter  -- the Converter base class and window helpers
converters -- the per-config converters (CONVERTERS)
examples   -- FileReport, PrepareReport, Examples
cache      -- the content-keyed prepare cache
dataset    -- prepare (what each file gives) and load_examples
stats      -- loudness, timing, key and tempo statistics of a body of music
"""
