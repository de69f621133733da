"""PyTorch networks (MusicVAE family), their configs and checkpoint format. No Qt, MIDI or audio.

Sub-modules:
    presets     -- ModelConfig (frozen) and the named (config, size) presets
    musicvae    -- MusicVAE: forward (loss), encode, decode, recon_log_prob
    encoder     -- the bidirectional LSTM encoder (two-level for segmented configs)
    decoders    -- CoreDecoder (categorical LSTM) and Conductor
    checkpoint  -- safetensors + model.json model folders; CheckpointError
    store       -- atomic writes and optimizer state as safetensors
    latent      -- slerp, lerp, bilinear
"""
