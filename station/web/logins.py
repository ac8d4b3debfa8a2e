"""Logins on the coach page: sessions that expire, and wrong PINs slowed down.

A right PIN opens a session: a random token in a cookie, valid `minutes` from the login.
A wrong PIN from an address makes it wait before its next try: 1 s after the first, then
doubling to 5 minutes; the wait is told, not slept, so a guesser holds no server thread.
Sessions live in the server's memory: restarting it logs everyone out.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass

MAX_WAIT_S = 300.0


@dataclass
class _Tries:
    failures: int = 0
    next_try: float = 0.0


class Logins:
    """Sessions and the wrong-PIN throttle. `now` is seconds on a monotonic clock."""

    def __init__(self, minutes: float) -> None:
        self.ttl_s = minutes * 60.0
        self._sessions: dict[str, float] = {}  # token -> expiry
        self._tries: dict[str, _Tries] = {}
        self._lock = threading.Lock()

    def wait_s(self, address: str, now: float) -> float:
        """Seconds `address` must still wait before its next try (0: it may try now)."""
        with self._lock:
            t = self._tries.get(address)
            return 0.0 if t is None else max(0.0, t.next_try - now)

    def failed(self, address: str, now: float) -> float:
        """A wrong PIN: returns the wait before the next try."""
        with self._lock:
            t = self._tries.setdefault(address, _Tries())
            t.failures += 1
            wait = min(MAX_WAIT_S, 2.0 ** (t.failures - 1))
            t.next_try = now + wait
            return wait

    def open(self, address: str, now: float) -> str:
        """A right PIN: a new session's token (the address's wrong tries are forgotten)."""
        with self._lock:
            self._tries.pop(address, None)
            token = secrets.token_urlsafe(32)
            self._sessions[token] = now + self.ttl_s
            for old in [k for k, exp in self._sessions.items() if exp <= now]:
                del self._sessions[old]
            return token

    def valid(self, token: str | None, now: float) -> bool:
        if not token:
            return False
        with self._lock:
            expiry = self._sessions.get(token)
            if expiry is None or expiry <= now:
                self._sessions.pop(token, None)
                return False
            return True

    def close(self, token: str | None) -> None:
        with self._lock:
            self._sessions.pop(token or "", None)
