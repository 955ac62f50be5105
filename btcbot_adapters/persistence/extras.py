"""Tagged JSON for attrs fields that have no column yet (the ``extra`` columns).

When a field with a default is added to ``CapitalState``/``RiskState``, it is stored here
until a revision gives it a column, so it survives a restart without a migration. Values
are tagged by type: ``{"dec": "1.50"}``, ``{"ts": "2026-01-01T00:00:00+00:00"}``,
``{"tuple": [...]}``; enums, ``int``, ``str``, ``bool`` and ``None`` are stored plainly and
rebuilt from the field's declared type.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from btcbot_core.errors import PersistenceError


def encode_value(value: object) -> object:
    if isinstance(value, Decimal):
        return {"dec": str(value)}
    if isinstance(value, datetime):
        return {"ts": value.isoformat()}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple):
        return {"tuple": [encode_value(v) for v in value]}
    if value is None or isinstance(value, bool | int | str):
        return value
    raise PersistenceError(f"cannot store a {type(value).__name__} in an extra column")


def decode_value(data: object, kind: Any) -> object:
    if isinstance(data, dict):
        if "dec" in data:
            return Decimal(data["dec"])
        if "ts" in data:
            return datetime.fromisoformat(data["ts"])
        if "tuple" in data:
            args = typing.get_args(kind)
            inner = args[0] if args else Any
            return tuple(decode_value(v, inner) for v in data["tuple"])
    if data is None:
        return None
    for option in _options(kind):
        if isinstance(option, type) and issubclass(option, enum.Enum):
            return option(data)
    return data


def _options(kind: Any) -> tuple[Any, ...]:
    origin = typing.get_origin(kind)
    if origin is typing.Union or origin is types.UnionType:
        return typing.get_args(kind)
    return (kind,)


def encode_extra(state: Any, columns: Iterable[str]) -> dict[str, object]:
    """Fields of ``state`` not in ``columns``, tagged for JSON."""
    known = set(columns)
    return {
        f.name: encode_value(getattr(state, f.name))
        for f in attrs.fields(type(state))
        if f.name not in known
    }


def decode_extra(cls: type, data: dict[str, Any]) -> dict[str, object]:
    """Constructor arguments from stored extras; fields unknown to ``cls`` are dropped."""
    hints = typing.get_type_hints(cls)
    names = {f.name for f in attrs.fields(cls)}
    return {
        name: decode_value(value, hints.get(name)) for name, value in data.items() if name in names
    }
