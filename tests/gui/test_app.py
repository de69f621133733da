"""The whole window with a real (tiny, untrained) model: generate, morph, blend, humanize, keep, play."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from engine.music.pattern import Pattern
from gui.mainwindow import MainWindow
from tests.gui.conftest import make_beat, make_clip, use_tiny_model


def _hits(p: Pattern) -> list[tuple[int, int, int]]:
    return sorted((n.pitch, n.start, n.velocity) for t in p.tracks for n in t.notes)


def test_starts_without_sound_and_says_so(window: MainWindow) -> None:
    assert window.status_label.text().lower().startswith(("sound: no sound", "no sound"))
    assert window.player.player.output is window.output


def test_generate_shows_notes_on_the_piano_roll(qtbot: QtBot, window: MainWindow) -> None:
    use_tiny_model(window, "mel_2bar")
    window.generate.count.setValue(4)
    window.generate.seed.setValue(3)
    qtbot.mouseClick(window.generate.generate_button, Qt.MouseButton.LeftButton)
    assert window.generate.candidates.count() == 4
    shown = window.session.doc.pattern
    assert shown == window.generate.candidates.clip(0) and shown.note_count > 0
    assert len(window.roll.model.notes()) == shown.note_count
    assert window.player.player.timeline.steps == shown.steps
    window.generate.candidates.setCurrentRow(2)
    window.generate._clicked(window.generate.candidates.item(2))
    assert window.session.doc.pattern == window.generate.candidates.clip(2)


def test_key_box_keeps_generated_and_morphed_melodies_in_the_scale(qtbot: QtBot, window: MainWindow) -> None:
    use_tiny_model(window, "mel_2bar")  # untrained: without a key it plays any of the 88 notes
    c_major = {0, 2, 4, 5, 7, 9, 11}
    window.generate.key.setCurrentIndex(window.generate.key.findData("C:major"))
    assert window.session.generation.key == "C:major"
    window.generate.count.setValue(4)
    window.generate.seed.setValue(1)
    qtbot.mouseClick(window.generate.generate_button, Qt.MouseButton.LeftButton)
    clips = window.generate.candidates.clips()
    assert all(n.pitch % 12 in c_major for c in clips for t in c.tracks for n in t.notes)
    window.morph.set_clip(0, clips[0], "one")
    window.morph.set_clip(1, clips[1], "two")
    window.morph.steps_button.click()
    steps = window.morph.steps_list.clips()
    assert steps and all(n.pitch % 12 in c_major for c in steps for t in c.tracks for n in t.notes)
    window.generate.key.setCurrentIndex(window.generate.key.findData("auto"))
    auto = window.morph.auto_key  # found once, when A and B were encoded: both are C-major clips
    assert auto is not None and set(auto.pitch_classes) == c_major
    window.morph.slider.set_value(0.5)
    morphed = window.session.doc.pattern
    assert morphed.note_count and all(n.pitch % 12 in c_major for t in morphed.tracks for n in t.notes)
    window.generate.key.setCurrentIndex(0)
    assert window.session.generation.key is None
    qtbot.mouseClick(window.generate.generate_button, Qt.MouseButton.LeftButton)
    free = {n.pitch % 12 for c in window.generate.candidates.clips() for t in c.tracks for n in t.notes}
    assert not free <= c_major


def test_feel_box_switches_between_learned_and_flat_loudness(qtbot: QtBot, window: MainWindow) -> None:
    use_tiny_model(window, "drums_2bar")
    window.generate.count.setValue(2)
    window.generate.seed.setValue(3)
    window.generate.feel.setChecked(False)
    qtbot.mouseClick(window.generate.generate_button, Qt.MouseButton.LeftButton)
    flat = window.session.doc.pattern
    assert {(n.velocity, n.offset) for t in flat.tracks for n in t.notes} == {(100, 0.0)}
    window.generate.feel.setChecked(True)
    qtbot.mouseClick(window.generate.generate_button, Qt.MouseButton.LeftButton)
    played = window.session.doc.pattern
    assert [(n.pitch, n.start) for t in played.tracks for n in t.notes] == [
        (n.pitch, n.start) for t in flat.tracks for n in t.notes
    ]
    assert len({n.velocity for t in played.tracks for n in t.notes}) > 3


def test_moving_the_slider_changes_the_notes(window: MainWindow) -> None:
    use_tiny_model(window, "drums_2bar")
    window.morph.set_clip(0, make_beat(0), "beat A")
    window.morph.set_clip(1, make_beat(3), "beat B")
    assert window.morph.slider.isEnabled()
    window.morph.slider.set_value(1.0)
    at_b = window.session.doc.pattern
    window.morph.slider.set_value(0.0)
    at_a = window.session.doc.pattern
    assert window.session.doc.name == "morph 0%"
    assert at_a.note_count and at_b.note_count and _hits(at_a) != _hits(at_b)
    assert window.player._pattern is at_a  # the playing loop follows


def test_morph_steps_fill_a_list_and_keep_as_one_loop(qtbot: QtBot, window: MainWindow) -> None:
    use_tiny_model(window, "drums_2bar")
    window.morph.steps_button.click()
    assert "Set clips A and B first" in window.status_label.text()
    window.morph.set_clip(0, make_beat(0), "beat A")
    window.morph.set_clip(1, make_beat(3), "beat B")
    window.morph.steps.setValue(5)
    qtbot.mouseClick(window.morph.steps_button, Qt.MouseButton.LeftButton)
    steps = window.morph.steps_list.clips()
    assert len(steps) == 5 and all(s.note_count for s in steps)
    assert window.morph.steps_list.names()[0] == "step 1/5"
    window.morph._clicked(window.morph.steps_list.item(2))
    assert window.session.doc.pattern == steps[2] and window.player._pattern is steps[2]
    before = len(window.arrangement.clips())
    window.morph.keep_steps_button.click()
    assert window.arrangement.clips()[before:] == steps  # in order, A first: one Latent Loop


def test_moving_the_puck_changes_the_beat(qtbot: QtBot, window: MainWindow) -> None:
    use_tiny_model(window, "drums_2bar")
    window.blender.fill_button.click()
    assert "at least 4" in window.status_label.text()
    window.blender.set_corners([(make_beat(i), f"beat {i}") for i in range(4)])
    window.show_panel(window.blender)
    pad = window.blender.pad
    r = pad.pad_rect()
    qtbot.mousePress(pad, Qt.MouseButton.LeftButton, pos=QPoint(int(r.left() + 2), int(r.top() + 2)))
    first = window.session.doc.pattern
    qtbot.mouseMove(pad, QPoint(int(r.right() - 2), int(r.bottom() - 2)))
    qtbot.mouseRelease(pad, Qt.MouseButton.LeftButton, pos=QPoint(int(r.right() - 2), int(r.bottom() - 2)))
    second = window.session.doc.pattern
    assert window.session.doc.name.startswith("blend")
    assert first.note_count and second.note_count and _hits(first) != _hits(second)
    assert window.player._pattern is second


def test_humanize_changes_velocities_keeps_notes_and_undoes(window: MainWindow) -> None:
    use_tiny_model(window, "drums_2bar")
    beat = make_beat(2)
    window.session.show_clip(beat, "my beat")
    window.tools.humanize_button.click()
    human = window.session.doc.pattern
    assert sorted((n.pitch, n.start) for n in human.tracks[0].notes) == sorted(
        (n.pitch, n.start) for n in beat.tracks[0].notes
    )
    assert _hits(human) != _hits(beat)
    window.session.doc.undo_stack.undo()
    assert window.session.doc.pattern == beat


def test_keep_chains_clips_into_the_arrangement(window: MainWindow) -> None:
    for seed in range(2):
        window.session.show_clip(make_clip(2, seed=seed), f"clip {seed}")
        window.generate.keep_selected()
    assert window.arrangement.count() == 2
    joined = window.arrangement.joined()
    assert joined is not None and joined.steps == 64


def test_play_moves_the_playhead(qtbot: QtBot, window: MainWindow) -> None:
    window.session.show_clip(make_clip(2, tempo=240.0), "fast")
    window.toggle_play()
    qtbot.waitUntil(
        lambda: window.roll.model.playhead is not None and window.roll.model.playhead > 0.5, timeout=3000
    )
    assert window.transport.play_button.text().startswith("■")
    window.toggle_play()
    qtbot.waitUntil(lambda: not window.player.playing, timeout=3000)
    qtbot.waitUntil(lambda: window.transport.play_button.text().startswith("▶"), timeout=3000)


def test_complete_writes_the_ticked_part_and_keeps_the_others(window: MainWindow) -> None:
    use_tiny_model(window, "multitrack_1bar")
    clip = make_clip(1)
    window.session.show_clip(clip, "one bar")
    window.tools.part_boxes["bass"].setChecked(True)
    window.tools.complete_button.click()
    done = window.session.doc.pattern
    assert window.session.doc.name == "one bar completed"
    drums = next(t for t in done.tracks if t.is_drum)
    assert sorted((n.pitch, n.start) for n in drums.notes) == sorted(
        (n.pitch, n.start) for n in clip.tracks[0].notes
    )
    assert "wrote bass" in window.status_label.text()
    window.session.doc.undo_stack.undo()
    assert window.session.doc.pattern == clip


def test_variations_of_the_current_clip_become_candidates(window: MainWindow) -> None:
    use_tiny_model(window, "drums_2bar")
    window.generate.vary_button.click()
    assert "empty" in window.status_label.text()
    window.session.show_clip(make_beat(1), "my beat")
    window.generate.count.setValue(3)
    window.generate.vary_button.click()
    assert window.generate.candidates.count() == 3
    assert window.session.doc.pattern == window.generate.candidates.clip(0)
    window.session.show_clip(make_beat(1), "my beat")
    window.generate.temperature.setValue(0.0)
    window.generate.amount.setValue(0.0)  # no move in latent space: the clip as the model plays it, 3 times
    window.generate.vary_button.click()
    assert len({tuple(_hits(c)) for c in window.generate.candidates.clips()}) == 1
    window.session.show_clip(make_beat(1), "my beat")
    window.generate.amount.setValue(1.0)
    window.generate.vary_button.click()
    assert len({tuple(_hits(c)) for c in window.generate.candidates.clips()}) > 1


def test_slider_drag_decodes_in_workers_and_only_the_newest_position_wins(
    qtbot: QtBot, tmp_path, monkeypatch
) -> None:  # noqa: ANN001
    from PySide6.QtCore import QThreadPool

    from gui.app import build_window
    from gui.settings import AppSettings, open_store, save_settings
    from gui.workers import PoolExecutor

    monkeypatch.setenv("BANDMATE_HOME", str(tmp_path / "home"))
    store = open_store(tmp_path / "settings.ini")
    save_settings(store, AppSettings(output="none"))
    window = build_window(store, PoolExecutor(QThreadPool()))
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.session.generator is not None, timeout=30_000)  # the start-up model
    use_tiny_model(window, "drums_2bar")
    window.morph.set_clip(0, make_beat(0), "A")
    window.morph.set_clip(1, make_beat(3), "B")
    qtbot.waitUntil(window.morph.slider.isEnabled, timeout=30_000)
    for step in range(1, 21):
        window.morph.slider.set_value(step / 20)
    qtbot.waitUntil(
        lambda: window.session.doc.name == "morph 100%" and not window.morph.latest.busy, timeout=30_000
    )
    assert window.morph.latest.runs < 20  # stale positions were dropped
    assert window.player._pattern is window.session.doc.pattern


def test_infill_fills_the_selected_bars_and_tracks_of_a_band_clip_in_three(
    window: MainWindow, monkeypatch
) -> None:
    """A band model fills bars x tracks chosen in the piano roll of a 3/4 clip (12 steps a bar)."""
    from engine.midi.files import read_clip
    from engine.music.pattern import Meter
    from gui.pianoroll.viewmodel import NoteRef
    from tests.conftest import MIDI_DIR

    monkeypatch.setattr("engine.generation.infill.FIT_STEPS", 3)
    use_tiny_model(window, "band_4bar")
    clip = read_clip(MIDI_DIR / "multitrack/freedoom-freedoom/d_dm27.mid").slice(0, 12 * 4)
    assert clip.meter == Meter(3, 4)
    window.session.show_clip(clip, "waltz")
    drums, bass = (
        next(i for i, t in enumerate(clip.tracks) if f(t))
        for f in (lambda t: t.is_drum, lambda t: t.role.value == "bass")
    )
    chosen = {NoteRef(i, n) for i in (drums, bass) for n in clip.tracks[i].notes if 12 <= n.start < 36}
    window.roll.model.select(chosen)  # bars 2-3 of the drums and the bass
    window.tools.use_selection()
    assert (window.tools.first_bar.value(), window.tools.last_bar.value()) == (2, 3)
    assert [i for i, b in enumerate(window.tools.track_boxes) if b.isChecked()] == sorted({drums, bass})
    window.tools.infill_button.click()
    done = window.session.doc.pattern
    assert window.session.doc.name == "waltz infilled" and done.meter == Meter(3, 4)
    for i, (old, new) in enumerate(zip(clip.tracks, done.tracks, strict=True)):
        if i not in (drums, bass):
            assert new == old
            continue
        assert [(n.pitch, n.start) for n in new.notes if not 12 <= n.start < 36] == [
            (n.pitch, n.start) for n in old.notes if not 12 <= n.start < 36
        ]
        assert {n.start // 12 for n in new.notes if 12 <= n.start < 36} == {1, 2}  # both bars, in 3/4
    assert "bars 2-3" in window.status_label.text()
    window.session.doc.undo_stack.undo()
    assert window.session.doc.pattern == clip


def test_a_band_models_velocity_temperature_is_set_beside_the_parts(window: MainWindow) -> None:
    use_tiny_model(window, "band_1bar")
    window.generate.part_temperatures.setText("drums=0.3, bass=0.3, melody=0.3, velocity=1.0")
    window.generate.part_temperatures.editingFinished.emit()
    assert dict(window.session.generation.parts)["velocity"] == 1.0
    window.generate.count.setValue(2)
    window.generate.generate_button.click()
    assert window.generate.candidates.count() == 2


def test_candidates_can_become_morph_ends_and_blend_corners(window: MainWindow) -> None:
    for i in range(3):
        window.generate.candidates.add_clip(make_beat(i), f"beat {i}")
    window.use_candidate(0, "A")
    window.use_candidate(1, "B")
    window.use_candidate(2, "3")
    assert window.morph.clips == [make_beat(0), make_beat(1)]
    assert window.blender.corners[3] == make_beat(2) and window.blender.pad.labels[3] == "4: beat 2"


def test_infill_rewrites_the_selected_bars_of_the_selected_tracks(window: MainWindow, monkeypatch) -> None:
    monkeypatch.setattr("engine.generation.infill.FIT_STEPS", 3)
    use_tiny_model(window, "trio_16bar")
    clip = make_clip(4)
    window.session.show_clip(clip, "four bars")
    assert [b.text() for b in window.tools.track_boxes] == ["1. drums", "2. bass", "3. lead"]
    window.tools.use_selection()  # nothing selected yet: a word, nothing changes
    assert "Select notes" in window.status_label.text()
    from gui.pianoroll.viewmodel import NoteRef

    bass = window.session.doc.pattern.tracks[1]
    window.roll.model.select({NoteRef(1, n) for n in bass.notes if 16 <= n.start < 48})  # bars 2-3
    window.tools.use_selection()
    assert (window.tools.first_bar.value(), window.tools.last_bar.value()) == (2, 3)
    assert [b.isChecked() for b in window.tools.track_boxes] == [False, True, False]
    window.tools.infill_button.click()
    done = window.session.doc.pattern
    assert window.session.doc.name == "four bars infilled"
    assert done.tracks[0] == clip.tracks[0] and done.tracks[2] == clip.tracks[2]
    outside = [n for n in clip.tracks[1].notes if not 16 <= n.start < 48]
    assert [n for n in done.tracks[1].notes if not 16 <= n.start < 48] == outside
    assert any(16 <= n.start < 48 for n in done.tracks[1].notes)
    assert "bars 2-3" in window.status_label.text()
    window.session.doc.undo_stack.undo()
    assert window.session.doc.pattern == clip


def test_generate_moves_new_clips_into_the_training_music_s_keys_unless_told_not_to(
    qtbot: QtBot, window: MainWindow
) -> None:
    """The bundled melody model learned its tunes moved -5..+5 semitones: by default Generate moves each
    new clip into the training music's keys and says so; "as the model writes them" leaves it."""
    from engine.generation.generator import Generator
    from engine.generation.runner import MOVED_INTO_KEYS
    from engine.music.keys import into_pitch_classes

    gen = Generator.load("mel_2bar")
    window.session.use_generator(gen)
    window.generate.checked.setChecked(False)  # the same draws both times
    window.generate.count.setValue(4)
    window.generate.seed.setValue(4)
    assert window.generate.key.currentIndex() == 0 and window.session.generation.key is None
    qtbot.mouseClick(window.generate.generate_button, Qt.MouseButton.LeftButton)
    fitted = window.generate.candidates.clips()
    said = window.generate.info.text()
    assert MOVED_INTO_KEYS.split(" (")[0] in said.lower()
    assert "(Key “Any notes, as the model writes them”: as drawn)" in said and "--" not in said
    window.generate.key.setCurrentIndex(window.generate.key.findData("none"))
    assert window.session.generation.key == "none"
    qtbot.mouseClick(window.generate.generate_button, Qt.MouseButton.LeftButton)
    drawn = window.generate.candidates.clips()
    assert "training music's keys" not in window.generate.info.text()
    weights = gen.music_stats().pitch_classes
    assert weights is not None and len(fitted) == len(drawn) == 4
    assert [into_pitch_classes(c, weights)[0] for c in drawn] == fitted
    assert fitted != drawn
