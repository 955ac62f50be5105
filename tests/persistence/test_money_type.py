"""The Money column keeps every Decimal it accepts; the rest are refused, never rounded.

Supported range (both dialects): at most 18 digits after the point, ``|value| < 10**20``.
SQLite keeps the exact text (exponent too); PostgreSQL's NUMERIC(38, 18) keeps the value.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from btcbot_adapters.persistence import create_engine_from_url, sqlite_url
from btcbot_adapters.persistence.types import MONEY_SCALE, Money, UtcDateTime
from btcbot_core.errors import PersistenceError

probe_meta = sa.MetaData()
probe = sa.Table(
    "money_probe",
    probe_meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("amount", Money, nullable=True),
    sa.Column("at", UtcDateTime, nullable=True),
)


@st.composite
def money_values(draw: st.DrawFn) -> Decimal:
    """Decimals the column supports: exponent in [-18, 5], |value| < 1e20."""
    exponent = draw(st.integers(min_value=-MONEY_SCALE, max_value=5))
    unscaled = draw(st.integers(min_value=0, max_value=10 ** (20 - exponent) - 1))
    sign = draw(st.sampled_from([0, 1]))
    return Decimal((sign, tuple(int(d) for d in str(unscaled)), exponent))


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def probe_engine(request: pytest.FixtureRequest, tmp_path_factory: Any) -> Iterator[Any]:
    if request.param == "sqlite":
        engine = create_engine_from_url(sqlite_url(tmp_path_factory.mktemp("m") / "m.db"))
        probe_meta.create_all(engine)
        yield engine
        engine.dispose()
        return
    engine = request.getfixturevalue("pg_engine")  # the per-session schema
    probe_meta.create_all(engine)
    yield engine
    probe_meta.drop_all(engine)


def _round_trip(engine: Any, values: list[Decimal]) -> list[Decimal]:
    with engine.begin() as conn:
        conn.execute(probe.delete())
        conn.execute(probe.insert(), [{"id": i, "amount": v} for i, v in enumerate(values)])
        return list(conn.execute(sa.select(probe.c.amount).order_by(probe.c.id)).scalars())


@pytest.mark.property
@given(values=st.lists(money_values(), min_size=1, max_size=20))
def test_money_round_trips_without_change(probe_engine: Any, values: list[Decimal]) -> None:
    loaded = _round_trip(probe_engine, values)
    assert loaded == values
    assert all(type(v) is Decimal for v in loaded)
    if probe_engine.dialect.name == "sqlite":
        assert [str(v) for v in loaded] == [str(v) for v in values]


def test_edges_of_the_range_round_trip(probe_engine: Any) -> None:
    edges = [
        Decimal("99999999999999999999.999999999999999999"),
        Decimal("-99999999999999999999.999999999999999999"),
        Decimal("0.000000000000000001"),
        Decimal("0"),
        Decimal("-0"),
        Decimal("1E+3"),
        Decimal("2500000.10"),
    ]
    assert _round_trip(probe_engine, edges) == edges


@pytest.mark.parametrize(
    "value",
    [Decimal("0.0000000000000000001"), Decimal("1E+20"), Decimal("-1E+20"), Decimal("1.5e-30")],
)
def test_values_outside_the_range_are_refused_not_rounded(
    probe_engine: Any, value: Decimal
) -> None:
    _refused(probe_engine, {"id": 1, "amount": value})


def _refused(engine: Any, row: dict[str, object]) -> None:
    """Our column types raise PersistenceError (SQLAlchemy wraps it in StatementError)."""
    with pytest.raises(sa.exc.StatementError) as err, engine.begin() as conn:
        conn.execute(probe.insert(), [row])
    assert isinstance(err.value.orig, PersistenceError)


def test_trailing_zeros_beyond_the_scale_are_fine(probe_engine: Any) -> None:
    value = Decimal("1.50000000000000000000000")
    assert _round_trip(probe_engine, [value]) == [value]


def test_floats_and_naive_times_are_refused(probe_engine: Any) -> None:
    from datetime import datetime

    _refused(probe_engine, {"id": 1, "amount": 1.5})
    _refused(probe_engine, {"id": 1, "at": datetime(2026, 1, 1)})


def test_sqlite_engine_pragmas(tmp_path: Path) -> None:
    engine = create_engine_from_url(sqlite_url(tmp_path / "p.db"))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000
    engine.dispose()
