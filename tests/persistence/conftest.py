"""Backends for the persistence contract tests: the in-memory fake, SQLite, PostgreSQL.

PostgreSQL runs when ``BTCBOT_TEST_DATABASE_URL`` is set; each pytest session works in its
own randomly named schema, dropped at the end, and every test starts from empty tables.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from btcbot_adapters.memory import InMemoryDatabase, InMemoryUnitOfWork

PG_URL = os.environ.get("BTCBOT_TEST_DATABASE_URL")
PG_SKIP = "PostgreSQL tests need BTCBOT_TEST_DATABASE_URL (e.g. postgresql+psycopg://...)"

UowFactory = Callable[[], Any]
BACKENDS = ["memory", "sqlite", "postgres"]


@pytest.fixture(scope="session")
def pg_engine() -> Iterator[Any]:
    """An engine bound to a fresh per-session schema (dropped afterwards)."""
    if not PG_URL:
        pytest.skip(PG_SKIP)
    import sqlalchemy as sa

    from btcbot_adapters.persistence import create_engine_from_url, metadata

    schema = f"btcbot_test_{secrets.token_hex(6)}"
    admin = create_engine_from_url(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine_from_url(PG_URL, schema=schema)
    metadata.create_all(engine)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _truncate(engine: Any) -> None:
    import sqlalchemy as sa

    from btcbot_adapters.persistence import metadata

    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def exact_text(backend: str) -> bool:
    """Whether money columns keep a Decimal's exponent too (``2.50`` stays ``2.50``).

    PostgreSQL's NUMERIC(38, 18) keeps the value only (it comes back as ``2.5``); JSON
    columns (ledger events, snapshots, reports) are exact text on every backend.
    """
    return backend != "postgres"


@pytest.fixture
def new_uow(request: pytest.FixtureRequest, backend: str, tmp_path: Any) -> Iterator[UowFactory]:
    """A factory of units of work that all share one empty database of ``backend``."""
    if backend == "memory":
        db = InMemoryDatabase()
        yield lambda: InMemoryUnitOfWork(db)
        return
    from btcbot_adapters.persistence import SqlUnitOfWork, create_engine_from_url, metadata

    if backend == "sqlite":
        engine = create_engine_from_url(f"sqlite:///{tmp_path / 'state.db'}")
        metadata.create_all(engine)
        yield lambda: SqlUnitOfWork(engine)
        engine.dispose()
        return
    engine = request.getfixturevalue("pg_engine")
    _truncate(engine)
    yield lambda: SqlUnitOfWork(engine)
