"""Exchange rules from ``exchangeinfo`` → :class:`~btcbot_core.rules.SymbolRules`.

Decisions (see ``docs/btcturk.md``):

* **Price step** = ``10**-denominatorScale``, raised to 1 when ``hasFraction`` is false.
  ``tickSize`` is *not* enforced by default: live BTCTRY trades at odd integer prices while its
  ``tickSize`` says 10 (reference §2.2, §12.5). With ``tick_size_mode="coarsest"`` the step is
  the coarser of the two when ``tickSize`` is a whole multiple of the derived step (always
  accepted by the exchange, at worse prices). Disagreements are reported as notes.
* **Minimum notional** (quote units) = the largest positive value among every variant field
  the reference names (``minExchangeValue``, ``minAmount``), at the top level and inside every
  filter. TRY-quoted pairs never go below ``safe_min_notional_try`` (setting
  ``STAGE7_RULES_SAFE_MIN_NOTIONAL_TRY``, default 100: 99.91 is shown, 100 is enforced). A
  non-TRY pair with no minimum is ``invalid_metadata``: reported, left out, never raised.
* **Price band** = the tighter of ``minimumLimitOrderPrice``/``maximumLimitOrderPrice`` and
  the filter's ``minPrice``/``maxPrice``.
* **Status** is kept as given; anything but ``TRADING`` is not tradable (the core reports it).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Final

import attrs

from btcbot_adapters.btcturk.parse_public import EP_INFO
from btcbot_adapters.btcturk.wire import ExchangeInfoW, SymbolW, structure
from btcbot_core.errors import MalformedResponse, ValidationError
from btcbot_core.money import step_for_scale
from btcbot_core.pair import Pair
from btcbot_core.rules import SymbolRules

DEFAULT_SAFE_MIN_NOTIONAL_TRY: Final = Decimal(100)
SAFE_MIN_NOTIONAL_SETTING: Final = "STAGE7_RULES_SAFE_MIN_NOTIONAL_TRY"
#: Every field name the reference lists as a minimum-total source (§2.2, §6.2).
MIN_NOTIONAL_KEYS: Final = ("minexchangevalue", "minamount")


class TickSizeMode(enum.StrEnum):
    IGNORE = "ignore"
    COARSEST = "coarsest"


@attrs.frozen
class SymbolReport:
    """What was decided for one exchangeinfo symbol; ``problem`` set when not usable."""

    symbol: str
    pair: Pair | None
    rules: SymbolRules | None
    order_methods: frozenset[str]
    notes: tuple[str, ...] = ()
    problem: str | None = None


@attrs.frozen
class RulesBook:
    """All symbols of one exchangeinfo: usable rules plus every rejected symbol and why."""

    reports: Mapping[str, SymbolReport]
    server_time_ms: int | None = None

    @property
    def rules(self) -> dict[Pair, SymbolRules]:
        return {r.pair: r.rules for r in self.reports.values() if r.pair and r.rules}

    @property
    def invalid_metadata(self) -> dict[str, str]:
        """Symbol → reason, for every symbol that will not be traded."""
        return {s: r.problem for s, r in self.reports.items() if r.problem is not None}

    def order_methods(self, pair: Pair) -> frozenset[str]:
        report = self.reports.get(pair.symbol)
        return report.order_methods if report else frozenset()


@attrs.frozen
class _OneDecimal:
    v: Decimal


def _decimal_values(raw: Mapping[str, Any], keys: Iterable[str]) -> list[tuple[str, Any]]:
    wanted = set(keys)
    return [(k, v) for k, v in raw.items() if isinstance(k, str) and k.lower() in wanted]


def _min_notional_candidates(raw: Mapping[str, Any]) -> list[Decimal]:
    found: list[tuple[str, Any]] = _decimal_values(raw, MIN_NOTIONAL_KEYS)
    filters: Any = next(
        (v for k, v in raw.items() if isinstance(k, str) and k.lower() == "filters"), []
    )
    if isinstance(filters, list):
        for item in filters:
            if isinstance(item, Mapping):
                found += _decimal_values(item, MIN_NOTIONAL_KEYS)
    out = []
    for name, value in found:
        if value is None:
            continue
        number = structure(EP_INFO, {"v": value}, _OneDecimal).v
        if number < 0:
            raise MalformedResponse(EP_INFO, name, f"negative minimum {number}")
        if number > 0:
            out.append(number)
    return out


def _price_step(wire: SymbolW, mode: TickSizeMode, notes: list[str]) -> Decimal:
    step = step_for_scale(wire.denominatorScale)
    if not wire.hasFraction:
        step = max(step, Decimal(1))
    ticks = [f.tickSize for f in wire.filters if f.tickSize is not None and f.tickSize > 0]
    for tick in ticks:
        if tick == step:
            continue
        notes.append(f"tickSize {tick} disagrees with derived price step {step}")
        if mode is TickSizeMode.COARSEST and tick > step and tick % step == 0:
            step = tick
    return step


def _band(wire: SymbolW) -> tuple[Decimal | None, Decimal | None]:
    lows = [x for x in [wire.minimumLimitOrderPrice] if x is not None and x > 0]
    highs = [x for x in [wire.maximumLimitOrderPrice] if x is not None and x > 0]
    for f in wire.filters:
        if f.minPrice is not None and f.minPrice > 0:
            lows.append(f.minPrice)
        if f.maxPrice is not None and f.maxPrice > 0:
            highs.append(f.maxPrice)
    return (max(lows) if lows else None, min(highs) if highs else None)


def symbol_report(
    raw: Any,
    *,
    safe_min_notional_try: Decimal = DEFAULT_SAFE_MIN_NOTIONAL_TRY,
    tick_size_mode: TickSizeMode = TickSizeMode.IGNORE,
) -> SymbolReport:
    """Judge one raw symbol entry. Never raises for bad metadata: it reports it."""
    name = raw.get("name") if isinstance(raw, Mapping) else None
    symbol = name if isinstance(name, str) else "<unnamed>"
    try:
        wire = structure(EP_INFO, raw, SymbolW)
        pair = Pair(wire.numerator, wire.denominator)
        methods = frozenset(m.strip().upper() for m in wire.orderMethods)
        notes: list[str] = []
        price_step = _price_step(wire, tick_size_mode, notes)
        minimums = _min_notional_candidates(raw)
        min_notional = max(minimums) if minimums else None
        if pair.quote == "TRY":
            if min_notional is None or min_notional < safe_min_notional_try:
                notes.append(f"min notional {min_notional} raised to {safe_min_notional_try} TRY")
                min_notional = safe_min_notional_try
        elif min_notional is None:
            return SymbolReport(
                symbol,
                pair,
                None,
                methods,
                tuple(notes),
                f"invalid_metadata: no minimum notional for {pair.quote} pair",
            )
        min_price, max_price = _band(wire)
        rules = SymbolRules(
            pair=pair,
            price_scale=wire.denominatorScale,
            qty_scale=wire.numeratorScale,
            min_notional=min_notional,
            price_step=price_step,
            has_fraction=wire.hasFraction,
            min_price=min_price,
            max_price=max_price,
            status=wire.status.strip().upper(),
        )
        if "LIMIT" not in methods:
            notes.append("LIMIT orders are not allowed for this pair")
        return SymbolReport(symbol, pair, rules, methods, tuple(notes))
    except (MalformedResponse, ValidationError) as exc:
        return SymbolReport(symbol, None, None, frozenset(), (), f"invalid_metadata: {exc}")
    except (ArithmeticError, ValueError, TypeError) as exc:
        detail = f"invalid_metadata: {type(exc).__name__}: {exc}"[:200]
        return SymbolReport(symbol, None, None, frozenset(), (), detail)


def rules_book(
    info: ExchangeInfoW,
    pairs: Sequence[Pair] | None = None,
    *,
    safe_min_notional_try: Decimal = DEFAULT_SAFE_MIN_NOTIONAL_TRY,
    tick_size_mode: TickSizeMode = TickSizeMode.IGNORE,
) -> RulesBook:
    """Judge every symbol (or only ``pairs``); a wanted pair absent from the payload is
    reported as ``invalid_metadata`` too."""
    wanted = {p.symbol for p in pairs} if pairs is not None else None
    reports: dict[str, SymbolReport] = {}
    for raw in info.symbols:
        name = raw.get("name")
        if wanted is not None and (not isinstance(name, str) or name not in wanted):
            continue
        report = symbol_report(
            raw, safe_min_notional_try=safe_min_notional_try, tick_size_mode=tick_size_mode
        )
        if report.symbol in reports:
            report = attrs.evolve(report, rules=None, problem="invalid_metadata: duplicate entry")
        reports[report.symbol] = report
    for symbol in sorted((wanted or set()) - set(reports)):
        reports[symbol] = SymbolReport(
            symbol,
            Pair.parse(symbol),
            None,
            frozenset(),
            (),
            "invalid_metadata: not listed in exchangeinfo",
        )
    return RulesBook(reports=reports, server_time_ms=info.serverTime)
