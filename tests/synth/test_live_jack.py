"""Live MIDI over a real JACK server (dummy driver, -p 64): real clips into a second port."""

from __future__ import annotations

import time

import mido
import pytest

from engine.playback.player import Player
from engine.playback.timeline import timeline_from_midi
from synth.ports import PortError, list_ports
from synth.rtmidi_out import RtMidiOutput
from tests.synth.jack_helpers import Receiver, clock_rate, note_key, residuals, unmatched

DRUMS = "drums/zharry29-drums-with-llm/drummer3/session2/31_hiphop_92_beat_4-4.mid"
MULTI = "multitrack/freedoom-freedoom/d_dm14.mid"
# Timing bounds that hold on a busy 2-core machine yet fail a broken scheduler: at 200 BPM a 16th is
# 75 ms and these clips' micro-timing moves onsets by ~5-15 ms, so sending on the grid, a step late,
# all at once, or at the wrong tempo misses them. The p99 < 2 ms target is in benchmarks/bench_synth.py.
MEDIAN_TOL, P90_TOL = 0.003, 0.012
pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def bandmate(jack: str) -> tuple[RtMidiOutput, Receiver]:
    out = RtMidiOutput.open(virtual=True, api="jack")
    rx = Receiver()
    rx.connect("Bandmate:Bandmate")
    time.sleep(0.05)  # JACK applies the connection on the next cycle
    yield out, rx
    rx.close()
    out.close()


def _play(out: RtMidiOutput, timeline, seconds: float | None = None) -> Player:
    player = Player(out)
    player.load(timeline)
    player.play()
    if seconds is None:
        assert player.wait(30), "the player did not reach the end"
    else:
        time.sleep(seconds)
        player.stop()
    return player


@pytest.mark.parametrize("name", [DRUMS, MULTI])
def test_clip_arrives_complete_in_order_and_on_time(bandmate, midi_dir, name: str) -> None:
    out, rx = bandmate
    timeline = timeline_from_midi(midi_dir / name).head(32).with_tempo(200)
    _play(out, timeline)
    rx.wait_quiet()
    got = rx.messages()
    sent = [(p, m) for p, m in timeline.events if m.type in ("note_on", "note_off")]
    assert len(sent) > 20
    assert [note_key(m) for _, m in got] == [note_key(m) for _, m in sent], "messages lost or reordered"
    assert not unmatched([m for _, m in got]), "a note-on without its note-off"
    arrivals, intended = [t for t, _ in got], [timeline.seconds(p) for p, _ in sent]
    assert 0.95 < clock_rate(arrivals, intended) < 1.05, "played at the wrong tempo"
    dev = sorted(abs(x) for x in residuals(arrivals, intended))
    median, p90 = dev[len(dev) // 2], dev[int(0.9 * len(dev))]
    report = f"timing median {median * 1e3:.2f} ms, p90 {p90 * 1e3:.2f} ms"
    assert median < MEDIAN_TOL and p90 < P90_TOL, report
    assert any(m.channel == 9 for _, m in got) == any(m.channel == 9 for _, m in sent)


def test_stop_mid_clip_leaves_nothing_sounding(bandmate, midi_dir) -> None:
    out, rx = bandmate
    timeline = timeline_from_midi(midi_dir / MULTI).with_tempo(200)
    _play(out, timeline, seconds=0.7)
    rx.wait_quiet()
    got = [m for _, m in rx.messages(("note_on", "note_off", "control_change"))]
    notes = [m for m in got if m.type != "control_change"]
    assert any(m.type == "note_on" for m in notes)
    assert len(notes) < len(timeline.events), "stop came after the end: the test proves nothing"
    assert not unmatched(notes)
    cc123 = {m.channel for m in got if m.type == "control_change" and m.control == 123}
    assert cc123 >= set(timeline.channels)


def test_loop_wrap_and_tempo_change_release_every_note(bandmate, midi_dir) -> None:
    out, rx = bandmate
    player = Player(out)
    player.load(timeline_from_midi(midi_dir / MULTI), loop=(0, 8))
    player.set_tempo(400)
    player.play()
    time.sleep(0.5)  # 8 steps at 400 BPM last 0.3 s: at least one wrap
    player.set_tempo(250)
    time.sleep(0.3)
    player.stop()
    rx.wait_quiet()
    notes = [m for _, m in rx.messages()]
    ons = [m for m in notes if m.type == "note_on"]
    first_pass = sum(1 for p, m in player.timeline.events if p < 8 and m.type == "note_on")
    assert len(ons) > first_pass, "the loop did not wrap"
    assert not unmatched(notes)


def test_clock_is_24_per_quarter_with_start_and_stop(bandmate, midi_dir) -> None:
    out, rx = bandmate
    player = Player(out, send_clock=True)
    timeline = timeline_from_midi(midi_dir / DRUMS).head(16).with_tempo(150)
    player.load(timeline)
    player.play()
    assert player.wait(10)
    rx.wait_quiet()
    got = rx.messages(("clock", "start", "stop", "songpos"))
    kinds = [m.type for _, m in got]
    assert kinds[:2] == ["songpos", "start"] and kinds[-1] == "stop"
    ticks = [t for t, m in got if m.type == "clock"]
    assert 96 <= len(ticks) <= 97  # 4 quarters; the downbeat after the end may go out too
    quarter = 60 / 150
    assert 0.95 < clock_rate(ticks, [k * quarter / 24 for k in range(len(ticks))]) < 1.05
    # the clock must line up with the music: 6 pulses per 16th before each note-on
    ons = iter(p for p, m in timeline.events if m.type == "note_on")
    pulses = 0
    for _, msg in rx.messages(("clock", "note_on")):
        if msg.type == "clock":
            pulses += 1
        else:
            assert abs(pulses - 6 * next(ons)) <= 1, "clock pulses out of step with the notes"


def test_unknown_port_lists_the_ports(jack: str) -> None:
    rx = Receiver("somesynth")
    rx.open_virtual("midi_in")
    try:
        with pytest.raises(PortError, match="somesynth:midi_in"):
            RtMidiOutput.open("no-such-port", api="jack")
        assert "somesynth:midi_in" in list_ports("jack").outputs
        out = RtMidiOutput.open("somesynth", api="jack")
        assert out.name == "somesynth:midi_in"
        out.send(mido.Message("note_on", note=60))
        out.send(mido.Message("note_off", note=60))
        out.close()
    finally:
        rx.close()


def test_vanished_port_stops_the_player_with_a_reason(jack: str, midi_dir) -> None:
    rx = Receiver("fragile")
    rx.open_virtual("in")
    out = RtMidiOutput.open("fragile", api="jack")
    errors: list[str] = []
    player = Player(out)
    player.on_error = errors.append
    player.load(timeline_from_midi(midi_dir / MULTI))
    player.play()
    time.sleep(0.3)
    assert rx.messages(("note_on",)), "nothing arrived before the port went away"
    rx.close()  # the synth is unplugged
    assert player.wait(5), "the player kept playing into a vanished port"
    out.close()
    assert errors and "has gone away" in errors[0]
