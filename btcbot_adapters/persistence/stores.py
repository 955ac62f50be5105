"""SQL implementations of the order, fill, cycle, capital, risk and parameter stores.

Idempotency is a database fact: ``INSERT ... ON CONFLICT DO NOTHING`` on the unique keys
(client order id, (pair, fill id), (run id, cycle)) and the row count says whether the row
was new.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

import sqlalchemy as sa

from btcbot_adapters.persistence.codec import pair_text, parse_pair
from btcbot_adapters.persistence.dialect import insert_ignore, upsert
from btcbot_adapters.persistence.rows import (
    capital_from_row,
    capital_to_row,
    cycle_from_row,
    cycle_to_row,
    fill_to_row,
    order_from_row,
    order_to_row,
    params_from_row,
    params_to_row,
    risk_from_row,
    risk_to_row,
)
from btcbot_adapters.persistence.tables import (
    capital_state,
    cycles,
    fill_cursors,
    fills,
    order_events,
    orders,
    parameter_activations,
    parameter_sets,
    risk_state,
)
from btcbot_core.errors import PersistenceError
from btcbot_core.orders import TERMINAL_STATUSES, Fill, Order, OrderStatus, Side
from btcbot_core.pair import Pair
from btcbot_core.state import CapitalState, CycleRecord, ParameterSet, RiskState

Executor = Callable[..., sa.CursorResult]  # type: ignore[type-arg]
ConnectionSource = Callable[[], sa.Connection]


class _SqlStore:
    def __init__(self, execute: Executor, connection: ConnectionSource) -> None:
        self._execute = execute
        self._connection = connection

    def _insert_new(self, table: sa.Table, keys: Sequence[str], row: dict[str, object]) -> bool:
        key_cols = [table.c[k] for k in keys]
        stmt = insert_ignore(self._connection(), table, keys).values(row).returning(*key_cols)
        return self._execute(stmt).first() is not None


class SqlOrderStore(_SqlStore):
    def add(self, order: Order) -> bool:
        """Record a new order (and its first audit event); ``False`` if already recorded."""
        if not self._insert_new(orders, ["client_order_id"], order_to_row(order)):
            return False
        self._audit(order)
        return True

    def update(self, order: Order) -> None:
        row = order_to_row(order)
        key = row.pop("client_order_id")
        stmt = orders.update().where(orders.c.client_order_id == key).values(row)
        if self._execute(stmt).rowcount != 1:
            raise PersistenceError(f"order {key} is not recorded; add it first")
        self._audit(order)

    def _audit(self, order: Order) -> None:
        self._execute(
            order_events.insert().values(
                client_order_id=order.client_order_id,
                status=order.status.value,
                filled_qty=order.filled_qty,
                at=order.updated_at,
                reason=order.reason,
            )
        )

    def get(self, client_order_id: str) -> Order | None:
        stmt = sa.select(orders).where(orders.c.client_order_id == client_order_id)
        row = self._execute(stmt).mappings().one_or_none()
        return None if row is None else order_from_row(row)

    def live(self) -> Sequence[Order]:
        """Non-terminal orders, oldest first (by creation time, then client order id)."""
        terminal = [s.value for s in TERMINAL_STATUSES]
        stmt = (
            sa.select(orders)
            .where(orders.c.status.not_in(terminal))
            .order_by(orders.c.created_at, orders.c.client_order_id)
        )
        return [order_from_row(row) for row in self._execute(stmt).mappings()]

    def last_activity(self) -> Mapping[tuple[Pair, Side], datetime]:
        """Per (pair, side), the latest ``updated_at`` of an order that is not REJECTED."""
        stmt = (
            sa.select(orders.c.pair, orders.c.side, sa.func.max(orders.c.updated_at))
            .where(orders.c.status != OrderStatus.REJECTED.value)
            .group_by(orders.c.pair, orders.c.side)
        )
        return {(parse_pair(p), Side(side)): at for p, side, at in self._execute(stmt)}


class SqlFillStore(_SqlStore):
    def add(self, fill: Fill) -> bool:
        return self._insert_new(fills, ["pair", "fill_id"], fill_to_row(fill))

    def has(self, pair: Pair, fill_id: str) -> bool:
        stmt = sa.select(fills.c.fill_id).where(
            fills.c.pair == pair_text(pair), fills.c.fill_id == fill_id
        )
        return self._execute(stmt.limit(1)).first() is not None

    def cursor(self, pair: Pair) -> str | None:
        stmt = sa.select(fill_cursors.c.cursor).where(fill_cursors.c.pair == pair_text(pair))
        value = self._execute(stmt).scalar_one_or_none()
        return None if value is None else str(value)

    def set_cursor(self, pair: Pair, cursor: str | None) -> None:
        key = pair_text(pair)
        if cursor is None:
            self._execute(fill_cursors.delete().where(fill_cursors.c.pair == key))
            return
        row = {"pair": key, "cursor": cursor}
        self._execute(upsert(self._connection(), fill_cursors, ["pair"], row))


class SqlCycleStore(_SqlStore):
    def record(self, cycle: CycleRecord) -> bool:
        return self._insert_new(cycles, ["run_id", "cycle"], cycle_to_row(cycle))

    def last(self, run_id: str | None = None) -> CycleRecord | None:
        """With ``run_id``: that run's highest cycle; without: the last cycle recorded."""
        stmt = sa.select(cycles).limit(1)
        if run_id is None:
            stmt = stmt.order_by(cycles.c.id.desc())
        else:
            stmt = stmt.where(cycles.c.run_id == run_id).order_by(cycles.c.cycle.desc())
        row = self._execute(stmt).mappings().one_or_none()
        return None if row is None else cycle_from_row(row)


class SqlCapitalStore(_SqlStore):
    def load(self) -> CapitalState | None:
        row = self._execute(sa.select(capital_state)).mappings().one_or_none()
        return None if row is None else capital_from_row(row)

    def save(self, state: CapitalState) -> None:
        self._execute(upsert(self._connection(), capital_state, ["id"], capital_to_row(state)))


class SqlRiskStore(_SqlStore):
    def load(self) -> RiskState | None:
        row = self._execute(sa.select(risk_state)).mappings().one_or_none()
        return None if row is None else risk_from_row(row)

    def save(self, state: RiskState) -> None:
        self._execute(upsert(self._connection(), risk_state, ["id"], risk_to_row(state)))


class SqlParameterStore(_SqlStore):
    def active(self) -> ParameterSet | None:
        stmt = sa.select(parameter_sets).where(parameter_sets.c.active.is_(True)).limit(1)
        row = self._execute(stmt).mappings().one_or_none()
        return None if row is None else params_from_row(row)

    def _exists(self, version: int) -> bool:
        stmt = sa.select(parameter_sets.c.version).where(parameter_sets.c.version == version)
        return self._execute(stmt).first() is not None

    def add(self, params: ParameterSet) -> None:
        """Store a new version; a version already stored is a :class:`PersistenceError`."""
        if self._exists(params.version):
            raise PersistenceError(f"parameter set version {params.version} already exists")
        if params.active:
            self._deactivate_all()
        self._execute(parameter_sets.insert().values(params_to_row(params)))

    def activate(self, version: int, at: datetime, reason: str) -> None:
        if not self._exists(version):
            raise PersistenceError(f"parameter set version {version} does not exist")
        self._deactivate_all()
        self._execute(
            parameter_sets.update().where(parameter_sets.c.version == version).values(active=True)
        )
        self._execute(parameter_activations.insert().values(version=version, at=at, reason=reason))

    def _deactivate_all(self) -> None:
        self._execute(
            parameter_sets.update().where(parameter_sets.c.active.is_(True)).values(active=False)
        )
