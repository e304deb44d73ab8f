"""Hybrid logical clock (HLC) after Kulkarni et al., as Actual Budget's ``timestamp.ts``.

A timestamp is (wall milliseconds, 16-bit counter, node). It orders every write in a shop
totally and agrees with causality: a device that has seen a change always stamps its next
write later. Two rules learned from Actual's "clock drift exceeded" reports (#3786, #8486):

* the clock never refuses to stamp: a skewed or overflowing clock bends (the counter rolls
  into the next millisecond) instead of raising, so a sale is never blocked by the clock;
* the wall time fed to it is corrected by the server's time (``observe_server_time``), so a
  till whose clock is a day or a year off still stamps sane times once it has synced.

Business dates (posting dates) are the user's, never this clock's.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

MAX_COUNTER = 0xFFFF
MAX_MS = (1 << 48) - 1
SKEW_WARNING_MS = 5 * 60 * 1000  # Actual's maxDrift; above it we warn, never block
_TEXT = re.compile(r"^(\d{15})-([0-9a-f]{4})-([0-9a-z_]{1,64})$")


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(frozen=True, order=True, slots=True)
class Timestamp:
    """One HLC value. Field order is the sort order: ms, then counter, then node."""

    ms: int
    counter: int
    node: str

    def __post_init__(self) -> None:
        if not 0 <= self.ms <= MAX_MS or not 0 <= self.counter <= MAX_COUNTER:
            raise ValueError(f"HLC value out of range: {self.ms}/{self.counter}")
        if not self.node:
            raise ValueError("An HLC needs a node (the device id).")

    def text(self) -> str:
        """Fixed-width text whose string order equals the timestamp order."""
        return f"{self.ms:015d}-{self.counter:04x}-{self.node}"

    @classmethod
    def parse(cls, text: str) -> Timestamp:
        match = _TEXT.match(text)
        if match is None:
            raise ValueError(f"Not an HLC timestamp: {text!r}")
        return cls(int(match[1]), int(match[2], 16), match[3])


class HybridClock:
    """The clock of one device. Persist ``last`` (and ``offset_ms``) in the same transaction
    as each write; restore them with the constructor."""

    def __init__(
        self,
        node: str,
        *,
        last: Timestamp | None = None,
        offset_ms: int = 0,
        wall: Callable[[], int] = wall_ms,
    ) -> None:
        self.node = node
        self.offset_ms = offset_ms
        self._wall = wall
        self.last = last if last is not None else Timestamp(0, 0, node)

    def physical(self) -> int:
        """Local wall time corrected by the last known server offset."""
        return min(max(self._wall() + self.offset_ms, 0), MAX_MS)

    def now(self) -> Timestamp:
        """Stamp a local event (a write that will be sent)."""
        return self._advance(self.physical(), None)

    def observe(self, remote: Timestamp) -> Timestamp:
        """Merge a received timestamp so later local writes sort after it. A remote time far
        ahead is accepted (the merge must be deterministic); ``drift_ms`` tells how far."""
        return self._advance(self.physical(), remote)

    def drift_ms(self, remote: Timestamp) -> int:
        """How far ``remote`` is ahead of this clock's corrected wall time (negative: behind)."""
        return remote.ms - self.physical()

    def observe_server_time(self, server_ms: int, local_ms: int | None = None) -> None:
        """Record ``server - local`` from a sync response's server time."""
        local = self._wall() if local_ms is None else local_ms
        self.offset_ms = server_ms - local

    def skew_warning(self) -> str | None:
        """A sentence for the status bar when this computer's clock is off by over 5 minutes."""
        if abs(self.offset_ms) <= SKEW_WARNING_MS:
            return None
        minutes = abs(self.offset_ms) // 60_000
        side = "behind" if self.offset_ms > 0 else "ahead of"
        return (
            f"This computer's clock is about {minutes} minutes {side} the sync server. Sync "
            "corrects for it, but set the date and time in the system settings."
        )

    def _advance(self, physical: int, remote: Timestamp | None) -> Timestamp:
        last = self.last
        ms = max(last.ms, physical, remote.ms if remote else 0)
        if ms == last.ms and remote is not None and ms == remote.ms:
            counter = max(last.counter, remote.counter) + 1
        elif ms == last.ms:
            counter = last.counter + 1
        elif remote is not None and ms == remote.ms:
            counter = remote.counter + 1
        else:
            counter = 0
        if counter > MAX_COUNTER:  # 65,536 events in one millisecond: borrow the next one
            ms, counter = ms + 1, 0
        if ms > MAX_MS:
            raise OverflowError("The HLC passed the year 10889; the device clock is broken.")
        self.last = Timestamp(ms, counter, self.node)
        return self.last
