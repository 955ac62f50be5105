"""The cycle report: what one cycle saw, decided and did, and why.

Serialisable with :meth:`CycleReport.to_dict` into JSON-compatible values (Decimals as
strings, times as ISO-8601 UTC) in a fixed key order, so two runs with the same inputs give
byte-identical JSON (timings, the one non-deterministic part, can be left out).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Final

import attrs

from btcbot_core.decisions import Reason
from btcbot_core.ledger import Valuation
from btcbot_core.market import MarketSnapshot
from btcbot_core.orders import OrderIntent
from btcbot_core.pipeline.digest import snapshot_digest
from btcbot_core.state import RiskMode


class Fate(enum.StrEnum):
    """What became of one intent."""

    SUBMITTED = "SUBMITTED"  # accepted by the exchange
    UNKNOWN = "UNKNOWN"  # sent; the outcome will be looked up (never blindly resent)
    REJECTED_BY_EXCHANGE = "REJECTED_BY_EXCHANGE"
    BLOCKED_BY_GATE = "BLOCKED_BY_GATE"  # live-arming policy (dry run, kill switch, ...)
    BLOCKED_BY_MODE = "BLOCKED_BY_MODE"  # risk budget / degrade mode
    BLOCKED_BY_RECONCILE = "BLOCKED_BY_RECONCILE"  # an UNKNOWN order on the pair
    DROPPED_BY_ALLOCATION = "DROPPED_BY_ALLOCATION"
    REJECTED_BY_RULES = "REJECTED_BY_RULES"  # exchange rules (scale, min notional, ...)
    REJECTED_BY_RISK = "REJECTED_BY_RISK"  # risk policy caps
    DUPLICATE = "DUPLICATE"  # client order id already recorded: not sent again


#: The fates of a sent order, read once per order: bound once as globals (see the members
#: bound in :mod:`btcbot_core.orders` for why).
FATE_SUBMITTED: Final = Fate.SUBMITTED
FATE_UNKNOWN: Final = Fate.UNKNOWN


# Not slotted: built on hot paths and read a few times. A frozen slotted class sets each
# field through object.__setattr__; a dict-backed one is built in about 60 % of the time.
@attrs.frozen(slots=False)
class IntentOutcome:
    """One intent and its fate. Prices/quantities as finally sent when submitted."""

    intent: OrderIntent
    fate: Fate
    reasons: tuple[Reason, ...] = ()
    client_order_id: str | None = None
    price: Decimal | None = None
    quantity: Decimal | None = None


# Not slotted: built on the cycle's path and read a few times (see ledger_values.Valuation).
@attrs.frozen(slots=False)
class CapitalView:
    trading_capital: Decimal
    treasury: Decimal


# Not slotted: built on hot paths and read a few times. A frozen slotted class sets each
# field through object.__setattr__; a dict-backed one is built in about 60 % of the time.
@attrs.frozen(slots=False)
class CycleReport:
    """One cycle, fully explained. Amounts in TRY unless stated."""

    run_id: str
    cycle: int
    stage: str
    now: datetime
    market: MarketSnapshot = attrs.field(eq=False, repr=False)
    mode: RiskMode
    multiplier: Decimal
    reasons: tuple[Reason, ...]
    intents: tuple[IntentOutcome, ...]
    submitted: tuple[str, ...]
    cancelled: tuple[str, ...]
    cancel_blocked: tuple[tuple[str, Reason], ...]
    fills_ingested: tuple[str, ...]
    valuation: Valuation | None
    capital: CapitalView | None
    order_updates: tuple[tuple[str, str], ...] = ()
    timings_ms: Mapping[str, float] = attrs.field(factory=dict, eq=False)

    @property
    def snapshot_digest(self) -> str:
        """Fingerprint of the market the cycle saw (computed on demand: it is not free)."""
        return snapshot_digest(self.market)

    @property
    def quiet(self) -> bool:
        """Nothing happened: no intent, order, cancel or fill."""
        return not (
            self.intents
            or self.cancelled
            or self.cancel_blocked
            or self.fills_ingested
            or self.order_updates
        )

    def to_dict(self, *, timings: bool = True) -> dict[str, object]:
        """JSON-compatible, deterministic key order. ``timings=False`` for byte-identity."""
        out: dict[str, object] = {
            "run_id": self.run_id,
            "cycle": self.cycle,
            "stage": self.stage,
            "now": self.now.isoformat(),
            "snapshot_digest": self.snapshot_digest,
            "mode": self.mode.value,
            "multiplier": str(self.multiplier),
            "reasons": [_reason(r) for r in self.reasons],
            "intents": [_outcome(o) for o in self.intents],
            "submitted": list(self.submitted),
            "cancelled": list(self.cancelled),
            "cancel_blocked": [[c, _reason(r)] for c, r in self.cancel_blocked],
            "fills_ingested": list(self.fills_ingested),
            "order_updates": [list(u) for u in self.order_updates],
            "ledger": None if self.valuation is None else _valuation(self.valuation),
            "capital": None
            if self.capital is None
            else {
                "trading_capital": str(self.capital.trading_capital),
                "treasury": str(self.capital.treasury),
            },
        }
        if timings:
            out["timings_ms"] = {k: round(v, 3) for k, v in sorted(self.timings_ms.items())}
        return out


class SerialisedReport(Mapping[str, object]):
    """``report.to_dict(timings=False)`` as a read-only mapping, built on first access.

    A :class:`~btcbot_core.state.CycleRecord` carries this view: a store that writes JSON
    reads it once, a store that keeps values in memory (backtests) never pays for it.
    """

    __slots__ = ("_data", "_report")

    def __init__(self, report: CycleReport) -> None:
        self._report = report
        self._data: dict[str, object] | None = None

    def _dict(self) -> dict[str, object]:
        if self._data is None:
            self._data = self._report.to_dict(timings=False)
        return self._data

    def __getitem__(self, key: str) -> object:
        return self._dict()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._dict())

    def __len__(self) -> int:
        return len(self._dict())

    def __repr__(self) -> str:
        return f"SerialisedReport(run={self._report.run_id}, cycle={self._report.cycle})"


def _reason(reason: Reason) -> dict[str, str]:
    return {"code": str(reason.code), "detail": reason.detail}


def _opt(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _outcome(o: IntentOutcome) -> dict[str, object]:
    i = o.intent
    return {
        "pair": i.pair.symbol,
        "side": i.side.value,
        "type": i.order_type.value,
        "intent_price": _opt(i.price),
        "intent_quantity": _opt(i.quantity),
        "intent_notional": _opt(i.notional),
        "strategy": i.strategy,
        "why": i.reason,
        "fate": o.fate.value,
        "reasons": [_reason(r) for r in o.reasons],
        "client_order_id": o.client_order_id,
        "price": _opt(o.price),
        "quantity": _opt(o.quantity),
    }


#: The report's ledger keys: the valuation's fields, then the drawdown it derives.
_VALUATION_KEYS = (*attrs.fields_dict(Valuation), "drawdown", "drawdown_ratio")


def _valuation(v: Valuation) -> dict[str, str]:
    return {name: str(getattr(v, name)) for name in _VALUATION_KEYS}


__all__ = [
    "FATE_SUBMITTED",
    "FATE_UNKNOWN",
    "CapitalView",
    "CycleReport",
    "Fate",
    "IntentOutcome",
    "SerialisedReport",
]
