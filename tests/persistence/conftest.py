"""Backends for the persistence contract tests: the in-memory fake, SQLite, PostgreSQL.

PostgreSQL runs when ``BTCBOT_TEST_DATABASE_URL`` is set; each pytest session works in its
own randomly named schema, dropped at the end, and every test starts from empty tables.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from btcbot_adapters.memory import InMemoryDatabase, InMemoryUnitOfWork

PG_URL = os.environ.get("BTCBOT_TEST_DATABASE_URL")
PG_SKIP = "PostgreSQL tests need BTCBOT_TEST_DATABASE_URL (e.g. postgresql+psycopg://...)"

UowFactory = Callable[[], Any]
BACKENDS = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


_TEMPLATE: dict[str, Path] = {}


def migrated_sqlite(path: Path) -> Any:
    """An engine on a new SQLite file at ``path``, migrated to head.

    The migrations run once per session into a template file that each test copies.
    """
    from btcbot_adapters.persistence import create_engine_from_url, sqlite_url
    from btcbot_adapters.persistence.migrate import upgrade

    template = _TEMPLATE.get("path")
    if template is None:
        template = Path(tempfile.mkdtemp(prefix="btcbot-template-")) / "template.db"
        engine = create_engine_from_url(sqlite_url(template))
        upgrade(engine)
        engine.dispose()  # checkpoints the WAL into the main file
        _TEMPLATE["path"] = template
    shutil.copyfile(template, path)
    return create_engine_from_url(sqlite_url(path))


@pytest.fixture
def sql_engine(request: pytest.FixtureRequest, sql_backend: str, tmp_path: Any) -> Iterator[Any]:
    """A migrated, empty SQL database (SQLite file or the PostgreSQL session schema)."""
    if sql_backend == "sqlite":
        engine = migrated_sqlite(tmp_path / "state.db")
        yield engine
        engine.dispose()
        return
    engine = request.getfixturevalue("pg_engine")
    _truncate(engine)
    yield engine


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sql_backend(request: pytest.FixtureRequest) -> str:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def pg_engine() -> Iterator[Any]:
    """An engine bound to a fresh per-session schema (dropped afterwards)."""
    if not PG_URL:
        pytest.skip(PG_SKIP)
    import sqlalchemy as sa

    from btcbot_adapters.persistence import create_engine_from_url
    from btcbot_adapters.persistence.migrate import upgrade

    schema = f"btcbot_test_{secrets.token_hex(6)}"
    admin = create_engine_from_url(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine_from_url(PG_URL, schema=schema)
    upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _truncate(engine: Any) -> None:
    """Empty every table but ``btcbot_meta`` (DELETE is faster than TRUNCATE on tiny tables)."""
    from btcbot_adapters.persistence import metadata

    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            if table.name != "btcbot_meta":
                conn.execute(table.delete())


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
    from btcbot_adapters.persistence import SqlUnitOfWork

    if backend == "sqlite":
        engine = migrated_sqlite(tmp_path / "state.db")
        yield lambda: SqlUnitOfWork(engine)
        engine.dispose()
        return
    engine = request.getfixturevalue("pg_engine")
    _truncate(engine)
    yield lambda: SqlUnitOfWork(engine)
