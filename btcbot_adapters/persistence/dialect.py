"""``INSERT ... ON CONFLICT`` for the dialect at hand (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite


def insert_ignore(conn: sa.Connection, table: sa.Table, keys: Sequence[str]) -> Any:
    """``INSERT ... ON CONFLICT (keys) DO NOTHING`` for ``table``."""
    module = postgresql if conn.dialect.name == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing(index_elements=list(keys))


def upsert(conn: sa.Connection, table: sa.Table, keys: Sequence[str], row: dict[str, Any]) -> Any:
    """``INSERT ... ON CONFLICT (keys) DO UPDATE`` setting every non-key column of ``row``."""
    module = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = module.insert(table).values(row)
    updates = {k: stmt.excluded[k] for k in row if k not in keys}
    return stmt.on_conflict_do_update(index_elements=list(keys), set_=updates)
