"""PyTorch networks (MusicVAE family), their configs and checkpoint format. No Qt, MIDI or audio.

Sub-modules:
    presets     -- ModelConfig (frozen) and the named (config, size) presets
    musicvae    -- MusicVAE: forward (loss), encode, decode, recon_log_prob
    encoder     -- the bidirectional LSTM encoder (two-level for segmented configs)
    decoders    -- CoreDecoder (categorical LSTM) and Conductor
    fast_decode -- CoreDecoder's CPU step loop in C (_lstm_kernel.c), weights packed once per model
    checkpoint  -- safetensors + model.json model folders; CheckpointError
    store       -- atomic writes and optimizer state as safetensors
    latent      -- slerp, lerp, bilinear
"""
