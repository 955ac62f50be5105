"""Every fast path of the simulator gives exactly what its general path gives (same Decimal
digits and exponent, same objects where identity is observable).

Fast paths under test: the untaxed fee schedule (``FeeSchedule.untaxed``), price rounding
through ``SymbolRules.round_price``, the incremental quick-reject summary
(``PairBook.note_new`` and the skipped ``reindex`` after market-only bars), the idle fault
plan (``FaultInjector.idle``), the pair memo by identity, the cached bar close in
``now()``, the spread-free reference price of ``submit``, the untaxed arithmetic of
``MatchingEngine.fill`` and the market fills ``on_bar`` executes without ``fill``'s checks.
Whole-exchange equivalence of the idle fast path is in ``test_properties``.
"""

from __future__ import annotations

from datetime import timedelta, timezone
from decimal import Decimal, InvalidOperation
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from btcbot_adapters.simulated import FaultRates, FeeSchedule, MatchMode, Operation
from btcbot_adapters.simulated.faults import FaultInjector
from btcbot_adapters.simulated.fees import EXACT, FeeAccumulator
from btcbot_adapters.simulated.matching import MatchingEngine
from btcbot_adapters.simulated.pricing import round_down, round_up, slipped_price
from btcbot_adapters.simulated.state import PairBook, SimOrder, Wallet
from btcbot_core.errors import OrderRejectedError
from btcbot_core.market import Quote
from btcbot_core.money import quantize_down, quantize_up
from btcbot_core.orders import OrderType, Side
from btcbot_core.pair import Pair
from btcbot_core.rules import SymbolRules
from tests.simulated.helpers import BTCTRY, RULES, T0, bar, exchange, flat, limit, market

# Zeros of several spellings: only a plain +0 (exponent -18..0) is "untaxed".
tax_ratios = st.sampled_from(["0", "0.00", "0E+2", "-0", "0E-30", "0.2", "0.18", "1"])
bps_values = st.sampled_from(["0", "-0", "0.00", "1", "10", "20", "25.5", "49"])
amounts = st.decimals(min_value="0.00000001", max_value="100000000", places=10).map(
    lambda d: d.normalize() if d.as_tuple().exponent > 0 else d  # type: ignore[operator]
)


def schedules() -> st.SearchStrategy[FeeSchedule]:
    return st.builds(
        FeeSchedule,
        maker_bps=bps_values,
        taker_bps=bps_values,
        tax_ratio=tax_ratios,
        fee_scale=st.integers(0, 8),
    )


def exact(value: Decimal) -> tuple[object, ...]:
    """Sign, digits and exponent: equal only when the Decimals are bit-for-bit the same."""
    return tuple(value.as_tuple())


def general() -> mock._patch[mock.PropertyMock]:
    """Within this context every schedule takes the general (taxed) path."""
    return mock.patch.object(
        FeeSchedule, "untaxed", new_callable=mock.PropertyMock, return_value=False
    )


def test_untaxed_is_only_a_plain_zero_tax() -> None:
    assert FeeSchedule(maker_bps="10", taker_bps="10", tax_ratio="0").untaxed
    assert FeeSchedule(tax_ratio="0.00").untaxed
    assert not FeeSchedule(tax_ratio="0.2").untaxed
    assert not FeeSchedule(tax_ratio="-0").untaxed  # -0 keeps a negative zero tax
    assert not FeeSchedule(maker_bps="-0", taker_bps="-0").untaxed  # a -0 fee
    assert FeeSchedule(fee_scale=6).zero_tax.as_tuple() == (0, (0,), -6)


@given(fees=schedules(), notional=amounts)
def test_max_fee_and_tax_fast_path_is_the_general_one(fees: FeeSchedule, notional: Decimal) -> None:
    fast = fees.max_fee_and_tax(notional)
    with general():
        slow = fees.max_fee_and_tax(notional)
    fee = fees.round_up(EXACT.multiply(notional, fees.max_rate))
    assert exact(fast) == exact(slow) == exact(fees.add_max_tax(fee))


@given(
    fees=schedules(),
    fills=st.lists(st.tuples(amounts, st.booleans()), min_size=1, max_size=6),
)
def test_charge_fast_path_is_the_general_one(
    fees: FeeSchedule, fills: list[tuple[Decimal, bool]]
) -> None:
    fast, slow = FeeAccumulator(), FeeAccumulator()
    for notional, maker in fills:
        got = fast.charge(fees, notional, maker)
        with general():
            want = slow.charge(fees, notional, maker)
        assert [exact(x) for x in got] == [exact(x) for x in want]
        for name in ("raw_fee", "fee_paid", "tax_paid"):
            assert exact(getattr(fast, name)) == exact(getattr(slow, name)), name


@given(
    fees=schedules(),
    side=st.sampled_from(Side),
    price=amounts,
    qty=amounts,
    maker=st.booleans(),
)
def test_untaxed_fill_equals_the_general_one(
    fees: FeeSchedule, side: Side, price: Decimal, qty: Decimal, maker: bool
) -> None:
    """``fill`` without the zero tax terms: the same fill, balances and lock, digit for digit
    (balances and lock start as whole numbers so no exponent hides in a sum)."""
    big = Decimal(10**30)

    def play() -> str:
        wallet = Wallet({"TRY": big, "BTC": big})
        lock_asset = "TRY" if side is Side.BUY else "BTC"
        wallet.lock(lock_asset, big)
        order = SimOrder(
            "1", "c", BTCTRY, side, OrderType.MARKET, None, qty, T0, lock_asset, big, None
        )
        book = PairBook(RULES, 2)
        book.live.append(order)
        fill = MatchingEngine(wallet, fees, Decimal(0)).fill(book, order, price, qty, maker, T0)
        return repr((fill, wallet.free, wallet.locked, order.lock_remaining, order.filled_qty))

    fast = play()
    with general():
        slow = play()
    assert fast == slow


price_rules = st.builds(
    SymbolRules,
    pair=st.just(BTCTRY),
    price_scale=st.integers(0, 8),
    qty_scale=st.just(8),
    has_fraction=st.booleans(),
)
prices = st.decimals(min_value="0.000000001", max_value="10000000", places=12)


@given(rules=price_rules, value=prices)
def test_price_rounding_is_quantize_up_and_down_on_the_effective_step(
    rules: SymbolRules, value: Decimal
) -> None:
    step = rules.effective_price_step
    for fast, slow in ((round_up, quantize_up), (round_down, quantize_down)):
        try:
            want: tuple[object, ...] | type[Exception] = exact(slow(value, step))
        except InvalidOperation:
            want = InvalidOperation
        try:
            got: tuple[object, ...] | type[Exception] = exact(fast(value, rules))
        except InvalidOperation:
            got = InvalidOperation
        assert got == want


def test_price_rounding_with_a_stepped_grid() -> None:
    rules = SymbolRules(BTCTRY, price_scale=2, qty_scale=8, price_step="0.05")
    for value in ("1.01", "1.05", "1.0000001", "0.049"):
        v = Decimal(value)
        assert exact(round_up(v, rules)) == exact(quantize_up(v, Decimal("0.05")))
        assert exact(round_down(v, rules)) == exact(quantize_down(v, Decimal("0.05")))
    assert slipped_price(Side.BUY, Decimal("1.01"), Decimal(0), rules) == Decimal("1.01")


def summary(ex_book: object) -> tuple[object, ...]:
    return tuple(getattr(ex_book, name) for name in ("max_buy", "min_sell", "urgent"))


order_specs = st.lists(
    st.tuples(st.sampled_from(Side), st.integers(90, 110), st.booleans()), max_size=8
)


@pytest.mark.property
@given(orders=order_specs, ohlc=st.lists(st.integers(85, 115), min_size=4, max_size=4))
def test_summary_kept_incrementally_equals_a_full_reindex(
    orders: list[tuple[Side, int, bool]], ohlc: list[int]
) -> None:
    """``note_new`` on submit and the reindex skipped after market-only bars leave the same
    quick-reject summary as recomputing it from ``live``."""
    ex = exchange({"TRY": "100000000", "BTC": "1000"})
    ex.on_bar(flat(0, 100))
    book = ex._books[BTCTRY]  # white box: the summary against a full recomputation
    for i, (side, price, is_market) in enumerate(orders):
        ex.submit(market(f"m{i}", side, "2") if is_market else limit(f"l{i}", side, price, "2"))
        kept = summary(book)
        book.reindex()
        assert summary(book) == kept and all(
            a is b for a, b in zip(kept, summary(book), strict=True)
        )
    low, o, c, high = sorted(ohlc)
    ex.on_bar(bar(1, o, high, low, c))
    kept = summary(book)
    book.reindex()
    assert summary(book) == kept


def test_idle_means_take_returns_nothing_and_draws_nothing() -> None:
    quiet = FaultInjector(seed=1)
    assert quiet.idle() and quiet.take(Operation.SUBMIT) is None
    quiet.duplicate_next_fill_report()
    assert not quiet.idle()
    assert quiet.take(Operation.FILLS) is not None and quiet.idle()
    random_faults = FaultInjector(seed=1, rates=FaultRates(rate_limited=0.5))
    assert not random_faults.idle()


def test_pairs_are_found_by_value_whatever_object_the_caller_passes() -> None:
    ex = exchange({"TRY": "1000000"})
    ex.on_bar(flat(0, 1000))
    ex.submit(limit("b", Side.BUY, 1000, "1"))
    ex.on_bar(flat(1, 1000))
    first = ex.fills_since(BTCTRY, None)
    for _ in range(5):  # equal, distinct objects
        twin = Pair("BTC", "TRY")
        assert ex.bars(twin, 60, 1) == [flat(1, 1000)]
        assert ex.fills_since(twin, None) == first
        assert [o.client_order_id for o in ex.all_orders(twin)] == ["b"]
    assert ex.bars(Pair("XRP", "TRY"), 60, 1) == []


def test_now_is_the_later_of_quote_time_and_bar_close_a_tie_keeps_the_quote_time() -> None:
    ex = exchange(mode=MatchMode.QUOTES)
    assert ex.now() == T0
    ex.on_bar(flat(0, 1000))
    assert ex.now() == T0 + timedelta(minutes=1)  # bar close
    same_instant = (T0 + timedelta(minutes=1)).astimezone(timezone(timedelta(hours=3)))
    ex.set_quote(Quote(BTCTRY, 999, 1000, same_instant))
    assert ex.now() is same_instant  # max(quote clock, bar close) returns the first on a tie
    ex.on_bar(flat(1, 1000))
    assert ex.now() == T0 + timedelta(minutes=2)
    assert ex.now() is ex.now()  # computed once per bar


@given(
    side=st.sampled_from(Side),
    is_market=st.booleans(),
    qty=st.sampled_from(["0.05", "0.1", "0.11", "0.5", "2"]),
    ohlc=st.lists(st.integers(900, 1100), min_size=4, max_size=4),
)
def test_spread_free_reference_is_the_touch_price(
    side: Side, is_market: bool, qty: str, ohlc: list[int]
) -> None:
    """Without a bar spread, ``submit`` takes the last close as its reference price instead
    of ``touch_prices()``: the same checks, band cap, lock and balances, digit for digit."""
    seen = []
    for spread_free in (True, False):
        ex = exchange({"TRY": "1000", "BTC": "1"})
        assert ex._spread_free
        ex._spread_free = spread_free  # False: the general path
        o, c = ohlc[0], ohlc[1]
        ex.on_bar(bar(0, o, max(ohlc), min(ohlc), c))
        request = market("m", side, qty) if is_market else limit("l", side, ohlc[2], qty)
        try:
            ack = ex.submit(request)
        except OrderRejectedError as err:
            seen.append(repr((err.code, str(err))))
            continue
        order = ex._by_id[ack.exchange_order_id]
        seen.append(repr((order.cap_price, order.lock_remaining, ex.balances())))
    assert seen[0] == seen[1]


class CheckedEngine(MatchingEngine):
    """Sends every execution through ``fill`` (its checks, then ``_execute``) and counts them."""

    def __init__(self, wallet: Wallet, fees: FeeSchedule, slippage: Decimal) -> None:
        super().__init__(wallet, fees, slippage)
        self.checked = 0
        self._checking = False

    def _execute(self, book, order, price, qty, maker, at):  # type: ignore[no-untyped-def]
        if self._checking:  # called back by fill(), its checks passed
            return super()._execute(book, order, price, qty, maker, at)
        self._checking = True
        try:
            self.checked += 1
            return self.fill(book, order, price, qty, maker, at)
        finally:
            self._checking = False


@given(
    side=st.sampled_from(Side),
    qty=st.sampled_from(["0.002", "0.5", "1", "3.75"]),
    slippage=st.sampled_from(["0", "5", "25", "499"]),
    band=st.sampled_from(["0", "1", "10", "500"]),
    participation=st.sampled_from([None, "0.001", "0.01", "0.5", "1"]),
    move=st.sampled_from(["0.9", "0.999", "1", "1.001", "1.1"]),
    volume=st.sampled_from(["0", "0.1", "2", "100"]),
)
def test_market_fills_of_on_bar_meet_the_checks_of_fill(
    side: Side,
    qty: str,
    slippage: str,
    band: str,
    participation: str | None,
    move: str,
    volume: str,
) -> None:
    """``on_bar`` executes a market order's fill without ``fill``'s checks, which it knows to
    hold. The same market with every execution checked: no check fails, the same result."""

    def play(checked: bool) -> tuple[str, int]:
        ex = exchange(
            {"TRY": "100000000", "BTC": "100"},
            fees=FeeSchedule(maker_bps="10", taker_bps="20", tax_ratio="0.2"),
            slippage_bps=slippage,
            market_band_bps=band,
            participation=participation,
        )
        if checked:
            ex._engine = CheckedEngine(ex._wallet, ex._fees, ex._slippage)
        ex.on_bar(flat(0, 100_000))
        ex.submit(market("m", side, qty))
        opened = Decimal(100_000) * Decimal(move)
        ex.on_bar(bar(1, opened, opened * 2, opened / 2, opened, volume))
        fills = ex.all_fills(BTCTRY)
        seen = repr((fills, ex.all_orders(BTCTRY), ex.balances()))
        return seen, getattr(ex._engine, "checked", len(fills))

    assert play(checked=True) == play(checked=False)
