"""The proxy's circuit breaker as a state machine, on a clock the test moves (no sleeping):
closed → open after N failures in a row → half-open with exactly one trial → closed or open."""

from __future__ import annotations

from services.external.proxy.breaker import Breakers, CircuitBreaker, State


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_failures_in_a_row_open_the_breaker_and_a_success_resets_the_count() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failures=3, open_seconds=10, clock=clock)
    for _ in range(2):
        assert breaker.allow()
        breaker.failed("connection refused")
    assert breaker.allow()
    breaker.succeeded()  # the count starts over
    for _ in range(2):
        assert breaker.allow()
        breaker.failed("connection refused")
    assert breaker.state is State.CLOSED
    assert breaker.allow()
    breaker.failed("connection refused")
    assert breaker.state is State.OPEN
    assert not breaker.allow()
    assert breaker.retry_after() == 10
    assert breaker.last_error == "connection refused"


def test_half_open_lets_exactly_one_trial_through() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failures=1, open_seconds=5, clock=clock)
    breaker.allow()
    breaker.failed("timeout")
    clock.now += 5
    assert breaker.state is State.HALF_OPEN
    assert breaker.allow()  # the trial
    assert not breaker.allow()  # everyone else waits for its outcome
    breaker.failed("timeout")  # the trial failed: open for another period
    assert breaker.state is State.OPEN and not breaker.allow()
    clock.now += 5
    assert breaker.allow()
    breaker.succeeded()
    assert breaker.state is State.CLOSED
    assert breaker.allow() and breaker.allow()


def test_a_trial_that_tells_nothing_frees_the_slot() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failures=1, open_seconds=1, clock=clock)
    breaker.allow()
    breaker.failed("x")
    clock.now += 1
    assert breaker.allow()
    breaker.released()  # e.g. the caller went away
    assert breaker.allow()


def test_breakers_are_per_tenant_and_tool() -> None:
    breakers = Breakers(failures=1, open_seconds=30)
    breakers.get("tenant-a", "t1").failed("down")
    assert breakers.get("tenant-a", "t1").state is State.OPEN
    assert breakers.get("tenant-b", "t1").state is State.CLOSED
    assert breakers.get("tenant-a", "t2").state is State.CLOSED
