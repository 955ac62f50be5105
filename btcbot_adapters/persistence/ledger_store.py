"""The SQL ledger store: gap-free sequence numbers, idempotent appends, snapshots.

``seq`` is assigned by the writer as ``count + 1, count + 2, ...`` after skipping event ids
already stored, so ``seq`` equals the ledger's 1-based event count. The single-writer lock
keeps two writers from racing; if one did, the primary key on ``seq`` makes the second
fail instead of reordering history.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, Final

import sqlalchemy as sa

from btcbot_adapters.persistence.codec import (
    dumps,
    event_from_json,
    event_to_json,
    loads,
    snapshot_from_json,
    snapshot_to_json,
)
from btcbot_adapters.persistence.errors import database_errors
from btcbot_adapters.persistence.tables import ledger_events, ledger_snapshots
from btcbot_core.errors import PersistenceError
from btcbot_core.ledger import LedgerSnapshot
from btcbot_core.ledger_events import LedgerEvent
from btcbot_core.ports import AppendResult

Executor = Callable[..., sa.CursorResult]  # type: ignore[type-arg]

#: Rows per existence check and per page of :meth:`SqlLedgerStore.events_after`.
CHUNK: Final = 500
PAGE: Final = 2_000
_COLUMNS = "seq, event_id, event_type, occurred_at, payload"
_SQLITE_INSERT = (
    f"INSERT INTO {ledger_events.name} ({_COLUMNS}) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (event_id) DO NOTHING"
)
_PG_STAGE = "btcbot_ledger_stage"
_PG_CREATE_STAGE = (
    f"CREATE TEMP TABLE IF NOT EXISTS {_PG_STAGE} (seq bigint, event_id text, "
    "event_type text, occurred_at timestamptz, payload text) ON COMMIT DELETE ROWS"
)
_PG_MOVE = (
    f"INSERT INTO {ledger_events.name} ({_COLUMNS}) SELECT {_COLUMNS} FROM {_PG_STAGE} "
    "ORDER BY seq ON CONFLICT (event_id) DO NOTHING"
)


def _pg_append(conn: sa.Connection, rows: list[tuple[object, ...]]) -> int:
    """COPY the rows into a session temp table, then INSERT ... ON CONFLICT DO NOTHING.

    COPY is several times faster than parameterised inserts; the conflict rule stays with
    the real table. Runs inside the unit's transaction on its connection. Returns the
    number of rows inserted.
    """
    raw: Any = conn.connection.driver_connection
    with raw.cursor() as cur:
        cur.execute(_PG_CREATE_STAGE)
        with cur.copy(f"COPY {_PG_STAGE} ({_COLUMNS}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cur.execute(_PG_MOVE)
        inserted = int(cur.rowcount)
        cur.execute(f"DELETE FROM {_PG_STAGE}")
    return inserted


def _utc(moment: datetime, event_id: str) -> datetime:
    if moment.utcoffset() is None:
        raise PersistenceError(f"event {event_id}: timestamp {moment} is naive; pass UTC")
    return moment.astimezone(UTC)


class SqlLedgerStore:
    def __init__(self, execute: Executor, connection: Callable[[], sa.Connection]) -> None:
        self._execute = execute
        self._connection = connection

    def append(self, events: Sequence[LedgerEvent]) -> AppendResult:
        """Append new events in order; ids already stored (or repeated) are skipped."""
        if not events:
            return AppendResult(added=0, already_recorded=0)
        seen = self._existing({e.event_id for e in events})
        start = self.count()
        conn = self._connection()
        sqlite = conn.dialect.name == "sqlite"
        rows: list[tuple[object, ...]] = []
        for event in events:
            if event.event_id in seen:
                continue
            seen.add(event.event_id)
            kind, payload = event_to_json(event)
            at = _utc(event.timestamp, event.event_id)
            rows.append(
                (
                    start + len(rows) + 1,
                    event.event_id,
                    kind,
                    at.replace(tzinfo=None).isoformat(" ", "microseconds") if sqlite else at,
                    dumps(payload),
                )
            )
        if rows:
            # Straight to the driver: the values are already in column form, and
            # SQLAlchemy's per-row processing would halve the append rate.
            with database_errors("ledger append failed"):
                if sqlite:
                    inserted = conn.exec_driver_sql(_SQLITE_INSERT, rows).rowcount
                else:
                    inserted = _pg_append(conn, rows)
            if inserted != len(rows):  # an id appeared since _existing(): another writer
                raise PersistenceError(
                    "ledger append raced with another writer; retry the unit of work",
                    retryable=True,
                )
        return AppendResult(added=len(rows), already_recorded=len(events) - len(rows))

    def _existing(self, ids: set[str]) -> set[str]:
        found: set[str] = set()
        ordered = sorted(ids)
        col = ledger_events.c.event_id
        for i in range(0, len(ordered), CHUNK):
            chunk = ordered[i : i + CHUNK]
            found.update(self._execute(sa.select(col).where(col.in_(chunk))).scalars())
        return found

    def count(self) -> int:
        """Events stored (the highest sequence number, 0 when empty)."""
        stmt = sa.select(sa.func.coalesce(sa.func.max(ledger_events.c.seq), 0))
        return int(self._execute(stmt).scalar_one())

    def events_after(self, event_count: int) -> Iterator[LedgerEvent]:
        """Events with ``seq > event_count`` in order, read page by page (keyset paging).

        Consume the iterator inside the unit of work that produced it.
        """
        last = event_count
        cols = (ledger_events.c.seq, ledger_events.c.event_type, ledger_events.c.payload)
        while True:
            stmt = (
                sa.select(*cols)
                .where(ledger_events.c.seq > last)
                .order_by(ledger_events.c.seq)
                .limit(PAGE)
            )
            rows = self._execute(stmt).all()
            for seq, kind, payload in rows:
                yield event_from_json(kind, loads(payload))
                last = seq
            if len(rows) < PAGE:
                return

    def save_snapshot(self, snapshot: LedgerSnapshot) -> None:
        stored = self.count()
        if snapshot.event_count > stored:
            raise PersistenceError(
                f"ledger snapshot at event {snapshot.event_count} is ahead of the "
                f"{stored} stored events"
            )
        self._execute(
            sa.insert(ledger_snapshots).values(
                event_count=snapshot.event_count,
                method=snapshot.method.value,
                saved_at=datetime.now(UTC),
                payload=dumps(snapshot_to_json(snapshot)),
            )
        )

    def latest_snapshot(self) -> LedgerSnapshot | None:
        """The snapshot with the highest event count (the later one on a tie)."""
        stmt = (
            sa.select(ledger_snapshots.c.payload)
            .order_by(ledger_snapshots.c.event_count.desc(), ledger_snapshots.c.id.desc())
            .limit(1)
        )
        payload = self._execute(stmt).scalar_one_or_none()
        return None if payload is None else snapshot_from_json(loads(payload))
