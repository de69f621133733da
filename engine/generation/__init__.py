"""Writing music with a trained model.

generator           -- the facade the command line and the app call
runner              -- fit, encode, masks, seeds, decode for a loaded model; Generated
fit                 -- fitting a musician's clip to a model (length, content), GenerationError
chain               -- longer pieces from short clips along a smooth latent path
morph               -- interpolation steps that never step back
complete            -- writing the missing parts of a song, for every bar
infill              -- rewriting parts or tracks over chosen bars so they join their neighbours
humanize            -- learned loudness and micro-timing; the feel of generated notes
groove              -- the spread a velocity/timing head leaves out, measured and added back
"""
