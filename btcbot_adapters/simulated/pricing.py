"""Prices the simulator derives: taker prices with slippage, market-order band prices and
quotes synthesised from bars.

Every derived price is rounded to the pair's effective price step **against us**: a buy
price up, a sell price down (so a simulated result is never flattering).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from btcbot_core.market import Bar, Quote
from btcbot_core.money import ONE, quantize_down, quantize_up
from btcbot_core.orders import Side
from btcbot_core.rules import SymbolRules


def slipped_price(side: Side, touch: Decimal, slippage: Decimal, rules: SymbolRules) -> Decimal:
    """The taker price of a market order at ``touch``: worse by ``slippage`` (a ratio),
    rounded to the price step against the taker (buy up, sell down). Unchanged at 0."""
    if slippage == 0:
        return touch
    step = rules.effective_price_step
    if side is Side.BUY:
        return quantize_up(touch * (ONE + slippage), step)
    return quantize_down(touch * (ONE - slippage), step)


def band_price(side: Side, reference: Decimal, band: Decimal, rules: SymbolRules) -> Decimal:
    """The worst price a market order accepted at ``reference`` may fill at in bar mode:
    ``reference × (1 ± band)``, rounded outward to the price step (like BTCTurk's 5 % band)."""
    step = rules.effective_price_step
    if side is Side.BUY:
        return quantize_up(reference * (ONE + band), step)
    return quantize_down(reference * (ONE - band), step)


def touch_prices(rules: SymbolRules, bar: Bar, half_spread: Decimal) -> tuple[Decimal, Decimal]:
    """``(bid, ask)`` implied by a bar: ``close × (1 ∓ half_spread)`` (bid down, ask up, bid at
    least one step). Always a valid quote: ``0 < bid <= ask`` (a bar's close is > 0)."""
    bid = ask = bar.close
    if half_spread:
        step = rules.effective_price_step
        bid = max(quantize_down(bar.close * (ONE - half_spread), step), step)
        ask = quantize_up(bar.close * (ONE + half_spread), step)
    return bid, ask


def synthesise_quote(rules: SymbolRules, bar: Bar, half_spread: Decimal) -> Quote:
    """Top of book implied by a bar (:func:`touch_prices`), observed at the bar's close time."""
    bid, ask = touch_prices(rules, bar, half_spread)
    return Quote(rules.pair, bid, ask, bar.open_time + timedelta(seconds=bar.interval_s))
