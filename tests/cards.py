"""Model-card values for tests: the training music's statistics of a summary that records only a mean
and a spread (every beat position the same, the jitter equal to the spread)."""

from __future__ import annotations

from models.card import DataSummary, MusicStats, TimingStats


def flat_timing(velocity_mean: float, velocity_std: float, offset_std: float) -> TimingStats:
    return TimingStats(
        notes=100, velocity_mean=velocity_mean, velocity_std=velocity_std, velocity_jitter=velocity_std,
        velocity_by_position=(velocity_mean,) * 16, offset_mean=0.0, offset_std=offset_std,
        offset_jitter=offset_std, offset_by_position=(0.0,) * 16,
    )  # fmt: skip


def summary(velocity_mean: float, velocity_std: float, offset_std: float, key: str | None) -> DataSummary:
    """A data summary with these statistics for the pitched notes (drum tracks take them too)."""
    return DataSummary(
        music=MusicStats(pitched=flat_timing(velocity_mean, velocity_std, offset_std), key=key)
    )
