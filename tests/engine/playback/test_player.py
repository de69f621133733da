"""The scheduler and transport on simulated time: order, timing, loops, stop, tempo, errors, clock."""

from __future__ import annotations

import mido
import pytest

from engine.music.pattern import Note, Pattern, Role, Track
from engine.playback.clock_follow import ClockFollower
from engine.playback.player import Player
from engine.playback.timeline import Timeline, TimelineError, timeline_from_midi, timeline_from_pattern
from engine.playback.timer import FakeTimer
from synth.null_out import RecordingOutput


def _pattern(tempo: float = 120.0) -> Pattern:
    drums = Track(
        (Note(36, 0, 1), Note(38, 4, 5, 90, 0.25), Note(36, 8, 9), Note(38, 12, 13)), 0, True, Role.DRUMS
    )
    bass = Track((Note(40, 0, 6, 80), Note(43, 8, 16, 70)), 33, False, Role.BASS)
    lead = Track((Note(64, 2, 4), Note(67, 10, 15, 100, -0.25)), 81, False, Role.LEAD)
    return Pattern((drums, bass, lead), 16, tempo)


def _run(source, loop=None, on_wait=None, tempo=None, **kw) -> tuple[Player, RecordingOutput]:
    timer = FakeTimer(on_wait=on_wait)
    out = RecordingOutput(timer.now)
    player = Player(out, timer, **kw)
    player.load(source, loop=loop)
    if tempo:
        player.set_tempo(tempo)
    player.play()
    assert player.wait(10)
    return player, out


def _balance(messages: list[mido.Message]) -> dict[tuple[int, int], int]:
    count: dict[tuple[int, int], int] = {}
    for m in messages:
        if m.type in ("note_on", "note_off"):
            d = 1 if m.type == "note_on" and m.velocity else -1
            count[(m.channel, m.note)] = count.get((m.channel, m.note), 0) + d
            assert count[(m.channel, m.note)] >= 0, f"note-off without note-on: {m}"
    return {k: v for k, v in count.items() if v}


def test_pattern_channels_programs_velocity_and_micro_timing() -> None:
    tl = timeline_from_pattern(_pattern())
    programs = {m.channel: m.program for _, m in tl.events if m.type == "program_change"}
    assert programs == {0: 33, 1: 81}  # drums get no program change, on channel index 9
    snare = next((p, m) for p, m in tl.events if m.type == "note_on" and m.note == 38)
    assert snare[0] == 4.25 and snare[1].channel == 9 and snare[1].velocity == 90
    lead = [p for p, m in tl.events if m.type == "note_on" and m.channel == 1]
    assert lead == [2.0, 9.75]
    assert tl.channels == (0, 1, 9)


def test_plays_every_message_at_its_time_and_ends() -> None:
    finished = []
    timer = FakeTimer()
    out = RecordingOutput(timer.now)
    player = Player(out, timer)
    player.on_finished = lambda: finished.append(True)
    player.load(_pattern(tempo=120))
    player.play()
    assert player.wait(10) and finished == [True]
    notes = [(t, m) for t, m in out.sent if m.type.startswith("note")]
    expected = [
        (p * 0.125, m) for p, m in timeline_from_pattern(_pattern()).events if m.type.startswith("note")
    ]
    assert [m for _, m in notes] == [m for _, m in expected]
    assert [t for t, _ in notes] == pytest.approx([t for t, _ in expected], abs=1e-9)
    assert not _balance(out.messages)
    assert player.position() == 16


def test_loop_wraps_releases_sounding_notes_and_stops_clean() -> None:
    def stop_after_three_passes(now: float) -> None:
        if now >= 2.9:  # a 12-step loop at 120 BPM lasts 1.5 s
            player.stop()

    timer = FakeTimer(on_wait=stop_after_three_passes)
    out = RecordingOutput(timer.now)
    player = Player(out, timer)
    player.load(_pattern(), loop=(0, 12))  # the bass note 43 (steps 8..16) is cut by the wrap
    player.play()
    assert player.wait(10)
    kicks = [t for t, m in out.sent if m.type == "note_on" and m.note == 36]
    assert kicks[:4] == pytest.approx([0.0, 1.0, 1.5, 2.5])
    cut = [t for t, m in out.sent if m.type == "note_off" and m.note == 43]
    assert cut[0] == pytest.approx(1.5), "the note crossing the loop end is released at the wrap"
    assert not _balance(out.messages)
    assert {m.channel for m in out.messages if m.type == "control_change" and m.control == 123} == {0, 1, 9}


def test_stop_mid_clip_leaves_nothing_sounding() -> None:
    def stop_at_half(now: float) -> None:
        if now >= 1.0:
            player.stop()

    timer = FakeTimer(on_wait=stop_at_half)
    out = RecordingOutput(timer.now)
    player = Player(out, timer)
    player.load(_pattern())
    player.play()
    assert player.wait(10)
    assert max(t for t, m in out.sent if m.type == "note_on") == 1.0  # nothing after the stop
    assert not _balance(out.messages)
    assert 8 <= player.position() < 9
    assert not player.playing


def test_tempo_change_mid_clip_rescales_the_rest() -> None:
    def faster(now: float) -> None:
        if now >= 1.0 and player.tempo == 120:
            player.set_tempo(240)

    timer = FakeTimer(on_wait=faster)
    out = RecordingOutput(timer.now)
    player = Player(out, timer)
    player.load(_pattern())
    player.play()
    assert player.wait(10)
    kicks = [t for t, m in out.sent if m.type == "note_on" and m.note == 36]
    assert kicks == pytest.approx([0.0, 1.0])  # step 8 falls exactly on the change
    snare = [t for t, m in out.sent if m.type == "note_on" and m.note == 38]
    assert snare[1] == pytest.approx(1.0 + 4 * 0.0625)
    assert not _balance(out.messages)


def test_midi_file_tempo_changes_are_honoured(tmp_path) -> None:
    mid = mido.MidiFile(ticks_per_beat=96)
    track = mido.MidiTrack()
    track += [mido.MetaMessage("set_tempo", tempo=500000, time=0), mido.Message("note_on", note=60, time=0)]
    track += [mido.Message("note_off", note=60, time=96), mido.MetaMessage("set_tempo", tempo=250000, time=0)]
    track += [mido.Message("note_on", note=62, time=0), mido.Message("note_off", note=62, time=96)]
    mid.tracks.append(track)
    mid.save(tmp_path / "t.mid")
    tl = timeline_from_midi(tmp_path / "t.mid")
    assert tl.tempos == ((0.0, 120.0), (4.0, 240.0))
    assert tl.seconds(tl.last_sound) == pytest.approx(0.75)
    assert tl.duration == pytest.approx(1.25)  # a clip lasts whole bars: the rest of the bar at 240 BPM
    _, out = _run(tl)
    ons = [t for t, m in out.sent if m.type == "note_on"]
    offs = [t for t, m in out.sent if m.type == "note_off"]
    assert ons == pytest.approx([0.0, 0.5]) and offs == pytest.approx([0.5, 0.75])


def test_vanished_output_stops_reports_and_panics() -> None:
    class Vanishing(RecordingOutput):
        panicked = False

        def send(self, msg: mido.Message) -> None:
            if len(self.sent) >= 6:
                raise OSError("the MIDI port 'x' has gone away")
            super().send(msg)

        def panic(self) -> None:
            self.panicked = True

    errors: list[str] = []
    timer = FakeTimer()
    out = Vanishing(timer.now)
    player = Player(out, timer)
    player.on_error = errors.append
    player.load(_pattern())
    player.play()
    assert player.wait(10)
    assert errors == ["the MIDI port 'x' has gone away"] and out.panicked and not player.playing


def test_clock_24_per_quarter_start_stop_and_song_position() -> None:
    _, out = _run(_pattern(), send_clock=True)
    kinds = [m.type for m in out.messages]
    assert kinds[:2] == ["songpos", "start"] and kinds[-1] == "stop"
    ticks = [t for t, m in out.sent if m.type == "clock"]
    assert ticks[:3] == pytest.approx([0.0, 0.5 / 24, 1.0 / 24]) and len(ticks) in (96, 97)
    timer = FakeTimer()
    out = RecordingOutput(timer.now)
    player = Player(out, timer, send_clock=True)
    player.load(_pattern(), loop=(4, 12))
    player.play()
    player.stop()
    assert [m for m in out.messages if m.type in ("songpos", "continue")][:2] == [
        mido.Message("songpos", pos=4),
        mido.Message("continue"),
    ]


def test_position_seek_and_loop_snapshot() -> None:
    player = Player(RecordingOutput(), FakeTimer())
    player.load(_pattern(), loop=(4, 8))
    assert player.position() == 4
    player.seek(13)
    assert player.position() == 5  # folded into the loop
    with pytest.raises(ValueError):
        player.set_loop((8, 4))


def test_clock_follower_tempo_position_start_stop() -> None:
    f = ClockFollower()
    assert f.song_position(0.0) is None
    f.feed("start", 0.0)
    pulse = 60 / 125 / 24
    for k in range(48):
        f.feed("clock", k * pulse)
    assert f.tempo == pytest.approx(125)
    assert f.song_position(47 * pulse) == pytest.approx(47 / 6)
    assert f.song_position(47 * pulse + 10) < 48 / 6, "never runs past the next pulse"
    assert f.time_of(10.0, 0) == pytest.approx(60 * pulse)
    f.feed("stop", 1.0)
    assert f.song_position(1.0) is None
    f.feed("songpos", 1.1, 32)
    f.feed("continue", 1.1)
    f.feed("clock", 1.1)
    assert f.song_position(1.1) == 32 and f.generation == 2


def test_unreadable_midi_gives_a_reason(tmp_path) -> None:
    bad = tmp_path / "bad.mid"
    bad.write_text("not midi at all")
    with pytest.raises(TimelineError, match="not a readable MIDI file"):
        timeline_from_midi(bad)
    with pytest.raises(TimelineError, match="no such file"):
        timeline_from_midi(tmp_path / "missing.mid")
    empty = mido.MidiFile()
    empty.tracks.append(mido.MidiTrack())
    empty.save(tmp_path / "empty.mid")
    with pytest.raises(TimelineError, match="no notes"):
        timeline_from_midi(tmp_path / "empty.mid")
    assert Timeline(()).steps == 16


def _pedal_and_bend_timeline() -> Timeline:
    events = [
        (0.0, mido.Message("control_change", channel=2, control=64, value=127)),
        (0.0, mido.Message("pitchwheel", channel=2, pitch=3000)),
        (0.0, mido.Message("note_on", channel=2, note=60, velocity=90)),
        (12.0, mido.Message("note_off", channel=2, note=60)),
        (0.0, mido.Message("note_on", channel=9, note=36, velocity=90)),
        (1.0, mido.Message("note_off", channel=9, note=36)),
    ]
    return Timeline(tuple(events), ((0.0, 120.0),), 16.0)


def test_stop_releases_pedal_and_pitch_bend_as_well_as_notes() -> None:
    def stop_early(now: float) -> None:
        if now >= 0.1:  # after the kick: pedal down, wheel bent, a note sounding
            player.stop()

    timer = FakeTimer(on_wait=stop_early)
    out = RecordingOutput(timer.now)
    player = Player(out, timer)
    player.load(_pedal_and_bend_timeline())
    player.play()
    assert player.wait(10)
    after = [m for t, m in out.sent if t >= 0.1]
    assert mido.Message("note_off", channel=2, note=60, velocity=0) in after
    for channel in (2, 9):  # every channel used: pedal up, wheel centred, all notes off
        assert mido.Message("control_change", channel=channel, control=64, value=0) in after
        assert mido.Message("pitchwheel", channel=channel, pitch=0) in after
        assert mido.Message("control_change", channel=channel, control=123, value=0) in after
    assert not _balance(out.messages)


def test_a_loop_wrap_lifts_a_held_pedal() -> None:
    def stop_in_second_pass(now: float) -> None:
        if now >= 1.2:  # an 8-step loop at 120 BPM lasts 1 s
            player.stop()

    timer = FakeTimer(on_wait=stop_in_second_pass)
    out = RecordingOutput(timer.now)
    player = Player(out, timer)
    player.load(_pedal_and_bend_timeline(), loop=(0, 8))
    player.play()
    assert player.wait(10)
    at_wrap = [m for t, m in out.sent if t == pytest.approx(1.0)]
    assert mido.Message("control_change", channel=2, control=64, value=0) in at_wrap
    assert mido.Message("pitchwheel", channel=2, pitch=0) in at_wrap
    assert not _balance(out.messages)


def test_starting_mid_clip_sends_the_programs_and_controllers_in_force_there() -> None:
    events = [
        (0.0, mido.Message("control_change", channel=1, control=0, value=1)),
        (0.0, mido.Message("program_change", channel=1, program=33)),
        (0.0, mido.Message("control_change", channel=1, control=7, value=90)),
        (0.0, mido.Message("control_change", channel=1, control=64, value=127)),
        (2.0, mido.Message("control_change", channel=1, control=7, value=70)),
        (0.0, mido.Message("note_on", channel=1, note=40, velocity=90)),
        (12.0, mido.Message("note_off", channel=1, note=40)),
    ]
    timer = FakeTimer()
    out = RecordingOutput(timer.now)
    player = Player(out, timer)
    player.load(Timeline(tuple(events), ((0.0, 120.0),), 16.0))
    player.play(8.0)
    assert player.wait(10)
    assert out.messages[:3] == [
        mido.Message("control_change", channel=1, control=0, value=1),
        mido.Message("program_change", channel=1, program=33),
        mido.Message("control_change", channel=1, control=7, value=70),
    ]  # the bank before the program, the latest volume, the pedal left up
