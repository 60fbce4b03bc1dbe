"""Rate limits kept in the process: signups per address, failed logins per e-mail.

Pure rules with an injected clock (seconds, monotonic). In the cloud the WAF rule
(signups) and Cognito's own lockout (logins) do the same across containers; here
each container (and the local stack, and the tests) applies them itself.
"""

from __future__ import annotations

import math
import threading
from collections import deque

# Cognito: after 5 failed sign-ins, a temporary lockout that doubles with each further
# failure, up to about 15 minutes. The first lockout here lasts 30 s (Cognito's 1 s
# would not stop a script), then 60 s, 120 s... capped at 15 minutes.
LOCKOUT_AFTER = 5
LOCKOUT_FIRST_SECONDS = 30
LOCKOUT_MAX_SECONDS = 900
# A counter untouched this long is forgotten (Cognito resets after a quiet period).
FAILURES_FORGOTTEN_AFTER = 3600


class SlidingWindowLimiter:
    """At most ``limit`` hits per key in any ``window`` seconds."""

    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, now: float, limit: int, window: float) -> int:
        """Count a hit and return 0, or refuse it: the seconds until one is free again."""
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - window:
                hits.popleft()
            if len(hits) >= limit:
                return max(1, math.ceil(hits[0] + window - now))
            hits.append(now)
            if len(self._hits) > 10_000:  # forget idle keys: memory stays bounded
                for idle in [k for k, v in self._hits.items() if not v or v[-1] <= now - window]:
                    del self._hits[idle]
            return 0

    def clear(self) -> None:
        with self._lock:
            self._hits.clear()


def lockout_seconds(failures: int) -> int:
    """How long an account stays locked after ``failures`` failed attempts in a row."""
    if failures < LOCKOUT_AFTER:
        return 0
    return int(min(LOCKOUT_MAX_SECONDS, LOCKOUT_FIRST_SECONDS * 2 ** (failures - LOCKOUT_AFTER)))


class LoginLockout:
    """Failed attempts per e-mail; locked for :func:`lockout_seconds` after the 5th."""

    def __init__(self) -> None:
        self._state: dict[str, tuple[int, float, float]] = {}  # failures, locked until, last failure
        self._lock = threading.Lock()

    def retry_after(self, key: str, now: float) -> int:
        """0 when an attempt may be made, else the seconds left of the lockout."""
        with self._lock:
            failures, until, last = self._state.get(key, (0, 0.0, 0.0))
            if failures and now - last > FAILURES_FORGOTTEN_AFTER:
                del self._state[key]
                return 0
            return max(0, math.ceil(until - now))

    def failed(self, key: str, now: float) -> int:
        """Count a failure; returns the lockout it starts (0: none)."""
        with self._lock:
            failures, _, last = self._state.get(key, (0, 0.0, 0.0))
            if failures and now - last > FAILURES_FORGOTTEN_AFTER:
                failures = 0
            failures += 1
            seconds = lockout_seconds(failures)
            self._state[key] = (failures, now + seconds, now)
            if len(self._state) > 10_000:
                for idle in [k for k, v in self._state.items() if now - v[2] > FAILURES_FORGOTTEN_AFTER]:
                    del self._state[idle]
            return seconds

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._state.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._state.clear()
