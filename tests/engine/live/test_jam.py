"""The endless jam on simulated time: every bar ready a bar early over an hour, changes on phrase
boundaries, live controls heard from the next note, nothing left sounding; offline renders."""

from __future__ import annotations

import pytest

from engine.live.jam import JamPlanner, JamSettings
from engine.live.mixer import Mix
from engine.midi.files import read_clip
from engine.music.pattern import STEPS_PER_BAR
from tests.engine.live.fakes import FakeModels, balance, stream_on_fake_time

CORNERS = [object()] * 4  # the fake models never look at the corner beats


def test_an_hour_of_jam_has_every_bar_ready_a_bar_before_it_plays() -> None:
    planner = JamPlanner(FakeModels(), CORNERS, JamSettings(speed=0.8, phrase_bars=8), seed=5)
    stream, out, transport = stream_on_fake_time(
        planner, tempo=120.0, until=3600.0, on_wait=lambda _t: planner.pump()
    )
    bars = 3600 // 2  # a 4/4 bar lasts 2 s at 120 BPM
    assert stream.misses == 0
    played = {k: v for k, v in planner.ready_margin.items() if k < bars}
    assert len(played) >= bars - 8 - planner.ahead, "bars planned before the start are not timed"
    assert min(played.values()) >= STEPS_PER_BAR, f"a bar was ready only {min(played.values())} steps early"
    ons = [(t, m) for t, m in out.sent if m.type == "note_on"]
    assert ons[-1][0] > 3590 and len(ons) >= bars * 16  # 8 drum hits, 4 bass and 4 lead notes a bar
    # every note on the grid of the song (the fake notes have no micro-timing): no drift over the hour
    step = 60 / 120 / 4
    assert max(abs(t / step - round(t / step)) for t, _ in ons) < 1e-6
    assert not balance(out.messages), "notes left sounding"
    cc123 = {m.channel for m in out.messages if m.type == "control_change" and m.control == 123}
    assert cc123 == {0, 1, 9}


def test_material_changes_only_on_phrase_boundaries() -> None:
    planner = JamPlanner(FakeModels(), CORNERS, JamSettings(speed=1.0, phrase_bars=4), seed=2)
    _, out, _ = stream_on_fake_time(planner, tempo=120.0, until=64.0, on_wait=lambda _t: planner.pump())
    kicks: dict[int, set[int]] = {}  # bar -> the marker pitches (where on the square the beat came from)
    for t, m in out.sent:
        if m.type == "note_on" and m.channel == 9 and m.note != 42:
            kicks.setdefault(int(t // 2.0), set()).add(m.note)
    assert all(len(v) == 1 for v in kicks.values()), "material changed inside a bar"
    changes = [b for b in sorted(kicks) if b - 1 in kicks and kicks[b] != kicks[b - 1]]
    assert changes and all(b % 4 == 0 for b in changes), changes
    assert [p[0] for p in planner.phrases[:5]] == [0, 4, 8, 12, 16]


def test_steering_lands_on_the_next_phrase_not_yet_planned() -> None:
    models = FakeModels()
    planner = JamPlanner(models, CORNERS, JamSettings(x=0.0, y=0.0, speed=0.0, phrase_bars=4), seed=1)
    moved: list[float] = []

    def on_wait(now: float) -> None:
        planner.pump()
        if now >= 3.0 and not moved:  # during bar 1 of the first phrase
            moved.append(now)
            planner.steer(x=1.0, y=1.0)

    stream_on_fake_time(planner, until=20.0, on_wait=on_wait)
    points = [(round(x, 3), round(y, 3)) for _, _, x, y, _ in planner.phrases]
    assert points[0] == (0.0, 0.0) and points[1] == (1.0, 1.0)


def test_live_controls_are_heard_from_the_next_note() -> None:
    planner = JamPlanner(FakeModels(), CORNERS, JamSettings(), seed=1)
    switched: list[float] = []

    def on_wait(now: float) -> None:
        planner.pump()
        if now >= 5.1 and not switched:
            switched.append(now)
            planner.set_mix(parts=frozenset({"drums"}), energy=1.0)

    _, out, _ = stream_on_fake_time(planner, until=8.0, on_wait=on_wait)
    before = [(t, m) for t, m in out.sent if m.type == "note_on" and t < switched[0]]
    after = [(t, m) for t, m in out.sent if m.type == "note_on" and t >= switched[0]]
    assert {m.channel for _, m in before} == {0, 1, 9}
    assert {m.channel for _, m in after} == {9}, "a muted part kept playing"
    assert after[0][0] - switched[0] < 0.126, "the first note after the move is not the next one due"
    assert all(m.velocity == min(127, round(100 * 1.5)) for _, m in after if m.note != 42)
    assert not balance(out.messages)


def test_density_thins_offbeats_first() -> None:
    mix = Mix(density=0.0)
    planner = JamPlanner(FakeModels(), CORNERS, JamSettings(), mix=mix, seed=1)
    _, out, _ = stream_on_fake_time(planner, until=8.0, on_wait=lambda _t: planner.pump())
    steps = {round(t / 0.125) % 16 for t, m in out.sent if m.type == "note_on"}
    assert steps == {0}, "density 0 keeps only each bar's downbeat"


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="4 or 8"):
        JamSettings(phrase_bars=3)
    with pytest.raises(ValueError, match="square"):
        JamSettings(x=1.5)
    with pytest.raises(ValueError, match="parts"):
        Mix(parts=frozenset({"tuba"}))
    with pytest.raises(ValueError, match="4 corner"):
        JamPlanner(FakeModels(), CORNERS[:3])


def test_switching_a_part_off_ends_its_sounding_notes_at_once(tmp_path) -> None:
    from engine.live.live_jam import LiveJam
    from engine.playback.timer import FakeTimer
    from engine.playback.transport import InternalTransport
    from synth.null_out import RecordingOutput

    timer = FakeTimer()
    out = RecordingOutput(timer.now)
    transport = InternalTransport(120.0, clock=timer.now)
    planner = JamPlanner(FakeModels(), CORNERS, JamSettings(tempo=97.0), seed=1)
    jam = LiveJam(planner, out, transport, timer=timer, record_to=tmp_path / "rec.mid")
    moved: list[float] = []

    def on_wait(now: float) -> None:
        planner.pump()
        if now >= 2.1 and not moved:  # a lead note (steps 16-19) sounds from 2.0 to 2.375 s
            moved.append(now)
            jam.set_mix(Mix(parts=frozenset({"drums", "bass"})))
        if now >= 4.0:
            jam.stream.stop()

    timer.on_wait = on_wait
    jam.start()
    assert jam.stream.wait(10)
    jam.stop()
    offs = [t for t, m in out.sent if m.type == "note_off" and m.channel == 0]
    assert moved and offs[-1] == pytest.approx(moved[0]), "the lead rang on after its part was switched off"
    assert not [m for t, m in out.sent if m.type == "note_on" and m.channel == 0 and t > moved[0]]
    assert not balance(out.messages)
    assert read_clip(tmp_path / "rec.mid").tempo == pytest.approx(120.0)  # the transport's, not the setting's
