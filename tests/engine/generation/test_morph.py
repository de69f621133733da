"""A morph that never steps back: the choice of steps along the finer path, and the bundled models'
interpolations on music they never trained on."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from engine.generation.generator import Generator
from engine.generation.morph import REFINE, monotone_steps, note_distances
from engine.midi.files import read_clip
from engine.music.pattern import Note, Pattern, Track
from tests.realmusic import monotone_share, tunes, validation_beats

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_even_spacing_when_every_candidate_moves_forward() -> None:
    m = 3 * REFINE + 1
    from_a, to_b = np.arange(m, dtype=float), np.arange(m, dtype=float)[::-1]
    assert monotone_steps(from_a, to_b, 4) == [0, REFINE, 2 * REFINE, 3 * REFINE]


def test_candidates_that_step_back_are_skipped() -> None:
    # candidate 4 (the even middle) wanders off: further from A than B is, and far from B
    from_a = np.array([0, 1, 2, 3, 9, 5, 6, 7, 8], dtype=float)
    to_b = np.array([8, 7, 6, 5, 9, 3, 2, 1, 0], dtype=float)
    chosen = monotone_steps(from_a, to_b, 3, refine=4)
    assert chosen[0] == 0 and chosen[-1] == 8 and chosen[1] in (3, 5)
    with pytest.raises(ValueError, match="need 9 candidates"):
        monotone_steps(from_a[:5], to_b[:5], 3, refine=4)


def test_when_no_path_is_monotone_the_least_going_back_wins() -> None:
    from_a = np.array([0, 5, 4, 3, 2], dtype=float)  # everything after the first overshoots the end
    to_b = np.array([4, 3, 2, 1, 0], dtype=float)
    chosen = monotone_steps(from_a, to_b, 3, refine=2)
    assert chosen == [0, 3, 4]  # from candidate 3 the distance from A drops by 1 at the end, from 1 by 3


def test_note_distances_count_notes_not_shared() -> None:
    def clip(*hits: tuple[int, int]) -> Pattern:
        return Pattern((Track(tuple(Note(p, s, s + 1) for p, s in hits), is_drum=True),), 16)

    a, mid, b = clip((36, 0), (38, 4)), clip((36, 0), (42, 2)), clip((42, 2), (42, 6))
    from_a, to_b = note_distances([a, mid, b])
    assert list(from_a) == [0, 2, 4] and list(to_b) == [4, 2, 0]


@pytest.mark.parametrize("config", ["drums_2bar", "mel_2bar"])
def test_bundled_interpolations_move_steadily_from_a_to_b(config: str) -> None:
    gen = Generator.load(config)
    clips = [read_clip(p) for p in validation_beats(4)] if config == "drums_2bar" else tunes(4)
    shares = []
    for a, b in itertools.combinations(clips, 2):
        steps = gen.interpolate(a, b, 7, temperature=0.0, seed=0).clips
        assert len(steps) == 7
        ends = gen.decode(gen.interpolation_path(a, b, 2), 0.0, seed=0).clips
        assert note_distances([steps[0], ends[0]])[0][1] == 0  # the ends are A's and B's own codes
        assert note_distances([steps[-1], ends[1]])[0][1] == 0
        shares.append(monotone_share(steps))
    assert np.mean(shares) >= 0.95, shares
