"""How much of a song each model sees (engine/data/coverage.py): exact counts on built clips, and on real
files the shares a musician would expect (a chorale's four voices: all of them for one-line models, none
for the trio, which needs drums)."""

from __future__ import annotations

from engine.data.converters import CONVERTERS
from engine.data.coverage import Coverage, coverage
from engine.midi.files import read_song
from engine.music.pattern import Note, Pattern, Role, Track
from tests.conftest import MIDI_DIR

CHORALE = MIDI_DIR / "bach_chorales/craigsapp-bach-370-chorales/chor146.mid"
BAND = MIDI_DIR / "multitrack/freedoom-freedoom/d_dm14.mid"


def chords(bars: int = 2) -> Pattern:
    """Triads on every beat: a one-line model keeps the top note of each, a third of the notes."""
    notes = [Note(p, s, s + 4) for s in range(0, 16 * bars, 4) for p in (60, 64, 67)]
    return Pattern((Track(tuple(notes), 0, False, Role.LEAD, "piano"),), 16 * bars)


def test_a_melody_model_keeps_the_top_note_of_each_chord() -> None:
    got = coverage([chords()], CONVERTERS["mel_2bar"])
    assert got == Coverage(24, 8) and abs(got.share - 1 / 3) < 1e-9
    assert coverage([chords()], CONVERTERS["drums_2bar"]) == Coverage(24, 0)


def test_drum_keys_outside_the_nine_classes_are_lost() -> None:
    hits = [Note(36, s, s + 1) for s in range(0, 32, 4)] + [Note(88, s, s + 1) for s in range(2, 32, 4)]
    beat = Pattern((Track(tuple(hits), 0, True, Role.DRUMS, "drums"),), 32)
    assert coverage([beat], CONVERTERS["drums_2bar"]) == Coverage(16, 8)  # 88: beyond GM drums, no class


def test_a_chorale_is_seen_whole_by_one_line_models_and_not_at_all_by_the_trio() -> None:
    song = read_song(CHORALE)
    mel, multi = (
        coverage(song.segments, CONVERTERS["mel_2bar"]),
        coverage(song.segments, CONVERTERS["multitrack_1bar"]),
    )
    assert mel.notes == multi.notes > 150
    assert mel.share > 0.97 and multi.share > 0.97  # four monophonic voices, 4 of 8 slots
    assert coverage(song.segments, CONVERTERS["trio_16bar"]).kept == 0  # no drums: no trio windows


def test_a_band_song_loses_notes_where_the_models_reduce_it() -> None:
    song = read_song(BAND)
    shares = {c: coverage(song.segments, conv) for c, conv in CONVERTERS.items()}
    assert len({v.notes for v in shares.values()}) == 1  # the same notes in usable bars for every config
    assert all(0 <= v.kept <= v.notes for v in shares.values())
    one_line = {c: v for c, v in shares.items() if not c.startswith("band_")}
    assert all(shares["multitrack_1bar"].kept >= v.kept for v in one_line.values())  # 8 slots: the most
    # the band models keep every chord note: at least what the one-line models keep
    assert all(
        shares[c].kept >= shares["multitrack_1bar"].kept for c in ("band_1bar", "band_4bar", "band_16bar")
    )
    drums = {(n.start, n.pitch) for seg in song.segments for t in seg.tracks if t.is_drum for n in t.notes}
    assert 0 < shares["drums_2bar"].kept <= len(drums) < shares["drums_2bar"].notes  # drums only
    assert shares["mel_2bar"].share < 0.9  # drums and chords are not melody


def test_the_trio_shortcut_keeps_what_its_windows_give_back() -> None:
    from engine.data.coverage import kept_notes, window_kept

    trio = CONVERTERS["trio_16bar"]
    for name in ("d_dm14.mid", "d_dm15.mid", "d_map03.mid"):
        song = read_song(next(MIDI_DIR.rglob(name)))
        for segment in song.segments:
            assert kept_notes(segment, trio) == window_kept(segment, trio)
