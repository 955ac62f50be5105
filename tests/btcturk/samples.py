"""Load the BTCTurk fixture payloads (see tests/fixtures/btcturk/PROVENANCE.md)."""

from __future__ import annotations

import pathlib
from typing import Any

from btcbot_adapters.btcturk.envelope import loads

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "btcturk"


def raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def load(name: str) -> Any:
    """The fixture decoded exactly (``Decimal`` fractions, exact ints)."""
    return loads(raw(name))


def envelope(data: Any) -> dict[str, Any]:
    """Wrap a ``*_data_*`` fixture the way the server would."""
    return {"success": True, "message": None, "code": 0, "data": data}
