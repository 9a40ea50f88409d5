"""The pause between a till's sync rounds: the sync interval while busy, doubling while idle, jittered."""

from __future__ import annotations

import random

import pytest

from pos_agent.sync.poll_schedule import PollSchedule


def _schedule(**kwargs) -> PollSchedule:
    return PollSchedule(rng=random.Random(14), **kwargs)


def test_idle_rounds_double_the_pause_from_the_interval_to_the_cap():
    schedule = _schedule(interval=1.0, cap=8.0, jitter=0.0)
    assert [schedule.idle() for _ in range(6)] == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


def test_a_busy_round_brings_the_pause_back_to_the_interval():
    schedule = _schedule(interval=1.0, cap=8.0, jitter=0.0)
    for _ in range(5):
        schedule.idle()
    assert schedule.busy() == 1.0
    assert [schedule.idle() for _ in range(3)] == [1.0, 2.0, 4.0]


def test_a_reset_makes_the_next_idle_round_wait_the_interval_again():
    schedule = _schedule(interval=1.0, cap=8.0, jitter=0.0)
    for _ in range(4):
        schedule.idle()
    schedule.reset()
    assert schedule.idle() == 1.0


def test_every_pause_lies_within_the_jitter_of_its_ceiling_and_pauses_differ():
    schedule = _schedule(interval=1.0, cap=8.0, jitter=0.2)
    ceilings = [1.0, 2.0, 4.0, 8.0, 8.0, 8.0, 8.0, 8.0]
    pauses = [schedule.idle() for _ in ceilings]
    assert all(0.8 * c <= p <= 1.2 * c for p, c in zip(pauses, ceilings, strict=True))
    assert len(set(pauses[3:])) == 5  # tills at the cap do not call in step
    assert max(pauses) <= schedule.longest() == pytest.approx(9.6)


def test_the_same_seed_gives_the_same_pauses():
    first, second = _schedule(), _schedule()
    assert [first.after(n % 4 == 0) for n in range(12)] == [second.after(n % 4 == 0) for n in range(12)]


def test_a_cap_below_the_interval_never_shortens_the_interval():
    schedule = _schedule(interval=2.0, cap=1.0, jitter=0.0)
    assert [schedule.idle() for _ in range(3)] == [2.0, 2.0, 2.0]
    assert schedule.longest() == 2.0


def test_a_long_idle_spell_stays_at_the_cap():
    schedule = _schedule(interval=1.0, cap=10.0, jitter=0.0)
    assert [schedule.idle() for _ in range(2000)][-1] == 10.0
