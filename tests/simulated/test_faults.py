"""Injected faults: each kind, their effect on state (none or complete), seeded randomness."""

from __future__ import annotations

import pytest

from btcbot_adapters.simulated import (
    Fault,
    FaultKind,
    FaultRates,
    MatchMode,
    Operation,
    SimulatedExchange,
)
from btcbot_core.errors import (
    OrderRejectedError,
    RateLimitedError,
    TransientExchangeError,
    ValidationError,
)
from btcbot_core.orders import OrderStatus, Side
from tests.simulated.helpers import BTCTRY, D, bar, exchange, flat, free, limit, locked, quote


def test_reject_next_submit_creates_nothing() -> None:
    ex = exchange()
    ex.faults.reject_next_submit("FAILED_LIMIT_ORDER")
    with pytest.raises(OrderRejectedError) as err:
        ex.submit(limit("b", Side.BUY, 990000, "0.01"))
    assert err.value.code == "FAILED_LIMIT_ORDER" and not err.value.retryable
    assert ex.order_by_client_id(BTCTRY, "b") is None
    assert locked(ex, "TRY") == 0
    ex.submit(limit("b", Side.BUY, 990000, "0.01"))  # the plan is used up
    assert ex.faults.fired == [Fault(FaultKind.REJECT, Operation.SUBMIT)]


def test_timeout_after_accept_creates_the_order_and_the_lookup_finds_it() -> None:
    ex = exchange()
    ex.faults.timeout_next_submit(after_accept=True)
    with pytest.raises(TransientExchangeError) as err:
        ex.submit(limit("b", Side.BUY, 990000, "0.01"))
    assert err.value.retryable
    found = ex.order_by_client_id(BTCTRY, "b")
    assert found is not None and found.status is OrderStatus.OPEN
    assert locked(ex, "TRY") == D(9900)
    # a blind resubmit is refused: the real order is not duplicated
    with pytest.raises(OrderRejectedError):
        ex.submit(limit("b", Side.BUY, 990000, "0.01"))
    assert len(ex.open_orders([BTCTRY])) == 1


def test_timeout_after_accept_in_quote_mode_may_already_have_filled() -> None:
    ex = exchange(mode=MatchMode.QUOTES)
    ex.set_quote(quote(0, 999000, 1000000))
    ex.faults.timeout_next_submit()
    with pytest.raises(TransientExchangeError):
        ex.submit(limit("b", Side.BUY, 1000000, "0.01"))
    found = ex.order_by_client_id(BTCTRY, "b")
    assert found is not None and found.status is OrderStatus.FILLED
    assert len(ex.fills_since(BTCTRY, None).fills) == 1


def test_timeout_before_accept_creates_nothing_and_resend_works() -> None:
    ex = exchange()
    ex.faults.timeout_next_submit(after_accept=False)
    with pytest.raises(TransientExchangeError):
        ex.submit(limit("b", Side.BUY, 990000, "0.01"))
    assert ex.order_by_client_id(BTCTRY, "b") is None
    ack = ex.submit(limit("b", Side.BUY, 990000, "0.01"))
    assert ack.client_order_id == "b"


def test_cancel_timeout_after_accept_still_cancels() -> None:
    ex = exchange()
    ack = ex.submit(limit("b", Side.BUY, 990000, "0.01"))
    ex.faults.timeout_next_cancel()
    with pytest.raises(TransientExchangeError):
        ex.cancel(BTCTRY, ack.exchange_order_id)
    assert ex.order(ack.exchange_order_id).status is OrderStatus.CANCELED
    assert locked(ex, "TRY") == 0
    assert ex.cancel(BTCTRY, ack.exchange_order_id) is False


@pytest.mark.parametrize(
    ("op", "call"),
    [
        (Operation.SUBMIT, lambda ex: ex.submit(limit("b", Side.BUY, 990000, "0.01"))),
        (Operation.CANCEL, lambda ex: ex.cancel(BTCTRY, "1")),
        (Operation.OPEN_ORDERS, lambda ex: ex.open_orders([BTCTRY])),
        (Operation.ORDER_LOOKUP, lambda ex: ex.order_by_client_id(BTCTRY, "x")),
        (Operation.FILLS, lambda ex: ex.fills_since(BTCTRY, None)),
        (Operation.BALANCES, lambda ex: ex.balances()),
        (Operation.QUOTES, lambda ex: ex.quotes([BTCTRY])),
    ],
)
def test_rate_limit_on_any_call_changes_nothing(op: Operation, call) -> None:  # type: ignore[no-untyped-def]
    ex = exchange()
    ex.on_bar(flat(0, 1000000))
    ex.submit(limit("a", Side.BUY, 990000, "0.01"))
    before = (dict(ex.balances()), tuple(ex.open_orders([BTCTRY])))
    ex.faults.rate_limit_next(op, retry_after=55)
    with pytest.raises(RateLimitedError) as err:
        call(ex)
    assert err.value.retry_after == 55 and err.value.retryable
    assert (dict(ex.balances()), tuple(ex.open_orders([BTCTRY]))) == before
    call(ex)  # the next call goes through


def test_duplicate_fill_report_repeats_a_fill_without_double_booking() -> None:
    ex = exchange()
    ex.on_bar(flat(0, 1000000))
    ex.submit(limit("b1", Side.BUY, 1000000, "0.01"))
    ex.on_bar(flat(1, 1000000))
    page = ex.fills_since(BTCTRY, None)
    assert len(page.fills) == 1
    ex.faults.duplicate_next_fill_report()
    again = ex.fills_since(BTCTRY, page.cursor)  # nothing new: overlap re-sends the last one
    assert again.fills == page.fills and again.cursor == page.cursor
    ex.faults.duplicate_next_fill_report()
    first = ex.fills_since(BTCTRY, None)
    assert first.fills == page.fills * 2
    assert free(ex, "BTC") == D("1.01")  # balances moved once


def test_duplicate_fill_with_nothing_to_repeat_waits_for_a_fill() -> None:
    ex = exchange()
    ex.faults.duplicate_next_fill_report()
    assert ex.fills_since(BTCTRY, None).fills == ()
    assert ex.faults.pending == (Fault(FaultKind.DUPLICATE_FILL, Operation.FILLS),)


def test_stale_quote_returns_the_previous_observation() -> None:
    ex = exchange(mode=MatchMode.QUOTES)
    ex.set_quote(quote(0, 999000, 1000000))
    ex.set_quote(quote(5, 1001000, 1002000))
    ex.faults.stale_next_quotes()
    stale = ex.quotes([BTCTRY])[BTCTRY]
    assert stale == quote(0, 999000, 1000000)
    assert ex.quotes([BTCTRY])[BTCTRY] == quote(5, 1001000, 1002000)


def test_stale_quote_in_bar_mode_uses_the_previous_bar() -> None:
    ex = exchange()
    ex.on_bar(flat(0, 1000000))
    ex.on_bar(flat(1, 1010000))
    ex.faults.stale_next_quotes()
    stale = ex.quotes([BTCTRY])[BTCTRY]
    fresh = ex.quotes([BTCTRY])[BTCTRY]
    assert stale.observed_at < fresh.observed_at
    assert (stale.bid, fresh.bid) == (D(1000000), D(1010000))


@pytest.mark.parametrize("kept", [1, 2])
def test_stale_quote_in_bar_mode_without_a_previous_bar_is_the_last(kept: int) -> None:
    ex = exchange(history_limit=kept)  # (history_limit=1 still keeps the bar before the last)
    ex.on_bar(flat(0, 1000000))
    ex.faults.stale_next_quotes()
    assert ex.quotes([BTCTRY])[BTCTRY].bid == D(1000000)
    ex.on_bar(flat(1, 1010000))
    ex.on_bar(flat(2, 1020000))
    ex.faults.stale_next_quotes()
    assert ex.quotes([BTCTRY])[BTCTRY].bid == D(1010000)


def test_fault_validation() -> None:
    with pytest.raises(ValidationError):
        Fault(FaultKind.REJECT, Operation.CANCEL)
    with pytest.raises(ValidationError):
        FaultRates(rate_limited=1.5)


def _run_with_random_faults(seed: int) -> tuple[list[Fault], list[object]]:
    ex = SimulatedExchange(
        exchange().symbol_rules([BTCTRY]).values(),
        {"TRY": "1000000", "BTC": "10"},
        seed=seed,
        fault_rates=FaultRates(
            submit_reject=0.1,
            submit_timeout_after=0.1,
            submit_timeout_before=0.1,
            rate_limited=0.05,
            duplicate_fill=0.2,
            stale_quote=0.2,
        ),
    )
    outcomes: list[object] = []
    for i in range(60):
        ex.on_bar(bar(i, 1000000 + i, 1000100 + i, 999000 - i, 1000000))
        request = limit(f"c{i}", Side.BUY if i % 2 else Side.SELL, 999500, "0.01")
        for call in (
            lambda: ex.submit(request),  # noqa: B023 (called within the iteration)
            lambda: ex.fills_since(BTCTRY, None),
            lambda: ex.quotes([BTCTRY]),
        ):
            try:
                outcomes.append(call())
            except (OrderRejectedError, TransientExchangeError, RateLimitedError) as exc:
                outcomes.append(type(exc).__name__)
    outcomes.append(dict(ex.balances()))
    return ex.faults.fired, outcomes


def test_random_faults_are_reproducible_from_the_seed() -> None:
    fired, outcomes = _run_with_random_faults(7)
    assert fired and {f.kind for f in fired} >= {FaultKind.REJECT, FaultKind.DUPLICATE_FILL}
    assert _run_with_random_faults(7) == (fired, outcomes)
    assert _run_with_random_faults(8)[0] != fired


def test_no_rates_means_no_random_faults() -> None:
    ex = exchange()
    for _ in range(100):
        ex.quotes([BTCTRY])
    assert ex.faults.fired == []


def test_timeout_after_accept_hides_a_reject_too() -> None:
    ex = exchange({"TRY": "100"})
    ex.faults.timeout_next_submit()
    with pytest.raises(TransientExchangeError) as err:
        ex.submit(limit("b", Side.BUY, 990000, "0.01"))  # would be BALANCE_NOT_ENOUGH
    assert isinstance(err.value.__cause__, OrderRejectedError)
    assert ex.order_by_client_id(BTCTRY, "b") is None  # the lookup proves it absent
