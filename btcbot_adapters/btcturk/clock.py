"""Server-time offset tracking and strictly increasing ``X-Stamp`` values (reference §3.4).

``offset_ms = serverTime − (t_send + t_recv) / 2`` from ``GET /api/v2/server/time``; stamps
are ``wall_ms() + offset_ms``, never repeating (each is at least the previous + 1). The
server accepts stamps within ±5 s of its clock. All values are integer Unix milliseconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


def wall_ms() -> int:
    """The local wall clock in Unix milliseconds (integer, no float)."""
    return time.time_ns() // 1_000_000


class ServerClock:
    """The tracked offset; :meth:`needs_sync` says when to measure it again."""

    def __init__(
        self,
        wall: Callable[[], int] = wall_ms,
        monotonic: Callable[[], float] = time.monotonic,
        resync_interval_s: float = 300.0,
    ) -> None:
        self._wall = wall
        self._monotonic = monotonic
        self._interval = resync_interval_s
        self.offset_ms = 0
        self.rtt_ms: int | None = None
        self._synced_at: float | None = None
        self._last_stamp = 0
        self._lock = threading.Lock()

    def now_ms(self) -> int:
        """Local wall time in ms (what the offset is added to)."""
        return self._wall()

    def needs_sync(self) -> bool:
        synced = self._synced_at
        return synced is None or self._monotonic() - synced >= self._interval

    def update(self, server_ms: int, sent_ms: int, received_ms: int) -> int:
        """Record one measurement; returns the new offset in ms."""
        self.offset_ms = server_ms - (sent_ms + received_ms) // 2
        self.rtt_ms = max(0, received_ms - sent_ms)
        # A smaller offset must take effect at once: stamps may step back after a re-sync
        # (they stay unique per request; only stamps far ahead would keep failing).
        self._last_stamp = min(self._last_stamp, self._wall() + self.offset_ms - 1)
        self._synced_at = self._monotonic()
        return self.offset_ms

    def invalidate(self) -> None:
        """Force a re-sync before the next private call (after an "Invalid Nonce")."""
        self._synced_at = None

    def stamp(self) -> int:
        """The next ``X-Stamp``: server-corrected, strictly increasing."""
        with self._lock:
            stamp = max(self._wall() + self.offset_ms, self._last_stamp + 1)
            self._last_stamp = stamp
            return stamp
