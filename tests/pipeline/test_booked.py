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
