from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.clock import MAX_COUNTER, HybridClock, Timestamp

DAY = 24 * 3600 * 1000
YEAR = 365 * DAY
NOW = 1_760_000_000_000  # October 2025


class Wall:
    def __init__(self, ms: int) -> None:
        self.ms = ms

    def __call__(self) -> int:
        return self.ms


def test_text_sorts_like_timestamps() -> None:
    a = Timestamp(NOW, 5, "a" * 32)
    b = Timestamp(NOW, 16, "a" * 32)
    c = Timestamp(NOW + 1, 0, "0" * 32)
    assert a < b < c
    assert a.text() < b.text() < c.text()
    assert Timestamp.parse(b.text()) == b
    with pytest.raises(ValueError):
        Timestamp.parse("2025-10-01")


def test_monotonic_when_wall_clock_stalls_or_jumps_back() -> None:
    wall = Wall(NOW)
    clock = HybridClock("d1", wall=wall)
    stamps = [clock.now() for _ in range(3)]
    wall.ms -= 2 * 3600 * 1000  # the till's clock jumps back two hours mid-session
    stamps += [clock.now() for _ in range(3)]
    assert stamps == sorted(stamps) and len(set(stamps)) == 6
    assert stamps[-1].ms == NOW


def test_counter_overflow_borrows_next_millisecond_instead_of_failing() -> None:
    clock = HybridClock("d1", wall=Wall(NOW))
    stamps = [clock.now() for _ in range(MAX_COUNTER + 3)]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    assert stamps[-1].ms == NOW + 1


@pytest.mark.parametrize("skew", [DAY, -DAY, YEAR, -YEAR])
def test_skewed_device_is_corrected_by_server_time(skew: int) -> None:
    wall = Wall(NOW + skew)
    clock = HybridClock("d1", wall=wall)
    skewed = clock.now()
    assert skewed.ms == NOW + skew  # before first contact the skew shows in stamps
    clock.observe_server_time(NOW)  # a sync response carries the server's time
    assert clock.skew_warning() is not None
    fresh = HybridClock("d1", wall=wall, offset_ms=clock.offset_ms)
    assert abs(fresh.now().ms - NOW) < 10
    # an already persisted clock never goes back: still unique and ordered
    after = clock.now()
    assert after > skewed


@pytest.mark.parametrize("skew", [DAY, YEAR])
def test_receiving_a_stamp_from_the_future_is_accepted_and_measured(skew: int) -> None:
    clock = HybridClock("local", wall=Wall(NOW))
    remote = Timestamp(NOW + skew, 3, "remote")
    assert clock.drift_ms(remote) == skew
    merged = clock.observe(remote)
    assert merged > remote  # later local writes still sort after what was seen
    assert clock.now() > merged


def test_no_warning_within_five_minutes() -> None:
    clock = HybridClock("d", wall=Wall(NOW))
    clock.observe_server_time(NOW + 60_000)
    assert clock.skew_warning() is None


@given(
    st.lists(
        st.tuples(st.integers(-YEAR, YEAR), st.booleans(), st.integers(0, 500)),
        min_size=1,
        max_size=60,
    )
)
def test_hlc_is_strictly_increasing_under_any_clock(steps: list[tuple[int, bool, int]]) -> None:
    wall = Wall(NOW)
    clock = HybridClock("a", wall=wall)
    seen: list[Timestamp] = []
    for jump, receive, counter in steps:
        wall.ms = NOW + jump
        stamp = clock.observe(Timestamp(NOW + jump // 2, counter, "b")) if receive else clock.now()
        seen.append(stamp)
    assert seen == sorted(seen) and len(set(seen)) == len(seen)
