"""Exact JSON output: ``Decimal`` is written as a JSON number token (no float round trip).

``Text("...")`` values are written as JSON strings; use :func:`num` for number tokens.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any


def _number(value: Decimal) -> str:
    text = format(value, "f")
    return text if text not in ("-0",) else "0"


def dumps(value: Any) -> str:
    """Serialise dicts, lists, str, int, bool, None and ``Decimal`` (as a number token)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, Decimal):
        return _number(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        items = (f"{json.dumps(str(k), ensure_ascii=False)}:{dumps(v)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(dumps(v) for v in value) + "]"
    raise TypeError(f"cannot serialise {type(value).__name__} exactly")


def text(value: Decimal) -> str:
    """A decimal as a BTCTurk decimal string (dot separator, no exponent)."""
    return _number(value)
