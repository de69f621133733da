"""PyTorch networks (MusicVAE family), their configs and checkpoint format. No Qt, MIDI or audio."""
