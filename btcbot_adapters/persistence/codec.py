"""JSON encodings of core values stored in text columns (ledger events, snapshots, reports).

Decimals are encoded as their exact string (``str(d)``), timestamps as ISO 8601 with their
UTC offset, pairs as ``BASE_QUOTE``. Decoding rebuilds the core types through their own
constructors, so their validation runs again on the way in.
"""

from __future__ import annotations

import enum
import json
import types
import typing
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

import attrs

from btcbot_core.errors import PersistenceError
from btcbot_core.ledger import CostMethod, LedgerSnapshot
from btcbot_core.ledger_events import (
    AdjustmentEvent,
    DepositEvent,
    FeeEvent,
    FillEvent,
    LedgerEvent,
    WithdrawalEvent,
)
from btcbot_core.orders import Fill
from btcbot_core.pair import Pair


def pair_text(pair: Pair) -> str:
    return f"{pair.base}_{pair.quote}"


def parse_pair(text: str) -> Pair:
    return Pair.parse(text)


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _opt_dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def dumps(value: object) -> str:
    """Compact JSON text; refuses values JSON cannot hold (NaN, sets, Decimals...)."""
    try:
        return _JSON.encode(value)
    except (TypeError, ValueError) as exc:
        raise PersistenceError(f"value cannot be stored as JSON: {exc}") from None


def loads(text: str) -> Any:
    """Parse JSON text written by :func:`dumps` (exact: our encodings hold no floats)."""
    try:
        return json.loads(text)
    except ValueError as exc:
        raise PersistenceError(f"stored JSON is corrupt: {exc}") from None


# --- fills and ledger events ----------------------------------------------------------------
#
# Events are encoded field by field from their attrs definition, so a field added to an
# event type (with a default) is stored and restored without touching this module.

EVENT_TYPES: Final[dict[str, type[Any]]] = {
    "fill": FillEvent,
    "fee": FeeEvent,
    "deposit": DepositEvent,
    "withdrawal": WithdrawalEvent,
    "adjustment": AdjustmentEvent,
}
_KIND_OF: Final = {cls: kind for kind, cls in EVENT_TYPES.items()}


Encoder = Callable[[Any], object]
_ENCODERS: dict[type, Callable[[Any], dict[str, object]]] = {}


def _identity(value: object) -> object:
    return value


def _enum_value(value: enum.Enum) -> object:
    return value.value


def _value_encoder(hint: Any) -> Encoder:
    """A converter for values declared as ``hint`` (``X | None`` handled)."""
    options = _options(hint)
    optional = type(None) in options
    kinds = [o for o in options if o is not type(None)]
    base = kinds[0] if len(kinds) == 1 else None
    func: Encoder
    if base is Decimal:
        func = str
    elif base is datetime:
        func = datetime.isoformat
    elif base is Pair:
        func = pair_text
    elif isinstance(base, type) and issubclass(base, enum.Enum):
        func = _enum_value
    elif isinstance(base, type) and attrs.has(base):
        func = _object_encoder(base)
    elif base in (str, int, bool):
        return _identity
    else:
        raise PersistenceError(f"cannot store a field of type {hint!r} as JSON")
    if not optional:
        return func
    inner = func
    return lambda value: None if value is None else inner(value)


def _options(hint: Any) -> tuple[Any, ...]:
    origin = typing.get_origin(hint)
    if origin is typing.Union or origin is types.UnionType:
        return typing.get_args(hint)
    return (hint,)


def _object_encoder(cls: Any) -> Callable[[Any], dict[str, object]]:
    """An encoder of ``cls`` instances built once from its attrs fields and type hints."""
    encoder = _ENCODERS.get(cls)
    if encoder is None:
        hints = _hints(cls)
        plan = [(name, _value_encoder(hints[name])) for name in _field_names(cls)]

        def encoder(obj: Any) -> dict[str, object]:
            return {name: func(getattr(obj, name)) for name, func in plan}

        _ENCODERS[cls] = encoder
    return encoder


_NAMES: dict[type, tuple[str, ...]] = {}
_HINTS: dict[type, dict[str, Any]] = {}


def _field_names(cls: Any) -> tuple[str, ...]:
    names = _NAMES.get(cls)
    if names is None:
        names = _NAMES[cls] = tuple(f.name for f in attrs.fields(cls) if f.init)
    return names


def _hints(cls: Any) -> dict[str, Any]:
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = typing.get_type_hints(cls)
    return hints


def _decode(value: object, hint: Any) -> object:
    if value is None:
        return None
    hint = next(a for a in _options(hint) if a is not type(None))
    if hint is Decimal:
        return Decimal(str(value))
    if hint is datetime:
        return datetime.fromisoformat(str(value))
    if hint is Pair:
        return parse_pair(str(value))
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(value)
    if isinstance(hint, type) and attrs.has(hint) and isinstance(value, Mapping):
        return _build(hint, value)
    return value


def _build(cls: type[Any], data: Mapping[str, Any]) -> Any:
    hints = _hints(cls)
    names = _field_names(cls)
    return cls(**{k: _decode(v, hints[k]) for k, v in data.items() if k in names})


def fill_to_json(fill: Fill) -> dict[str, object]:
    return _object_encoder(Fill)(fill)


def fill_from_json(data: Mapping[str, Any]) -> Fill:
    return _build(Fill, data)  # type: ignore[no-any-return]


def event_to_json(event: LedgerEvent) -> tuple[str, dict[str, object]]:
    """``(event type, JSON object)`` of a ledger event."""
    kind = _KIND_OF.get(type(event))
    if kind is None:
        raise PersistenceError(f"unknown ledger event type {type(event).__name__}")
    return kind, _object_encoder(type(event))(event)


def event_from_json(kind: str, data: Mapping[str, Any]) -> LedgerEvent:
    cls = EVENT_TYPES.get(kind)
    if cls is None:
        raise PersistenceError(f"stored ledger event has unknown type {kind!r}")
    return _build(cls, data)  # type: ignore[no-any-return]


# --- ledger snapshots -----------------------------------------------------------------------


def snapshot_to_json(snap: LedgerSnapshot) -> dict[str, object]:
    return {
        "method": snap.method.value,
        "event_count": snap.event_count,
        "cash": str(snap.cash),
        "lots": {asset: [[str(q), str(c)] for q, c in lots] for asset, lots in snap.lots.items()},
        "realized_gross": str(snap.realized_gross),
        "fees": str(snap.fees),
        "net_deposits": str(snap.net_deposits),
        "turnover": str(snap.turnover),
        "high_water_mark": str(snap.high_water_mark),
        "round_trips": snap.round_trips,
        "loss_streak": snap.loss_streak,
        "last_round_trip_pnl": _dec(snap.last_round_trip_pnl),
        "trip_pnl": {asset: str(v) for asset, v in snap.trip_pnl.items()},
    }


def snapshot_from_json(data: Mapping[str, Any]) -> LedgerSnapshot:
    return LedgerSnapshot(
        method=CostMethod(data["method"]),
        event_count=int(data["event_count"]),
        cash=Decimal(data["cash"]),
        lots={
            asset: tuple((Decimal(q), Decimal(c)) for q, c in lots)
            for asset, lots in data["lots"].items()
        },
        realized_gross=Decimal(data["realized_gross"]),
        fees=Decimal(data["fees"]),
        net_deposits=Decimal(data["net_deposits"]),
        turnover=Decimal(data["turnover"]),
        high_water_mark=Decimal(data["high_water_mark"]),
        round_trips=int(data["round_trips"]),
        loss_streak=int(data["loss_streak"]),
        last_round_trip_pnl=_opt_dec(data["last_round_trip_pnl"]),
        trip_pnl={asset: Decimal(v) for asset, v in data["trip_pnl"].items()},
    )
