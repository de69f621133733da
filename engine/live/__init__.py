"""Playing live: the endless jam, answers to what you play, following Ableton Link.

stream     -- StreamPlayer: endless bars from a BarSource, locked to a Transport
mixer      -- Mix: the live controls (energy, density, parts), applied per note
bars       -- clips cut into the stream's bars (LiveNote, channels, programs)
wander     -- the walk on the blend square and round a latent loop
models     -- LiveModels: the one adapter over the Generator
jam        -- JamSettings, JamPlanner: phrases planned ahead on a worker
recorder   -- Recorder: what was played, as a clip and a MIDI file
phrase     -- PhraseCapture: notes played in, cut into a phrase at a bar after a rest
answer     -- Answerer: a variation, a continuation or the band, on the next bar
link_clock -- LinkSnapshot, LinkFollower: a Link session as a Transport
"""
