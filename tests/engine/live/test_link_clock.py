"""Following a Link session, on simulated time with a scripted session: the start lands on the next
bar, tempo changes are followed, the stop releases every note; the player and the stream both follow."""

from __future__ import annotations

import math

import pytest

from engine.live.link_clock import LinkFollower, LinkSnapshot
from engine.live.stream import Bar, LiveNote, StreamPlayer
from engine.music.pattern import Note, Pattern, Role, Track
from engine.playback.player import Player
from engine.playback.timer import FakeTimer
from synth.null_out import RecordingOutput
from tests.engine.live.fakes import balance


class ScriptedSession:
    """A Link session whose tempo and start/stop the test sets (one anchor: beat `beat` at `time`)."""

    def __init__(self, clock, tempo: float = 120.0, beat_at_zero: float = 0.0) -> None:  # noqa: ANN001
        self.clock = clock
        self.tempo, self.time, self.beat = tempo, 0.0, beat_at_zero
        self.playing, self.play_time = False, 0.0
        self.on_change = None
        self.requests: list[tuple] = []

    def snapshot(self) -> LinkSnapshot:
        return LinkSnapshot(self.tempo, self.time, self.beat, self.playing, self.play_time, 1)

    def set_tempo(self, bpm: float) -> None:
        now = self.clock()
        self.beat, self.time, self.tempo = self.snapshot().beat_at(now), now, bpm
        self._changed()

    def set_playing(self, playing: bool) -> None:
        self.playing, self.play_time = playing, self.clock()
        self._changed()

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    def request_tempo(self, bpm: float) -> None:
        self.requests.append(("tempo", bpm))

    def request_playing(self, playing: bool) -> None:
        self.requests.append(("playing", playing))

    def close(self) -> None:
        pass


def test_a_start_counts_from_the_next_bar() -> None:
    now = [10.0]
    session = ScriptedSession(lambda: now[0], tempo=120.0, beat_at_zero=-15.0)  # beat 5.0 at t = 10
    follower = LinkFollower(session)
    assert follower.song_position(now[0]) is None and follower.wake_at(now[0]) == math.inf
    now[0] = 10.15  # beat 5.3
    session.set_playing(True)
    assert follower.generation == 1
    assert follower.song_position(10.2) is None  # before beat 8, the next bar
    assert follower.wake_at(10.2) == pytest.approx(11.5)  # beat 8 at 120 BPM
    assert follower.song_position(11.5) == pytest.approx(0.0)
    assert follower.song_position(12.0) == pytest.approx(4.0)  # a beat later: 4 steps
    assert follower.time_of(16.0, 12.0) == pytest.approx(13.5)
    session.set_playing(False)
    assert follower.song_position(12.1) is None
    now[0] = 14.0
    session.set_playing(True)
    assert follower.generation == 2


def test_leading_goes_to_the_session_and_checks_link_range() -> None:
    session = ScriptedSession(lambda: 0.0)
    follower = LinkFollower(session)
    follower.request_tempo(128.0)
    follower.request_playing(True)
    assert session.requests == [("tempo", 128.0), ("playing", True)]
    with pytest.raises(ValueError, match="20..999"):
        follower.request_tempo(5.0)


def _script(steps: dict[float, object]):  # noqa: ANN202
    """A fake timer hook running one due step per wait (a stop after the session stops needs the wait
    that follows it)."""

    def on_wait(t: float) -> None:
        due = [at for at in sorted(steps) if t >= at]
        if due:
            steps.pop(due[0])()  # type: ignore[operator]

    return on_wait


def _clip() -> Pattern:
    kick = Track(tuple(Note(36, s, s + 1) for s in (0, 4, 8, 12)), 0, True, Role.DRUMS)
    bass = Track((Note(40, 0, 16, 90),), 33, False, Role.BASS)
    return Pattern((kick, bass), 16, 120.0)


def test_the_player_follows_link_tempo_start_and_stop() -> None:
    timer = FakeTimer()
    session = ScriptedSession(timer.now, tempo=120.0, beat_at_zero=1.6)
    player = Player(RecordingOutput(timer.now), timer, follow=LinkFollower(session), send_clock=True)
    out = player.output
    changed: list[float] = []
    steps = {
        4.0: lambda: (changed.append(timer.now()), session.set_tempo(60.0)),
        9.0: lambda: session.set_playing(False),
        9.01: player.stop,
    }
    timer.on_wait = _script(steps)
    session.set_playing(True)  # at beat 1.6: the song starts on the next bar, beat 4, at t = 1.2
    player.load(_clip(), loop=(0.0, 16.0))
    player.play()
    assert player.wait(10)
    kicks = [t for t, m in out.sent if m.type == "note_on" and m.note == 36]
    assert kicks[:6] == pytest.approx([1.2, 1.7, 2.2, 2.7, 3.2, 3.7])
    # the tempo halves at beat 1.6 + 2 t: beat 10 comes (10 - beat) s later, then one a second
    beat10 = changed[0] + 10 - (1.6 + 2 * changed[0])
    assert 4.0 <= changed[0] < 4.05 and kicks[6:11] == pytest.approx([beat10 + k for k in range(5)])
    assert max(kicks) < 9.0 and not balance(out.messages)
    kinds = [m.type for _, m in out.sent if m.type in ("start", "stop", "songpos")]
    assert kinds == ["songpos", "start", "stop"], "clock out follows Link's start and stop"
    pulses = [t for t, m in out.sent if m.type == "clock"]
    assert pulses[0] == pytest.approx(1.2) and len([p for p in pulses if p < 3.7 - 1e-9]) == 5 * 24


def test_the_stream_starts_on_the_session_bar_and_stops_with_it() -> None:
    timer = FakeTimer()
    session = ScriptedSession(timer.now, tempo=120.0)

    class Beats:
        def bar(self, index: int) -> Bar:
            return Bar(tuple(LiveNote(s, s + 2, 36, 100, 9, "drums") for s in (0, 4, 8, 12)))

        def admit(self, note: LiveNote) -> int:
            return note.velocity

    out = RecordingOutput(timer.now)
    stream = StreamPlayer(out, LinkFollower(session), Beats(), timer, send_clock=True)
    timer.on_wait = _script({5.2: lambda: session.set_playing(False), 5.21: stream.stop})
    session.beat = 1.4
    session.set_playing(True)  # at beat 1.4: the first bar is beat 4, t = 1.3
    stream.play()
    assert stream.wait(10)
    ons = [t for t, m in out.sent if m.type == "note_on"]
    assert ons == pytest.approx([1.3, 1.8, 2.3, 2.8, 3.3, 3.8, 4.3, 4.8])
    assert not balance(out.messages)
    assert [m.type for _, m in out.sent if m.type in ("start", "stop", "songpos")] == [
        "songpos",
        "start",
        "stop",
    ]
