# SPDX-License-Identifier: MIT
"""The peer benchmark's time-to-accuracy arithmetic (scripts/peer_curves.py)."""

from __future__ import annotations

import math

import pytest

from scripts.peer_curves import best_within, compare, time_to_reach

# Magenta-like: a checkpoint a minute, still rising at 30 minutes, with a dip
PEER = [(60.0, 0.40), (600.0, 0.60), (1200.0, 0.70), (1500.0, 0.68), (1790.0, 0.72), (1850.0, 0.90)]


def test_the_target_is_the_best_within_the_horizon_not_after_it() -> None:
    assert best_within(PEER, 1800.0) == (0.72, 1790.0)
    assert best_within(PEER, 1300.0) == (0.70, 1200.0)


def test_a_plateau_counts_from_its_first_point() -> None:
    flat = [(60.0, 0.5), (120.0, 0.7), (180.0, 0.7), (240.0, 0.69)]
    assert best_within(flat, 1800.0) == (0.7, 120.0)


def test_no_point_within_the_horizon_is_an_error() -> None:
    with pytest.raises(ValueError, match="within 30 s"):
        best_within(PEER, 30.0)


def test_time_to_reach_is_the_first_point_at_or_above_the_target() -> None:
    ours = [(10.0, 0.5), (20.0, 0.72), (30.0, 0.71), (40.0, 0.8)]
    assert time_to_reach(ours, 0.72) == 20.0
    assert time_to_reach(ours, 0.75) == 40.0
    assert time_to_reach(ours, 0.81) is None


def test_compare_gives_the_ratio_of_the_two_times() -> None:
    ours = [(30.0, 0.55), (90.0, 0.70), (179.0, 0.73), (400.0, 0.80)]
    r = compare(PEER, ours, 1800.0)
    assert r["target_accuracy"] == 0.72 and r["magenta_seconds"] == 1790.0
    assert r["ours_seconds"] == 179.0
    assert r["ratio"] == pytest.approx(10.0)
    assert r["ours_best"] == 0.80 and r["ours_last_seconds"] == 400.0


def test_compare_says_how_close_we_came_when_we_never_reach_it() -> None:
    r = compare(PEER, [(30.0, 0.5), (600.0, 0.71)], 1800.0)
    assert r["ours_seconds"] is None and r["ratio"] is None
    assert r["ours_best"] == 0.71 and r["ours_last_seconds"] == 600.0
    empty = compare(PEER, [], 1800.0)
    assert empty["ratio"] is None and math.isnan(empty["ours_best"])
