"""The SQL ledger store: gap-free sequence numbers, idempotent appends, snapshots.

``seq`` is assigned by the writer as ``count + 1, count + 2, ...`` after skipping event ids
already stored, so ``seq`` equals the ledger's 1-based event count. The single-writer lock
keeps two writers from racing; if one did, the primary key on ``seq`` makes the second
fail instead of reordering history.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Final

import sqlalchemy as sa

from btcbot_adapters.persistence.codec import (
    dumps,
    event_from_json,
    event_to_json,
    loads,
    snapshot_from_json,
    snapshot_to_json,
)
from btcbot_adapters.persistence.dialect import insert_ignore
from btcbot_adapters.persistence.tables import ledger_events, ledger_snapshots
from btcbot_core.errors import PersistenceError
from btcbot_core.ledger import LedgerSnapshot
from btcbot_core.ledger_events import LedgerEvent
from btcbot_core.ports import AppendResult

Executor = Callable[..., sa.CursorResult]  # type: ignore[type-arg]

#: Rows per existence check and per page of :meth:`SqlLedgerStore.events_after`.
CHUNK: Final = 500
PAGE: Final = 2_000


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
        rows: list[dict[str, object]] = []
        for event in events:
            if event.event_id in seen:
                continue
            seen.add(event.event_id)
            kind, payload = event_to_json(event)
            rows.append(
                {
                    "seq": start + len(rows) + 1,
                    "event_id": event.event_id,
                    "event_type": kind,
                    "occurred_at": event.timestamp,
                    "payload": dumps(payload),
                }
            )
        if rows:
            stmt = insert_ignore(self._connection(), ledger_events, ["event_id"])
            self._execute(stmt, rows)
            if self.count() != start + len(rows):
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
