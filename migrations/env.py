"""Alembic environment of the btcbot state database.

Run through :mod:`btcbot_adapters.persistence.migrate`, which builds the alembic ``Config``
programmatically and passes an open connection in ``config.attributes["connection"]``.
SQLite migrations run in batch mode (``render_as_batch``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from btcbot_adapters.persistence.tables import metadata


def _run(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        compare_server_default=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    config = context.config
    if context.is_offline_mode():
        context.configure(
            url=config.get_main_option("sqlalchemy.url"),
            target_metadata=metadata,
            literal_binds=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = sa.create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()


_main()
