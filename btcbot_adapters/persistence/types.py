"""Column types that keep core values exact: money as ``Decimal`` and UTC-aware timestamps.

:class:`Money` stores a ``Decimal`` as its canonical text on SQLite (``str(d)``, exponent
kept, so it comes back identical) and as ``NUMERIC(38, 18)`` on PostgreSQL (value kept; the
trailing zeros PostgreSQL pads to scale 18 are stripped on the way out, so ``2.50`` comes
back as ``2.5``, an equal ``Decimal``).

Supported range on both dialects (checked on write, never rounded): finite values with at
most 18 digits after the point and ``|value| < 10**20`` (at most 20 integer digits). A value
outside it raises :class:`~btcbot_core.errors.PersistenceError` instead of being rounded.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from btcbot_core.errors import PersistenceError

MONEY_PRECISION: Final = 38
MONEY_SCALE: Final = 18
MONEY_INTEGER_DIGITS: Final = MONEY_PRECISION - MONEY_SCALE
MONEY_LIMIT: Final = Decimal((0, (1,), MONEY_INTEGER_DIGITS))  # 1E+20, built exactly


def check_money(value: Decimal) -> Decimal:
    """Return ``value`` if a :class:`Money` column can hold it exactly, else raise.

    Uses no decimal context (nothing here can round).
    """
    if type(value) is not Decimal:
        raise PersistenceError(f"money column needs a Decimal, got {type(value).__name__}")
    if not value.is_finite():
        raise PersistenceError(f"money value {value} is not finite")
    exponent = strip_padding(value).as_tuple().exponent
    assert isinstance(exponent, int)
    if exponent < -MONEY_SCALE:
        raise PersistenceError(
            f"money value {value} has more than {MONEY_SCALE} decimal places; "
            "quantize it before storing"
        )
    if value.copy_abs() >= MONEY_LIMIT:
        raise PersistenceError(f"money value {value} is out of range (|value| < 1e20)")
    return value


def strip_padding(value: Decimal) -> Decimal:
    """Remove trailing zeros after the point, exactly (no context): ``2.500 -> 2.5``."""
    sign, digits, raw_exponent = value.as_tuple()
    assert isinstance(raw_exponent, int)  # finite values only
    exponent: int = raw_exponent
    kept = list(digits)
    while exponent < 0 and len(kept) > 1 and kept[-1] == 0:
        kept.pop()
        exponent += 1
    if kept == [0]:
        exponent = max(exponent, 0)
    return Decimal((sign, tuple(kept), exponent))


class Money(TypeDecorator[Decimal]):
    """An exact ``Decimal``: text on SQLite, ``NUMERIC(38, 18)`` elsewhere."""

    impl = sa.Numeric(MONEY_PRECISION, MONEY_SCALE, asdecimal=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.Text())
        return dialect.type_descriptor(sa.Numeric(MONEY_PRECISION, MONEY_SCALE, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        check_money(value)
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(value)
        dec = value if isinstance(value, Decimal) else Decimal(str(value))
        return strip_padding(dec)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp stored in UTC; naive datetimes are refused.

    SQLite keeps microseconds as ISO text in UTC; PostgreSQL uses ``timestamptz``. Values
    come back as ``datetime`` with ``tzinfo=UTC``.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise PersistenceError(f"timestamp {value.isoformat()} is naive; pass a UTC time")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]
