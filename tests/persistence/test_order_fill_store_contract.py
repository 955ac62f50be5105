"""Contract: OrderStore and FillStore are idempotent by client order id and (pair, fill id)."""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest

from btcbot_core.errors import PersistenceError
from btcbot_core.orders import OrderStatus, Side

from .conftest import UowFactory
from .factories import BTCTRY, ETHBTC, at, fill, order


def test_order_add_get_round_trips(new_uow: UowFactory, exact_text: bool) -> None:
    o = order("bbb1")
    with new_uow() as uow:
        assert uow.orders.add(o) is True
        assert uow.orders.get("bbb1") == o
        uow.commit()
    with new_uow() as uow:
        got = uow.orders.get("bbb1")
        assert got == o
        assert repr(got) == repr(o) or not exact_text
        assert uow.orders.get("nope") is None


def test_order_add_twice_is_already_recorded(new_uow: UowFactory) -> None:
    with new_uow() as uow:
        assert uow.orders.add(order("bbb1"))
        uow.commit()
    with new_uow() as uow:
        changed = attrs.evolve(order("bbb1"), reason="different")
        assert uow.orders.add(changed) is False
        assert uow.orders.get("bbb1") == order("bbb1")


def test_order_update_and_live(new_uow: UowFactory) -> None:
    first, second, third = order("bbb1"), order("bbb2", seconds=1), order("bbb3", seconds=2)
    with new_uow() as uow:
        for o in (first, second, third):
            uow.orders.add(o)
        uow.commit()
    sent = first.transition(OrderStatus.SUBMITTED, at(5), exchange_order_id="ex-1")
    filled = sent.apply_fill(fill("t1", cid="bbb1")).apply_fill(fill("t2", cid="bbb1"))
    rejected = second.transition(OrderStatus.REJECTED, at(6), reason="MIN_TOTAL")
    with new_uow() as uow:
        uow.orders.update(sent)
        assert [o.client_order_id for o in uow.orders.live()] == ["bbb1", "bbb2", "bbb3"]
        uow.orders.update(filled)
        uow.orders.update(rejected)
        uow.commit()
    with new_uow() as uow:
        assert uow.orders.get("bbb1") == filled
        assert uow.orders.get("bbb2") == rejected
        # PLANNED is not terminal: it may still be sent.
        assert list(uow.orders.live()) == [third]


def test_last_activity_is_the_latest_update_per_pair_and_side(new_uow: UowFactory) -> None:
    buy1, buy2, eth = order("bbb1"), order("bbb2", seconds=3), order("bbb3", pair=ETHBTC)
    sell = attrs.evolve(order("bbs4", seconds=4), side=Side.SELL)
    with new_uow() as uow:
        assert uow.orders.last_activity() == {}
        for o in (buy1, buy2, eth, sell):
            uow.orders.add(o)
        uow.commit()
    newest_buy = buy1.transition(OrderStatus.SUBMITTED, at(9), exchange_order_id="ex-1")
    with new_uow() as uow:
        uow.orders.update(newest_buy)
        uow.orders.update(sell.transition(OrderStatus.REJECTED, at(20), reason="MIN_TOTAL"))
        # inside the unit its own writes count; a REJECTED order never reached the market
        expected = {(BTCTRY, Side.BUY): at(9), (ETHBTC, Side.BUY): at(0)}
        assert uow.orders.last_activity() == expected
        uow.commit()
    with new_uow() as uow:
        got = uow.orders.last_activity()
        assert got == expected
        assert all(t.tzinfo is not None and t.utcoffset() == timedelta(0) for t in got.values())


def test_order_update_of_unknown_order_raises(new_uow: UowFactory) -> None:
    with new_uow() as uow, pytest.raises(PersistenceError):
        uow.orders.update(order("ghost"))


def test_fill_idempotent_per_pair(new_uow: UowFactory) -> None:
    with new_uow() as uow:
        assert uow.fills.add(fill("t1")) is True
        assert uow.fills.add(fill("t1")) is False
        uow.commit()
    with new_uow() as uow:
        assert uow.fills.add(fill("t1")) is False
        assert uow.fills.add(fill("t1", pair=ETHBTC)) is True  # same id, other pair
        uow.commit()


def test_fill_has_sees_staged_and_committed_fills_per_pair(new_uow: UowFactory) -> None:
    first = fill("t9")
    with new_uow() as uow:
        assert not uow.fills.has(first.pair, "t9")
        uow.fills.add(first)
        assert uow.fills.has(first.pair, "t9")  # staged in this unit
        uow.commit()
    with new_uow() as uow:
        assert uow.fills.has(first.pair, "t9")
        assert not uow.fills.has(ETHBTC, "t9")  # same id, other pair


def test_fill_cursor_per_pair(new_uow: UowFactory) -> None:
    with new_uow() as uow:
        assert uow.fills.cursor(BTCTRY) is None
        uow.fills.set_cursor(BTCTRY, "1700000000-42")
        uow.fills.set_cursor(ETHBTC, "7")
        uow.commit()
    with new_uow() as uow:
        assert uow.fills.cursor(BTCTRY) == "1700000000-42"
        uow.fills.set_cursor(BTCTRY, "1700000001-43")
        uow.fills.set_cursor(ETHBTC, None)
        uow.commit()
    with new_uow() as uow:
        assert uow.fills.cursor(BTCTRY) == "1700000001-43"
        assert uow.fills.cursor(ETHBTC) is None
