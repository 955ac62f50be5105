"""Port behaviour: fills paging, market data, time, lookups, and the quick-reject index."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from btcbot_adapters.simulated import MatchMode
from btcbot_adapters.simulated.matching import bar_match, quote_match
from btcbot_core.errors import ValidationError
from btcbot_core.market import Bar, Quote
from btcbot_core.orders import OrderStatus, OrderType, Side
from btcbot_core.pair import Pair
from tests.simulated.helpers import (
    BTCTRY,
    ETHTRY,
    RULES,
    T0,
    D,
    exchange,
    flat,
    limit,
    market,
    quote,
)


def filled_exchange(n: int, page: int = 2):  # type: ignore[no-untyped-def]
    ex = exchange({"TRY": "1000000"}, fill_page_size=page)
    ex.on_bar(flat(0, 1000000))
    for i in range(n):
        ex.submit(limit(f"b{i}", Side.BUY, 1000000, "0.01"))
    ex.on_bar(flat(1, 1000000))
    return ex


def test_fills_since_pages_with_an_opaque_cursor() -> None:
    ex = filled_exchange(5)
    seen, cursor = [], None
    while True:
        page = ex.fills_since(BTCTRY, cursor)
        if not page.fills:
            break
        seen.extend(page.fills)
        cursor = page.cursor
    assert [f.client_order_id for f in seen] == [f"b{i}" for i in range(5)]
    assert len({f.fill_id for f in seen}) == 5
    assert ex.fills_since(BTCTRY, cursor).cursor == cursor  # stable when nothing new
    assert ex.fills_since(ETHTRY, None).fills == ()


@pytest.mark.parametrize("cursor", ["abc", "-1", "99"])
def test_foreign_fill_cursor_is_an_error(cursor: str) -> None:
    ex = filled_exchange(1)
    with pytest.raises(ValidationError):
        ex.fills_since(BTCTRY, cursor)


def test_fill_ids_are_deterministic_per_order_and_sequence() -> None:
    ex = filled_exchange(2)
    assert [f.fill_id for f in ex.all_fills(BTCTRY)] == ["sf-1-1", "sf-2-1"]
    assert [f.order_id for f in ex.all_fills(BTCTRY)] == ["1", "2"]


def test_time_comes_only_from_the_market() -> None:
    ex = exchange()
    assert ex.now() == T0
    ack = ex.submit(limit("b", Side.BUY, 900000, "0.01"))
    assert ack.accepted_at == T0
    ex.on_bar(flat(0, 1000000))
    assert ex.now() == T0 + timedelta(minutes=1)  # the close of the bar
    assert ex.submit(limit("c", Side.BUY, 900000, "0.01")).accepted_at == ex.now()


def test_bars_must_move_forward_per_pair() -> None:
    ex = exchange()
    ex.on_bar(flat(1, 1000000))
    ex.on_bar(flat(0, 3000, pair=ETHTRY))  # another pair keeps its own sequence
    with pytest.raises(ValidationError):
        ex.on_bar(flat(1, 1000000))
    with pytest.raises(ValidationError):
        ex.on_bar(flat(0, 1000000, pair=Pair("DOGE", "TRY")))


def test_quotes_must_not_go_back_and_need_quote_mode() -> None:
    ex = exchange(mode=MatchMode.QUOTES)
    ex.set_quote(quote(5, 999000, 1000000))
    with pytest.raises(ValidationError):
        ex.set_quote(quote(4, 999000, 1000000))
    with pytest.raises(ValidationError):
        exchange().set_quote(quote(5, 999000, 1000000))


def test_market_data_port() -> None:
    ex = exchange(bar_spread_bps=20)
    assert ex.quotes([BTCTRY]) == {}
    for i in range(5):
        ex.on_bar(flat(i, 1000000 + i))
    ex.on_bar(Bar(BTCTRY, T0 + timedelta(hours=1), 1, 1, 1, 1, 0, 3600))
    assert [b.close for b in ex.bars(BTCTRY, 60, 3)] == [D(1000002), D(1000003), D(1000004)]
    assert len(ex.bars(BTCTRY, 3600, 10)) == 1 and ex.bars(ETHTRY, 60, 10) == []
    # one call for every pair: what bars(pair, interval, 1) says, pairs without one left out
    assert ex.last_bars([BTCTRY, ETHTRY], 3600) == {BTCTRY: ex.bars(BTCTRY, 3600, 1)[-1]}
    assert ex.last_bars([BTCTRY, ETHTRY], 60) == {BTCTRY: ex.bars(BTCTRY, 60, 1)[-1]}
    assert ex.last_bars([Pair("DOGE", "TRY")], 60) == {}
    ex.on_bar(flat(70, 1000000))
    assert ex.last_bars([BTCTRY], 60)[BTCTRY] is ex.bars(BTCTRY, 60, 1)[-1]
    q = ex.quotes([BTCTRY, ETHTRY])[BTCTRY]
    assert (q.bid, q.ask) == (D(999000), D(1001000))  # close ∓ 10 bps
    assert q.observed_at == T0 + timedelta(minutes=71)
    assert ex.symbol_rules([BTCTRY, Pair("DOGE", "TRY")]) == {BTCTRY: RULES}


def test_equal_pair_objects_find_the_same_book() -> None:
    ex = exchange()
    ex.on_bar(flat(0, 1000000))
    ex.submit(limit("b", Side.BUY, 990000, "0.01"))
    ex.on_bar(flat(1, 980000, pair=Pair.parse("btc_try")))  # a different but equal object
    assert len(ex.all_fills(BTCTRY)) == 1


def test_lookups() -> None:
    ex = exchange()
    ex.on_bar(flat(0, 1000000))
    ex.submit(limit("b", Side.BUY, 990000, "0.01"))
    ex.submit(market("m", Side.SELL, "0.01"))
    assert [o.client_order_id for o in ex.open_orders([BTCTRY, ETHTRY])] == ["b", "m"]
    assert ex.order_by_client_id(ETHTRY, "b") is None  # wrong pair: not ours there
    assert ex.order_by_client_id(BTCTRY, "nope") is None
    m = ex.order_by_client_id(BTCTRY, "m")
    assert m is not None and m.order_type is OrderType.MARKET and m.price is None
    ex.on_bar(flat(1, 1000000))
    m = ex.order_by_client_id(BTCTRY, "m")
    assert m is not None and m.status is OrderStatus.FILLED  # terminal orders are found too


prices = st.integers(90, 110).map(Decimal)


@pytest.mark.property
@given(
    orders=st.lists(
        st.tuples(st.sampled_from(Side), prices, st.booleans(), st.booleans()), max_size=6
    ),
    ohlc=st.lists(prices, min_size=4, max_size=4),
)
def test_quick_reject_index_never_skips_a_possible_fill(
    orders: list[tuple[Side, Decimal, bool, bool]], ohlc: list[Decimal]
) -> None:
    ex = exchange({"TRY": "1000000", "BTC": "100"})
    ex.on_bar(flat(-1, 100))
    book = ex._books[BTCTRY]  # white box: the index against the matching predicates
    for i, (side, price, is_market, fresh) in enumerate(orders):
        req = market(f"m{i}", side, "2") if is_market else limit(f"l{i}", side, price, "2")
        ex.submit(req)
        book.live[-1].fresh = fresh
    book.reindex()
    low, o, c, high = sorted(ohlc)
    b = Bar(BTCTRY, T0, o, high, low, c, 10, 60)
    if any(x.price is None or bar_match(x, b) is not None for x in book.live):
        assert book.bar_may_trade(b)
    q = Quote(BTCTRY, low, high, T0)
    limits = [x for x in book.live if x.price is not None]  # quote mode rests limits only
    if any(quote_match(x, q, on_submit=False) is not None for x in limits):
        assert book.quote_may_trade(q)


def test_all_orders_lists_terminal_orders() -> None:
    ex = filled_exchange(2)
    ack = ex.submit(limit("open", Side.BUY, 900000, "0.01"))
    ex.cancel(BTCTRY, ack.exchange_order_id)
    statuses = [(o.client_order_id, o.status) for o in ex.all_orders(BTCTRY)]
    assert statuses == [
        ("b0", OrderStatus.FILLED),
        ("b1", OrderStatus.FILLED),
        ("open", OrderStatus.CANCELED),
    ]
    assert ex.all_orders(ETHTRY) == []


@pytest.mark.parametrize(
    ("kept", "before", "after"), [(1, [], [12]), (2, [11], [12]), (3, [10, 11], [11, 12])]
)
def test_bars_reads_the_last_history_limit_bars_of_any_interval(
    kept: int, before: list[int], after: list[int]
) -> None:
    """(The book holds at least two bars, for a stale quote: ``bars`` reads ``kept``.)"""
    ex = exchange(history_limit=kept)
    ex.on_bars([flat(0, 10), flat(1, 11)])
    ex.on_bar(Bar(BTCTRY, T0 + timedelta(hours=1), 1, 1, 1, 1, 0, 3600))
    assert [b.close for b in ex.bars(BTCTRY, 60, 5)] == before
    assert len(ex.bars(BTCTRY, 3600, 5)) == 1
    ex.on_bar(flat(70, 12))
    assert [b.close for b in ex.bars(BTCTRY, 60, 5)] == after


def test_on_bars_is_on_bar_for_each_bar_in_order() -> None:
    from btcbot_core.orders import OrderRequest

    one, many = exchange({"TRY": "10000000"}), exchange({"TRY": "10000000"})
    for ex in (one, many):
        ex.on_bar(flat(0, 1000000))
        ex.on_bar(flat(0, 40000, pair=ETHTRY))
        ex.submit(OrderRequest("bbb1", BTCTRY, Side.BUY, "0.01", "999000", OrderType.LIMIT))
    rows = [[flat(i, 1000000 - 500 * i), flat(i, 40000 + i, pair=ETHTRY)] for i in range(1, 6)]
    for row in rows:
        for b in row:
            one.on_bar(b)
        many.on_bars(row)
    assert one.all_fills(BTCTRY) == many.all_fills(BTCTRY) and one.all_fills(BTCTRY)
    assert one.balances() == many.balances()
    assert one.last_bars([BTCTRY, ETHTRY], 60) == many.last_bars([BTCTRY, ETHTRY], 60)
    # a bar out of order stops the batch there: the bars before it were observed
    with pytest.raises(ValidationError):
        many.on_bars([flat(9, 1000000), flat(2, 40000, pair=ETHTRY)])
    assert many.last_bars([BTCTRY], 60)[BTCTRY].open_time == flat(9, 1).open_time
