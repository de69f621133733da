"""The time budget plans the end of a run (final check, save, report card) from the run's measured pace:
a fake clock and injected step times, no wall-clock thresholds."""

from __future__ import annotations

import pytest

from engine.training.run import FinishWork
from engine.training.train import _Budget


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


WORK = FinishWork(report_steps=30, report_floor=15.0, eval_examples=200)


def _budget(clock: Clock, minutes: float = 2.0, work: FinishWork = WORK) -> _Budget:
    return _Budget(minutes, None, 0, work, clock.now, clock=clock)


def test_a_quiet_machine_keeps_the_floor_for_the_report() -> None:
    clock = Clock()
    budget = _budget(clock)
    for _ in range(50):
        budget.pace.step(0.1)
    assert budget.report_seconds == 15.0  # 30 steps x 0.1 s x 1.25 is less than the floor
    budget.pace.evaluated(0.5, 256)
    budget.pace.saved(0.2)
    expected = 15.0 + 200 * 0.5 / 256 * _Budget.MARGIN + 0.2 * _Budget.MARGIN
    assert budget.reserve() == pytest.approx(expected)
    assert budget.deadline == pytest.approx(1000.0 + 120.0 - expected)


def test_slower_steps_move_the_deadline_earlier() -> None:
    clock = Clock()
    budget = _budget(clock)
    for _ in range(50):
        budget.pace.step(0.1)
    quiet = budget.deadline
    for _ in range(100):  # the machine gets busy: steps take 20x longer
        budget.pace.step(2.0)
    assert budget.pace.step_seconds == pytest.approx(2.0, rel=1e-3)
    assert budget.report_seconds == pytest.approx(30 * 2.0 * _Budget.MARGIN, rel=1e-3)
    assert budget.deadline < quiet - 50
    clock.now = budget.deadline - 0.01
    assert not budget.done(10)
    clock.now = budget.deadline
    assert budget.done(10)


def test_before_any_measurement_the_floor_and_a_second_for_saving_are_kept() -> None:
    budget = _budget(Clock())
    assert budget.reserve() == pytest.approx(15.0 + 1.0 * _Budget.MARGIN)


def test_a_step_budget_or_no_report_reserves_nothing_for_the_card() -> None:
    clock = Clock()
    steps = _Budget(None, 100, 0, WORK, clock.now, clock=clock)
    assert steps.deadline == float("inf") and not steps.done(99) and steps.done(100)
    bare = _budget(clock, work=FinishWork(0.0, 0.0, 200))
    bare.pace.step(1.0)
    assert bare.report_seconds == 0.0


@pytest.mark.parametrize("step_seconds", [0.05, 0.5, 1.0, 2.0])
def test_a_simulated_run_ends_its_report_card_within_the_budget(step_seconds: float) -> None:
    """Steps of a given pace until the budget says stop, then an end that costs what the pace says
    (the report card 25 steps' worth, the check 2 ms an example): the card is done by the deadline."""
    clock = Clock()
    budget = _budget(clock, minutes=2.0)
    step = 0
    while not budget.done(step):
        clock.now += step_seconds
        budget.pace.step(step_seconds)
        step += 1
        if step % 40 == 0:  # a held-out check of 256 examples now and then
            clock.now += 256 * 0.002 * step_seconds / 0.05
            budget.pace.evaluated(256 * 0.002 * step_seconds / 0.05, 256)
    clock.now += 200 * 0.002 * step_seconds / 0.05  # the final check
    clock.now += 0.3  # the last save
    clock.now += max(25 * step_seconds, 3.0)  # the report card
    assert clock.now <= 1000.0 + 120.0
    assert step > 0
