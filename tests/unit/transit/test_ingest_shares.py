"""Several ingest workers: every lock belongs to exactly one worker's share, the same in every process."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartcustoms.workers.transit_ingest import owns, parse_share


@given(st.text(min_size=1, max_size=32).filter(lambda t: "/" not in t), st.integers(1, 8))
def test_each_lock_has_exactly_one_worker(lock_id: str, n: int) -> None:
    topic = f"smartcustoms/devices/elock/{lock_id}"
    assert sum(owns(topic, (k, n)) for k in range(n)) == 1


def test_the_share_depends_on_the_lock_not_the_prefix() -> None:
    # CRC-32 of the last topic level: stable across processes and restarts (unlike Python's salted hash())
    assert owns("a/devices/elock/EL00000001", (0, 2)) == owns("b/devices/elock/EL00000001", (0, 2))
    assert {k for k in range(2) if owns("x/devices/elock/EL00000001", (k, 2))} == {1}


def test_one_worker_owns_everything() -> None:
    assert owns("x/devices/elock/anything", (0, 1))


@pytest.mark.parametrize(("text", "share"), [("1/1", (0, 1)), ("2/4", (1, 4)), ("1", (0, 1))])
def test_share_on_the_command_line_is_one_based(text: str, share: tuple[int, int]) -> None:
    assert parse_share(text) == share


@pytest.mark.parametrize("text", ["0/2", "3/2", "x/2", "1/0", "3", "", "1/2/3"])
def test_a_share_outside_its_range_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="share must be k/n"):
        parse_share(text)
