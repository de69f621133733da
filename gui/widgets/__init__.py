"""Reusable painted widgets: clip thumbnails, the XY pad, the latent slider, training curves."""
