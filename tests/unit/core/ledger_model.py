"""Hypothesis generator of valid ledger event sequences, plus a naive balance model."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

from hypothesis import strategies as st

from btcbot_core import (
    AdjustmentEvent,
    DepositEvent,
    FeeEvent,
    Fill,
    FillEvent,
    LedgerEvent,
    Pair,
    Side,
    WithdrawalEvent,
)
from btcbot_core.money import quantize_down

T0 = datetime(2024, 1, 1, tzinfo=UTC)
PAIRS = (Pair("BTC", "TRY"), Pair("ETH", "TRY"), Pair("USDT", "TRY"), Pair("ETH", "USDT"))
Q8 = D("0.00000001")
Q2 = D("0.01")

OPS = st.lists(
    st.tuples(
        st.sampled_from(["buy", "sell", "deposit", "withdraw", "fee", "adjust", "deposit_asset"]),
        st.integers(0, len(PAIRS) - 1),
        st.integers(1, 100),  # fraction in percent
        st.integers(1, 5_000_000),  # price in hundredths
        st.sampled_from(["quote", "base", "none"]),
        st.integers(1, 20_000),  # quote rate in 1/1000
    ),
    min_size=1,
    max_size=60,
)


def build_events(ops: list[tuple[str, int, int, int, str, int]]) -> list[LedgerEvent]:
    """Turn random ops into a valid event sequence (never spends more than held)."""
    bal: dict[str, D] = {"TRY": D(0)}
    events: list[LedgerEvent] = [DepositEvent("dep-0", T0, "TRY", "100000")]
    bal["TRY"] = D(100000)
    for n, (kind, pi, frac, price_c, fee_kind, rate_m) in enumerate(ops, start=1):
        ts = T0 + timedelta(seconds=n)
        pair = PAIRS[pi]
        price = D(price_c) / 100
        rate = D(rate_m) / 1000
        pct = D(frac) / 100
        quote_rate = None if pair.quote == "TRY" else rate
        if kind in ("buy", "sell"):
            side = Side.BUY if kind == "buy" else Side.SELL
            if side is Side.BUY:
                budget = bal.get(pair.quote, D(0)) * pct * D("0.9")
                qty = quantize_down(budget / price, Q8) if budget > 0 else D(0)
            else:
                # leave room for a fee charged in the base asset on top of the sale
                qty = quantize_down(bal.get(pair.base, D(0)) * pct * D("0.998"), Q8)
            if qty <= 0:
                continue
            notional = price * qty
            if fee_kind == "quote":
                fee, fee_asset = quantize_down(notional * D("0.001"), Q8), pair.quote
            elif fee_kind == "base":
                fee, fee_asset = quantize_down(qty * D("0.001"), Q8), pair.base
            else:
                fee, fee_asset = D(0), pair.quote
            tax = quantize_down(fee * D("0.2"), Q8)
            fill = Fill(f"t{n}", f"o{n}", f"c{n}", pair, side, price, qty, fee, fee_asset, ts, tax)
            events.append(FillEvent(fill, quote_rate=quote_rate))
            sign = 1 if side is Side.BUY else -1
            bal[pair.base] = bal.get(pair.base, D(0)) + sign * qty
            bal[pair.quote] = bal.get(pair.quote, D(0)) - sign * notional
            bal[fee_asset] -= fee + tax
        elif kind == "deposit":
            amount = D(frac * 100)
            events.append(DepositEvent(f"d{n}", ts, "TRY", amount))
            bal["TRY"] += amount
        elif kind == "deposit_asset":
            amount = D(frac) / 1000
            events.append(DepositEvent(f"da{n}", ts, pair.base, amount, rate=price))
            bal[pair.base] = bal.get(pair.base, D(0)) + amount
        elif kind == "withdraw":
            amount = quantize_down(bal["TRY"] * pct * D("0.5"), Q2)
            if amount > 0:
                events.append(WithdrawalEvent(f"w{n}", ts, "TRY", amount))
                bal["TRY"] -= amount
        elif kind == "fee":
            asset = pair.base
            amount = quantize_down(bal.get(asset, D(0)) * D("0.001"), Q8)
            if amount > 0:
                events.append(FeeEvent(f"fee{n}", ts, asset, amount, rate=price))
                bal[asset] -= amount
        elif kind == "adjust":
            asset = pair.base
            held = bal.get(asset, D(0))
            amount = quantize_down(held * D("0.01"), Q8)
            if amount > 0:
                signed = -amount if frac % 2 else amount
                events.append(AdjustmentEvent(f"a{n}", ts, asset, signed, "recon", rate=price))
                bal[asset] = held + signed
    return events


def naive_balances(events: list[LedgerEvent]) -> dict[str, D]:
    """Per-asset conservation, computed the obvious way from scratch."""
    bal: dict[str, D] = {}

    def add(asset: str, amount: D) -> None:
        bal[asset] = bal.get(asset, D(0)) + amount

    for ev in events:
        if isinstance(ev, FillEvent):
            f = ev.fill
            sign = 1 if f.side is Side.BUY else -1
            add(f.pair.base, sign * f.quantity)
            add(f.pair.quote, -sign * f.price * f.quantity)
            add(f.fee_asset, -(f.fee + f.tax))
        elif isinstance(ev, DepositEvent):
            add(ev.asset, ev.amount)
        elif isinstance(ev, WithdrawalEvent):
            add(ev.asset, -ev.amount)
        elif isinstance(ev, FeeEvent):
            add(ev.asset, -(ev.amount + ev.tax))
        elif isinstance(ev, AdjustmentEvent):
            add(ev.asset, ev.amount)
    return {a: v for a, v in bal.items() if v != 0}


def marks_strategy() -> st.SearchStrategy[dict[str, D]]:
    price = st.integers(1, 10_000_000).map(lambda c: D(c) / 100)
    return st.fixed_dictionaries({"BTC": price, "ETH": price, "USDT": price})
