"""PyTorch networks (MusicVAE family), their configs and checkpoint format. No Qt, MIDI or audio.

Imports nothing else of Bandmate: everyone may import it. Sub-modules:
    vocab       -- the data contract's token numbers, drum classes, programs, note names
    spec        -- ModelSpec per config (SPECS) and DecoderKind: what each config is
    presets     -- ModelConfig (frozen; shape from the spec) and the named (config, size) presets
    musicvae    -- MusicVAE: forward (loss), encode, decode, recon_log_prob
    encoder     -- the bidirectional LSTM encoder (two-level for segmented configs)
    decoders    -- CoreDecoder (categorical LSTM) and Conductor
    card        -- model.json as ModelCard (config, data summary, training state, checkpoints)
    report      -- report.json as Report (reconstruction, style scores, groove spread)
    plain       -- frozen dataclasses <-> plain JSON, strictly
    fast_decode -- CoreDecoder's CPU step loop in C (_lstm_kernel.c), weights packed once per model
    checkpoint  -- safetensors + model.json model folders; CheckpointError
    store       -- the one atomic file write (WriteError) and optimizer state as safetensors
    latent      -- slerp, lerp, bilinear
"""
