"""Answers on simulated time: a phrase from a real folk tune is caught with its feel, its end is found
at the bar after a rest (or a pedal), and the answer starts on that bar."""

from __future__ import annotations

import mido
import pytest

from engine.live.answer import Answerer
from engine.live.phrase import PhraseCapture
from engine.midi.files import read_clip
from engine.music.pattern import Note
from tests.conftest import MIDI_DIR
from tests.engine.live.fakes import FakeModels, balance, stream_on_fake_time

TUNE = MIDI_DIR / "folk/jukedeck-nottingham-dataset/reelsa-c35.mid"
STEP = 60 / 120 / 4  # seconds per 16th at 120 BPM
PUSH = 0.2  # steps: the player is a little late on every note


def phrase(until: int = 24) -> list[Note]:
    """The tune's first notes up to step `until`, with a velocity that rises (the player's accents)."""
    notes = [n for n in read_clip(TUNE).tracks[0].notes if n.start < until]
    return [Note(n.pitch, n.start, n.end, 60 + 3 * i, 0.0) for i, n in enumerate(notes)]


def player(notes: list[Note], from_step: int, extra: list[tuple[float, mido.Message]] = ()):  # noqa: ANN201
    """Messages (time, message) for notes played from song step `from_step`, pushed by PUSH."""
    msgs = list(extra)
    for n in notes:
        msgs.append(
            ((from_step + n.start + PUSH) * STEP, mido.Message("note_on", note=n.pitch, velocity=n.velocity))
        )
        msgs.append(((from_step + n.end - 0.1) * STEP, mido.Message("note_off", note=n.pitch)))
    return sorted(msgs, key=lambda x: x[0])


def jam_with(messages, mode: str = "variation", until: float = 12.0, end_cc: int | None = None):  # noqa: ANN001, ANN201
    models = FakeModels()
    holder: dict = {}
    pending = list(messages)

    def on_wait(now: float) -> None:
        while pending and pending[0][0] <= now:
            t, msg = pending.pop(0)
            holder["capture"].feed(msg, t)
        holder["answerer"].pump()

    class Late:  # the stream is built by the helper: bind the capture to its transport on first use
        def bar(self, index):  # noqa: ANN001, ANN202
            return holder["answerer"].bar(index)

        def admit(self, note):  # noqa: ANN001, ANN202
            return holder["answerer"].admit(note)

    source = Late()

    def setup(stream, transport) -> None:  # noqa: ANN001
        holder["capture"] = PhraseCapture(transport, end_cc=end_cc)
        holder["answerer"] = Answerer(models, holder["capture"], mode, position=stream.position)

    stream, out, _ = stream_on_fake_time(source, until=until, on_wait=on_wait, setup=setup)
    return holder["answerer"], holder["capture"], out, models


def test_a_phrase_is_answered_on_the_bar_where_it_ends_with_its_feel_kept() -> None:
    notes = phrase()
    answerer, _, out, models = jam_with(player(notes, from_step=16))
    assert [a[:2] for a in answerer.answers] == [
        (3, 2)
    ]  # played in bars 1-2, rest from step 40: ends at bar 3
    clip = answerer.answers[0][2]
    assert clip.steps == 32 and ("vary", clip) in models.calls
    caught = clip.tracks[0].notes
    assert [(n.pitch, n.start, n.velocity) for n in caught] == [(n.pitch, n.start, n.velocity) for n in notes]
    assert all(n.offset == pytest.approx(PUSH) for n in caught), "the push was quantised away"
    answer = [(t, m) for t, m in out.sent if m.type == "note_on" and m.channel == 2]
    assert answer[0][0] == pytest.approx((48 + PUSH) * STEP)  # the answer's first note, on bar 3
    assert [m.note for _, m in answer[: len(notes)]] == [n.pitch + 2 for n in notes]
    assert not balance(out.messages)


def test_a_note_in_the_last_beat_carries_the_phrase_on() -> None:
    notes = phrase(until=24)
    late = [((16 + 29) * STEP, mido.Message("note_on", note=76, velocity=80))]  # a beat before bar 3
    late.append(((16 + 30) * STEP, mido.Message("note_off", note=76)))
    answerer, _, _, _ = jam_with(player(notes, from_step=16, extra=late), until=16.0)
    assert [a[0] for a in answerer.answers] == [4], "answered although the player went on"
    assert answerer.answers[0][2].steps == 48  # bars 1-3: the late note belongs to the phrase


def test_the_pedal_ends_a_phrase_without_a_rest() -> None:
    notes = phrase(until=32)  # plays to the bar line: no rest before bar 3
    pedal = [((16 + 33) * STEP, mido.Message("control_change", control=64, value=127))]
    answerer, _, _, _ = jam_with(player(notes, from_step=16, extra=pedal), end_cc=64)
    assert [a[0] for a in answerer.answers] == [4]


def test_the_band_plays_around_the_phrase() -> None:
    answerer, _, out, models = jam_with(player(phrase(), from_step=16), mode="band")
    assert models.calls[-1][0] == "band"
    kit = [t for t, m in out.sent if m.type == "note_on" and m.channel == 9]
    assert kit and kit[0] == pytest.approx(48 * STEP)
    assert not [m for _, m in out.sent if m.type == "note_on" and m.channel == 2], "the phrase was echoed"


def test_nothing_played_means_no_answer() -> None:
    answerer, _, out, models = jam_with([])
    assert answerer.answers == [] and models.calls == []
    assert not [m for _, m in out.sent if m.type == "note_on"]


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="variation"):
        Answerer(FakeModels(), None, "echo")  # type: ignore[arg-type]
