"""The fill cycle's shortcuts give exactly what the general paths give.

* :func:`~btcbot_core.reconcile_fills.reconcile_one_fill` (one order, one fill) against the
  general :func:`~btcbot_core.reconcile.reconcile`;
* :func:`~btcbot_core.pipeline.ingest.poll_and_reconcile` with ``FILL_SHORTCUT`` on and
  off: the same plan, the same calls to the exchange, the same booked record and session;
* whole runs with the switch on and off leave identical stores and reports;
* ``checkpoint_capital`` gives what ``apply_checkpoint`` gives.
"""

from __future__ import annotations

import random
import types
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from btcbot_core import Bar
from btcbot_core.decisions import Reason
from btcbot_core.ledger import Ledger
from btcbot_core.ledger_events import fill_event_id
from btcbot_core.orders import Fill, Order, OrderStatus, OrderType, Side
from btcbot_core.pair import Pair
from btcbot_core.pipeline import CycleParams, CycleSession, get_profile, ingest
from btcbot_core.pipeline.assess import checkpoint_capital
from btcbot_core.pipeline.ingest import Booked, poll_and_reconcile
from btcbot_core.ports import ExchangeOrder, FillPage
from btcbot_core.reconcile import ReconcilePlan, reconcile
from btcbot_core.reconcile_fills import reconcile_one_fill
from btcbot_core.self_financing import apply_checkpoint
from btcbot_core.state import CapitalState
from btcbot_core.strategies import get_strategy
from tests.pipeline.harness import BarRig

S = OrderStatus
BTC, ETH = Pair("BTC", "TRY"), Pair("ETH", "TRY")
T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
NOW = T0 + timedelta(minutes=10)
QTY = D(4)


def _order(draw: st.DrawFn, pair: Pair, coid: str) -> Order:
    status = draw(st.sampled_from([S.OPEN, S.OPEN, S.PARTIALLY_FILLED, S.SUBMITTED,
                                   S.UNKNOWN, S.CANCELED, S.FILLED, S.PLANNED]))  # fmt: skip
    filled = D(draw(st.integers(1, 3))) if status is S.PARTIALLY_FILLED else D(0)
    if status is S.FILLED:
        filled = QTY
    if status is S.CANCELED:
        filled = D(draw(st.integers(0, 3)))
    return Order(
        client_order_id=coid,
        pair=pair,
        side=Side.BUY,
        quantity=QTY,
        price=draw(st.sampled_from([None, D(100)])),
        order_type=OrderType.MARKET,
        status=status,
        created_at=T0,
        updated_at=T0 + timedelta(seconds=draw(st.integers(0, 60))),
        exchange_order_id=None if status is S.PLANNED else draw(st.sampled_from(["e1", None])),
        filled_qty=filled,
        filled_notional=filled * 100,
    )


def _fill(draw: st.DrawFn, order: Order, fid: str) -> Fill:
    """A fill of ``order`` to completion, usually; now and then one that differs from it."""
    qty = order.quantity - order.filled_qty
    if qty <= 0 or draw(st.integers(0, 3)) == 0:
        qty = D(draw(st.integers(1, 5)))
    coid = order.client_order_id
    if draw(st.integers(0, 5)) == 0:
        coid = draw(st.sampled_from(["", "other", coid.upper()]))
    side = Side.SELL if draw(st.integers(0, 7)) == 0 else order.side
    pair = ETH if draw(st.integers(0, 7)) == 0 else order.pair
    return Fill(fid, order.exchange_order_id or "e1", coid, pair, side,
                draw(st.sampled_from(["100", "101.5"])), qty, "0.1", "TRY",
                T0 + timedelta(seconds=draw(st.integers(0, 120))))  # fmt: skip


@st.composite
def one_fill_cases(draw: st.DrawFn) -> tuple[Order, Fill]:
    order = _order(draw, BTC, draw(st.sampled_from(["c1", "c1", ""])))
    return order, _fill(draw, order, "f1")


@pytest.mark.property
@given(case=one_fill_cases(), queried=st.sampled_from([(BTC,), (BTC, ETH), None]))
def test_one_fill_plan_equals_the_general_plan(
    case: tuple[Order, Fill], queried: tuple[Pair, ...] | None
) -> None:
    order, fill = case
    general = reconcile([order], [], now=NOW, fills=[fill], queried_pairs=queried)
    quick = reconcile_one_fill(order, fill, NOW)
    if quick is None:
        return
    assert quick == general
    # field by field too: the cycle report prints the reasons
    assert [(r.code, r.detail) for r in quick.reasons] == [
        (r.code, r.detail) for r in general.reasons
    ]
    for a, b in zip(quick.order_updates, general.order_updates, strict=True):
        assert a.reasons == b.reasons and a.after == b.after


def _plain(status: S = S.OPEN, coid: str = "c1") -> Order:
    return Order(coid, BTC, Side.BUY, QTY, None, OrderType.MARKET, status, T0, T0, "e1")


def _plain_fill(qty: str = "4", coid: str = "c1") -> Fill:
    return Fill("f1", "e1", coid, BTC, Side.BUY, "100", qty, "0.1", "TRY", T0)


def test_one_fill_plan_takes_the_usual_fill_cycle() -> None:
    for status in (S.OPEN, S.SUBMITTED, S.UNKNOWN, S.CANCELED):
        quick = reconcile_one_fill(_plain(status), _plain_fill(), NOW)
        assert quick is not None
        assert quick == reconcile([_plain(status)], [], now=NOW, fills=[_plain_fill()])
    assert quick is not None and [r.code for r in quick.reasons] == ["RECON_FILL_APPLIED"]


@pytest.mark.parametrize(
    ("order", "fill", "now"),
    [
        (_plain(), _plain_fill("2"), NOW),  # still live: the general diff asks a lookup
        (_plain(), _plain_fill(coid="c9"), NOW),  # not ours by client id
        (_plain(coid=""), _plain_fill(coid=""), NOW),  # matched by exchange id in general
        (_plain(S.PLANNED), _plain_fill(), NOW),  # SUBMITTED is recorded first
        (_plain(S.FILLED), _plain_fill(), NOW),  # a refused fill: a conflict
        (_plain(), _plain_fill("5"), NOW),  # overfilled: a conflict
        (_plain(), _plain_fill(), NOW.replace(tzinfo=None)),  # the general diff raises
    ],
)
def test_one_fill_plan_declines_other_shapes(order: Order, fill: Fill, now: datetime) -> None:
    assert reconcile_one_fill(order, fill, now) is None


# --- poll_and_reconcile, the shortcut on and off ------------------------------------------


@attrs.define
class FakeTrading:
    """Open orders, fill pages and lookups as given; every call is recorded."""

    open: list[ExchangeOrder]
    pages: dict[Pair, FillPage]
    lookups: dict[str, ExchangeOrder | None]
    calls: list[tuple[Any, ...]] = attrs.Factory(list)

    def open_orders(self, pairs: Sequence[Pair]) -> Sequence[ExchangeOrder]:
        self.calls.append(("open_orders", tuple(pairs)))
        return [e for e in self.open if e.pair in pairs]

    def fills_since(self, pair: Pair, cursor: str | None) -> FillPage:
        self.calls.append(("fills_since", pair, cursor))
        return self.pages.get(pair, FillPage((), cursor))

    def order_by_client_id(self, pair: Pair, client_order_id: str) -> ExchangeOrder | None:
        self.calls.append(("order_by_client_id", pair, client_order_id))
        return self.lookups.get(client_order_id)


@attrs.frozen
class PollCase:
    live: tuple[Order, ...]
    open: tuple[ExchangeOrder, ...]
    fills: tuple[Fill, ...]
    known: bool
    foreign: bool
    configured: tuple[Pair, ...]
    cursor: str | None


@st.composite
def poll_cases(draw: st.DrawFn) -> PollCase:
    """Mostly the usual fill cycle (one order, one fill completing it, nothing open), with
    departures: more orders or fills, an open order on the exchange, a known fill, foreign
    activity, the order's pair no longer configured, a first poll of the pair."""
    live = [_order(draw, BTC, "c1")]
    if draw(st.integers(0, 4)) == 0:
        live.append(_order(draw, draw(st.sampled_from([BTC, ETH])), "c2"))
    fills = [_fill(draw, live[0], "f1")] if draw(st.integers(0, 6)) else []
    if draw(st.integers(0, 4)) == 0:
        fills.append(_fill(draw, live[-1], draw(st.sampled_from(["f1", "f2"]))))
    opened: list[ExchangeOrder] = []
    if draw(st.integers(0, 4)) == 0:
        o = live[0]
        opened.append(
            ExchangeOrder("e1", o.client_order_id, o.pair, o.side, o.order_type, o.price,
                          o.quantity, D(draw(st.integers(0, 4))),
                          draw(st.sampled_from([S.OPEN, S.PARTIALLY_FILLED])), T0)
        )  # fmt: skip
    return PollCase(
        live=tuple(live),
        open=tuple(opened),
        fills=tuple(fills),
        known=draw(st.integers(0, 5)) == 0,
        foreign=draw(st.integers(0, 3)) == 0,
        configured=draw(st.sampled_from([(BTC, ETH), (BTC, ETH), (ETH,), (BTC,)])),
        cursor=draw(st.sampled_from(["3", "3", None])),
    )


def _poll(case: PollCase, shortcut: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, ...]:
    monkeypatch.setattr(ingest, "FILL_SHORTCUT", shortcut)
    params = CycleParams(run_id="t", pairs=case.configured, strategy="sma_cross", use_bars=True)
    profile = attrs.evolve(get_profile("backtest"), foreign_activity=case.foreign)
    ledger = Ledger()
    if case.known and case.fills:
        ledger._seen.add(fill_event_id(case.fills[0]))  # as if booked before a restart
    session = CycleSession(
        params,
        profile,
        ledger,
        get_strategy("sma_cross"),
        live_orders={o.client_order_id: o for o in case.live},
        cursors={p: case.cursor for p in case.configured},
    )
    pages: dict[Pair, FillPage] = {}
    for f in case.fills:
        page = pages.get(f.pair, FillPage((), "3"))
        pages[f.pair] = FillPage((*page.fills, f), str(int(page.cursor or 0) + 1))
    trading = FakeTrading(list(case.open), pages, {"c1": None})
    booked = Booked()
    try:
        plan: ReconcilePlan | type[Exception] | None = poll_and_reconcile(
            trading,  # type: ignore[arg-type]
            session,
            booked,
            NOW,
        )
    except Exception as exc:  # the same failure either way
        plan = type(exc)
    return (
        plan,
        trading.calls,
        [(r.code, r.detail) for r in booked.reasons],
        dict(booked.orders),
        set(booked.unwritten_orders),
        dict(booked.cursors),
        set(booked.unwritten_cursors),
        set(booked.fresh_pairs),
        set(booked.blocked),
        dict(session.live_orders),
        dict(session.cursors),
    )


@pytest.mark.property
@given(case=poll_cases())
def test_poll_and_reconcile_is_the_same_with_and_without_the_shortcut(case: PollCase) -> None:
    with pytest.MonkeyPatch.context() as mp:
        general = _poll(case, False, mp)
        quick = _poll(case, True, mp)
    assert quick == general


def test_the_usual_fill_cycle_takes_the_shortcut(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    real = ingest.reconcile

    def spy(*args: Any, **kwargs: Any) -> ReconcilePlan:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(ingest, "reconcile", spy)
    case = PollCase((_plain(),), (), (_plain_fill(),), False, False, (BTC, ETH), "3")
    plan, *_rest, live, _cursors = _poll(case, True, monkeypatch)
    assert isinstance(plan, ReconcilePlan) and not calls  # the general diff did not run
    assert plan.order_updates[0].after.status is S.FILLED and not live
    assert _poll(case, False, monkeypatch) == _poll(case, True, monkeypatch)
    assert calls  # the general path did run with the switch off


# --- whole runs -----------------------------------------------------------------------------


def _run(seed: int, profile: str, shortcut: bool, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(ingest, "FILL_SHORTCUT", shortcut)
    rng = random.Random(seed)
    pairs = (BTC, ETH)
    rig = BarRig(pairs, {"FAST": "3", "SLOW": "7", "ORDER_TRY": "400"}, run_id="fill",
                 profile=profile, seed=seed)  # fmt: skip
    prices = [D("600000"), D("40000")]
    reports = []
    for i in range(250):
        t = T0 + timedelta(minutes=i)
        row = []
        for k, pair in enumerate(pairs):
            close = (prices[k] * (1 + D(rng.randint(-250, 250)) / 10000)).quantize(D("0.01"))
            row.append(
                Bar(pair, t, prices[k], max(prices[k], close), min(prices[k], close), close, "5")
            )
            prices[k] = close
        rig.exchange.on_bars(row)
        if i == 120:  # a restart: the session is rebuilt from what the stores hold
            rig.session = CycleSession.open(rig.uow, rig.params, rig.profile)
        reports.append(rig.cycle(t + timedelta(minutes=1)))
    return rig, reports


@pytest.mark.parametrize("profile", ["backtest", "stage7"])
@pytest.mark.parametrize("seed", [1, 2])
def test_whole_runs_are_the_same_with_and_without_the_shortcut(
    profile: str, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    general, general_reports = _run(seed, profile, False, monkeypatch)
    quick, quick_reports = _run(seed, profile, True, monkeypatch)
    assert quick_reports == general_reports
    assert quick.uow.db.state == general.uow.db.state
    assert quick.uow.db.version == general.uow.db.version
    assert quick.session.capital == general.session.capital
    assert sum(len(r.fills_ingested) for r in quick_reports) > 5  # it traded


# --- the self-financing checkpoint of a fill cycle ------------------------------------------


@pytest.mark.property
@given(
    last=st.integers(0, 5),
    count=st.integers(0, 8),
    realized=st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=-10**6,
                         max_value=10**6),
    anchored=st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=-10**6,
                         max_value=10**6),
    capital=st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=0,
                        max_value=10**5),
)  # fmt: skip
def test_checkpoint_capital_is_apply_checkpoint(
    last: int, count: int, realized: D, anchored: D, capital: D
) -> None:
    params = CycleParams(run_id="t", pairs=(BTC,), strategy="sma_cross", use_bars=True)
    state = CapitalState(capital, D("7.5"), last, anchored, T0)
    session = types.SimpleNamespace(
        profile=get_profile("backtest"),
        params=params,
        capital=state,
        ledger=types.SimpleNamespace(event_count=count, realized_pnl=realized),
    )

    def outcome(run):  # type: ignore[no-untyped-def]
        try:
            return run()
        except Exception as exc:  # the same refusal either way
            return type(exc), str(exc)

    got = outcome(lambda: checkpoint_capital(session, None, NOW))  # type: ignore[arg-type]
    if count == last:
        assert got == (state, None)  # (the cycle's own rule: nothing new to checkpoint)
        return

    def general() -> tuple[CapitalState, Reason]:
        new, decision = apply_checkpoint(state, count, realized, NOW, params.self_financing)
        return new, decision.reason

    assert got == outcome(general)
