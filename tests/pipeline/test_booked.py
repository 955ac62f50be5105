"""The per-session scratch record of a cycle is reset, not reallocated, between cycles."""

from __future__ import annotations

from btcbot_core.decisions import Reason
from btcbot_core.pair import Pair
from btcbot_core.pipeline.ingest import Booked

BTCTRY = Pair("BTC", "TRY")


def test_reset_empties_every_part_and_the_written_counters() -> None:
    booked = Booked()
    assert booked.reset() is booked and not booked.pending  # a clean one stays clean
    booked.reasons.append(Reason("X", "y"))
    booked.blocked.add(BTCTRY)
    booked.cursors[BTCTRY] = "7"
    booked.unwritten_cursors.add(BTCTRY)
    booked.unwritten_orders.add("bbb1")
    booked.events_written = booked.fills_written = booked.history_written = 3
    assert booked.pending
    assert booked.reset() is booked
    for part in (
        booked.events,
        booked.fills,
        booked.orders,
        booked.cursors,
        booked.reasons,
        booked.history,
        booked.blocked,
        booked.fresh_pairs,
        booked.unwritten_orders,
        booked.unwritten_cursors,
    ):
        assert not part
    assert (booked.events_written, booked.fills_written, booked.history_written) == (0, 0, 0)
    assert not booked.pending


def test_reset_clears_every_container_slot() -> None:
    """reset() clears the tuple of containers built once: it must hold every container the
    record has (a part added later and left out of it would leak into the next cycle)."""
    booked = Booked()
    containers = [
        getattr(booked, name)
        for name in Booked.__slots__
        if name != "_parts" and isinstance(getattr(booked, name), list | dict | set)
    ]
    assert len(containers) == 10
    assert sorted(map(id, containers)) == sorted(map(id, booked._parts))
    for part in containers:  # each used alone is cleared
        if isinstance(part, dict):
            part["x"] = 1
        elif isinstance(part, list):
            part.append(1)
        else:
            part.add(1)
        booked.reset()
        assert not part
