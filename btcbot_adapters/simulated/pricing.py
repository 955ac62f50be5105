"""Prices the simulator derives: taker prices with slippage, market-order band prices and
quotes synthesised from bars.

Every derived price is rounded to the pair's effective price step **against us**: a buy
price up, a sell price down (so a simulated result is never flattering). The rounding is
:func:`round_up` / :func:`round_down`: ``quantize_up`` / ``quantize_down`` onto
``rules.effective_price_step``, through ``SymbolRules.round_price`` (which rounds a *sell* up
and a *buy* down, with a shortcut for power-of-ten steps that core tests hold to the general
functions).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from btcbot_core.market import Bar, Quote
from btcbot_core.money import ONE
from btcbot_core.orders import Side
from btcbot_core.rules import SymbolRules

#: ``timedelta(seconds=n)`` per bar interval seen (building one costs ~0.2 µs, more than the
#: rest of ``now()``); bounded so odd intervals cannot grow it without limit.
_SPANS: dict[int, timedelta] = {}


def bar_span(interval_s: int) -> timedelta:
    """``timedelta(seconds=interval_s)``: a bar's length, from open time to close time."""
    span = _SPANS.get(interval_s)
    if span is None:
        span = timedelta(seconds=interval_s)
        if len(_SPANS) < 64:
            _SPANS[interval_s] = span
    return span


def round_up(value: Decimal, rules: SymbolRules) -> Decimal:
    """``quantize_up(value, rules.effective_price_step)`` (a sell limit rounds up)."""
    return rules.round_price(value, Side.SELL)


def round_down(value: Decimal, rules: SymbolRules) -> Decimal:
    """``quantize_down(value, rules.effective_price_step)`` (a buy limit rounds down)."""
    return rules.round_price(value, Side.BUY)


def slipped_price(side: Side, touch: Decimal, slippage: Decimal, rules: SymbolRules) -> Decimal:
    """The taker price of a market order at ``touch``: worse by ``slippage`` (a ratio),
    rounded to the price step against the taker (buy up, sell down). Unchanged at 0."""
    if slippage == 0:
        return touch
    if side is Side.BUY:
        return round_up(touch * (ONE + slippage), rules)
    return round_down(touch * (ONE - slippage), rules)


def band_price(side: Side, reference: Decimal, band: Decimal, rules: SymbolRules) -> Decimal:
    """The worst price a market order accepted at ``reference`` may fill at in bar mode:
    ``reference × (1 ± band)``, rounded outward to the price step (like BTCTurk's 5 % band)."""
    if side is Side.BUY:
        return round_up(reference * (ONE + band), rules)
    return round_down(reference * (ONE - band), rules)


def touch_prices(rules: SymbolRules, bar: Bar, half_spread: Decimal) -> tuple[Decimal, Decimal]:
    """``(bid, ask)`` implied by a bar: ``close × (1 ∓ half_spread)`` (bid down, ask up, bid at
    least one step). Always a valid quote: ``0 < bid <= ask`` (a bar's close is > 0)."""
    bid = ask = bar.close
    if half_spread:
        bid = max(round_down(bar.close * (ONE - half_spread), rules), rules.effective_price_step)
        ask = round_up(bar.close * (ONE + half_spread), rules)
    return bid, ask


def synthesise_quote(rules: SymbolRules, bar: Bar, half_spread: Decimal) -> Quote:
    """Top of book implied by a bar (:func:`touch_prices`), observed at the bar's close time."""
    bid, ask = touch_prices(rules, bar, half_spread)
    return Quote(rules.pair, bid, ask, bar.open_time + bar_span(bar.interval_s))
