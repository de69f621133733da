"""Ableton Link with a second peer (another process), in a network namespace the test makes (loopback
only): joining keeps the session's tempo, Bandmate's notes sit on the session's grid through tempo
changes, start and stop propagate both ways. Timing targets are in benchmarks/bench_live.py; the bounds
here hold on a busy 2-core machine yet fail a follower that drifts, lags a beat or misses a bar."""

from __future__ import annotations

import json

import pytest

from tests.synth.netns import run_isolated

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def scenario() -> dict:
    pytest.importorskip("link", reason="the [link] extra (LinkPython-extern) is installed by `make test`")
    done = run_isolated("tests.synth.link_scenario", timeout=100)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_joining_keeps_the_session_tempo(scenario: dict) -> None:
    join = scenario["join"]
    assert join["joined"]
    assert join["session_tempo"] == pytest.approx(100.0) and join["our_tempo"] == pytest.approx(100.0)


def test_notes_sit_on_the_session_grid_through_tempo_changes(scenario: dict) -> None:
    grid = sorted(abs(x) for x in scenario["grid_error_s"])
    assert len(grid) > 50, "too few notes were played"
    p99 = grid[int(0.99 * (len(grid) - 1))]
    assert p99 < 0.005 and grid[-1] < 0.03, (
        f"grid error p99 {p99 * 1e3:.2f} ms, worst {grid[-1] * 1e3:.1f} ms"
    )
    assert scenario["downbeats_not_on_bar"] == 0, "a bar's first note was not on the session's bar"
    follow = scenario["tempo_follow_beats"]
    assert set(follow) == {"tempo 130", "tempo 90"}
    assert all(beats is not None and beats < 1.0 for beats in follow.values()), follow


def test_the_sessions_stop_and_start_reach_bandmate(scenario: dict) -> None:
    assert scenario["notes_after_stop"] == 0 and scenario["sounding_after_stop"] == 0
    assert scenario["cc123_at_stop"]
    bar = 4 * 60 / 90  # the session plays at 90 BPM when it starts again
    assert 0 <= scenario["start_to_first_note_s"] <= bar + 0.05
    assert abs(scenario["first_note_phase_beats"]) < 0.01, "the restart did not land on the session's bar"


@pytest.fixture(scope="module")
def apps(jack: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    pytest.importorskip("link", reason="the [link] extra (LinkPython-extern) is installed by `make test`")
    folder = tmp_path_factory.mktemp("link-apps")
    done = run_isolated("tests.synth.link_apps_scenario", str(folder), timeout=300)  # 4 app runs
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("app", ["jam", "play", "gui"])
def test_jam_play_and_the_jam_tab_follow_a_link_session(apps: dict, app: str) -> None:
    run = apps[app]
    assert run.get("error", "") == "" and run.get("code", 130) == 130, run
    assert run["before_start"] == 0, "played before the session started"
    assert run["while_playing"] > 10, "did not play while the session played"
    assert run["after_stop"] == 0 and run["stuck"] == 0, "played on, or left notes sounding, after the stop"


def test_recordings_under_link_carry_the_session_tempo(apps: dict) -> None:
    assert apps["jam"]["recorded_tempo"] == pytest.approx(140.0, abs=0.5)
    assert apps["gui"]["started"] and apps["gui"]["recorded_notes"] > 10
    assert apps["gui"]["recorded_tempo"] == pytest.approx(140.0, abs=0.5)


def test_jam_link_lead_sets_the_session_tempo_once_joined(apps: dict) -> None:
    lead = apps["lead"]
    assert lead["before"] == pytest.approx(140.0, abs=0.01), "proposed a tempo before joining"
    assert lead["after"] == pytest.approx(133.0, abs=0.01) and lead["code"] == 130


def test_bandmate_leads_tempo_stop_and_start(scenario: dict) -> None:
    lead = scenario["lead"]
    assert lead["tempo"] == pytest.approx(140.0, abs=0.01)
    assert lead["stopped"] and lead["notes_after_our_stop"] == 0
    assert lead["started"]
