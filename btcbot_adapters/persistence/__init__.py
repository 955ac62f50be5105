"""SQL persistence (SQLAlchemy 2 Core): SQLite by default, PostgreSQL for deployments.

Build an engine with :func:`create_engine_from_url`, bring the schema up to date with
:func:`~btcbot_adapters.persistence.migrate.upgrade` and work through
:class:`SqlUnitOfWork`. Importing this package connects to nothing.
"""

from btcbot_adapters.persistence.engine import create_engine_from_url, redact, sqlite_url
from btcbot_adapters.persistence.tables import metadata
from btcbot_adapters.persistence.unit_of_work import SqlUnitOfWork

__all__ = ["SqlUnitOfWork", "create_engine_from_url", "metadata", "redact", "sqlite_url"]
