"""The in-process limits: signups per address, login lockout with exponential backoff."""

from __future__ import annotations

from chalicelib.domain.throttle import LoginLockout, SlidingWindowLimiter, lockout_seconds


def test_the_lockout_starts_at_the_fifth_failure_and_doubles_up_to_fifteen_minutes() -> None:
    assert [lockout_seconds(n) for n in range(1, 11)] == [0, 0, 0, 0, 30, 60, 120, 240, 480, 900]
    assert lockout_seconds(40) == 900


def test_a_locked_account_opens_again_when_its_lockout_ends_and_a_success_resets_it() -> None:
    lockout = LoginLockout()
    for _ in range(4):
        assert lockout.failed("a@b.fr", 100.0) == 0
    assert lockout.retry_after("a@b.fr", 100.0) == 0
    assert lockout.failed("a@b.fr", 100.0) == 30
    assert lockout.retry_after("a@b.fr", 110.0) == 20
    assert lockout.retry_after("c@d.fr", 110.0) == 0
    assert lockout.retry_after("a@b.fr", 130.0) == 0
    assert lockout.failed("a@b.fr", 131.0) == 60  # the next failure locks twice as long
    lockout.succeeded("a@b.fr")
    assert lockout.retry_after("a@b.fr", 132.0) == 0
    assert lockout.failed("a@b.fr", 132.0) == 0


def test_the_window_slides() -> None:
    limiter = SlidingWindowLimiter()
    assert [limiter.hit("1.2.3.4", t, 5, 600) for t in (0, 1, 2, 3, 4)] == [0] * 5
    assert limiter.hit("1.2.3.4", 10, 5, 600) == 590
    assert limiter.hit("5.6.7.8", 10, 5, 600) == 0
    assert limiter.hit("1.2.3.4", 600.5, 5, 600) == 0  # the first hit has left the window
