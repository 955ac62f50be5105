"""The state database schema: SQLAlchemy Core tables (no ORM mapping of core classes).

Every schema change needs an alembic revision under ``migrations/``; a test proves these
tables and the migrations agree. Money columns are :class:`~.types.Money` (exact Decimal),
timestamps :class:`~.types.UtcDateTime` (UTC). JSON columns hold canonical JSON text
(Decimals as strings). Pairs are stored as ``BASE_QUOTE`` text (e.g. ``BTC_TRY``).
"""

from __future__ import annotations

from typing import Final

import sqlalchemy as sa

from btcbot_adapters.persistence.types import Money, UtcDateTime

NAMING_CONVENTION: Final = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

#: The value of ``btcbot_meta.application``: marks a database as btcbot's.
APPLICATION_ID: Final = "btcbot"

#: Identifies the database as btcbot's (``application``) and records when it was created.
meta = sa.Table(
    "btcbot_meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

#: Append-only ledger events. ``seq`` is the 1-based monotonic event number (gap-free,
#: assigned by the single writer); ``payload`` is the whole event as JSON.
ledger_events = sa.Table(
    "ledger_events",
    metadata,
    sa.Column(
        "seq",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        primary_key=True,
        autoincrement=False,
    ),
    sa.Column("event_id", sa.String(200), nullable=False, unique=True),
    sa.Column("event_type", sa.String(32), nullable=False),
    sa.Column("occurred_at", UtcDateTime, nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
)

#: Ledger snapshots for fast start: the fold state after ``event_count`` events, as JSON.
ledger_snapshots = sa.Table(
    "ledger_snapshots",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("event_count", sa.BigInteger, nullable=False, index=True),
    sa.Column("method", sa.String(16), nullable=False),
    sa.Column("saved_at", UtcDateTime, nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
)

#: Our orders, one row per client order id, holding the latest state.
orders = sa.Table(
    "orders",
    metadata,
    sa.Column("client_order_id", sa.String(64), primary_key=True),
    sa.Column("pair", sa.String(48), nullable=False),
    sa.Column("side", sa.String(8), nullable=False),
    sa.Column("order_type", sa.String(16), nullable=False),
    sa.Column("status", sa.String(24), nullable=False, index=True),
    sa.Column("quantity", Money, nullable=False),
    sa.Column("price", Money, nullable=True),
    sa.Column("filled_qty", Money, nullable=False),
    sa.Column("filled_notional", Money, nullable=False),
    sa.Column("exchange_order_id", sa.String(64), nullable=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

#: Audit trail: every state an order was stored in.
order_events = sa.Table(
    "order_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "client_order_id",
        sa.String(64),
        sa.ForeignKey("orders.client_order_id"),
        nullable=False,
        index=True,
    ),
    sa.Column("status", sa.String(24), nullable=False),
    sa.Column("filled_qty", Money, nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
)

#: Fills (executions), unique per (pair, fill id).
fills = sa.Table(
    "fills",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("pair", sa.String(48), nullable=False),
    sa.Column("fill_id", sa.String(128), nullable=False),
    sa.Column("order_id", sa.String(64), nullable=False),
    sa.Column("client_order_id", sa.String(64), nullable=False, index=True),
    sa.Column("side", sa.String(8), nullable=False),
    sa.Column("price", Money, nullable=False),
    sa.Column("quantity", Money, nullable=False),
    sa.Column("fee", Money, nullable=False),
    sa.Column("fee_asset", sa.String(20), nullable=False),
    sa.Column("tax", Money, nullable=False),
    sa.Column("occurred_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("pair", "fill_id"),
)

#: Per-pair opaque cursor of the exchange's fill feed.
fill_cursors = sa.Table(
    "fill_cursors",
    metadata,
    sa.Column("pair", sa.String(48), primary_key=True),
    sa.Column("cursor", sa.Text, nullable=False),
)

#: Finished cycles: key columns plus the cycle report as JSON, unique per (run id, cycle).
cycles = sa.Table(
    "cycles",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.String(64), nullable=False),
    sa.Column("cycle", sa.BigInteger, nullable=False),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("finished_at", UtcDateTime, nullable=False),
    sa.Column("mode", sa.String(24), nullable=False),
    sa.Column("report", sa.Text, nullable=False),
    sa.UniqueConstraint("run_id", "cycle"),
)

#: The self-financing capital state (a single row, ``id = 1``). ``extra`` holds, as JSON,
#: fields added to ``CapitalState`` after this schema (until a revision gives them columns).
capital_state = sa.Table(
    "capital_state",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("trading_capital", Money, nullable=False),
    sa.Column("treasury", Money, nullable=False),
    sa.Column("checkpoint_event_count", sa.BigInteger, nullable=False),
    sa.Column("checkpoint_realized", Money, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=True),
    sa.Column("extra", sa.Text, nullable=False),
    sa.CheckConstraint("id = 1", name="single_row"),
)

#: Risk budget and degrade-ladder memory (a single row, ``id = 1``); ``extra`` as above.
risk_state = sa.Table(
    "risk_state",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("mode", sa.String(24), nullable=False),
    sa.Column("mode_since", UtcDateTime, nullable=True),
    sa.Column("cooldown_until", UtcDateTime, nullable=True),
    sa.Column("equity_high_water_mark", Money, nullable=False),
    sa.Column("day_anchor", sa.String(32), nullable=True),
    sa.Column("day_start_realized", Money, nullable=False),
    sa.Column("degrade_level", sa.Integer, nullable=False),
    sa.Column("degrade_until", UtcDateTime, nullable=True),
    sa.Column("stable_cycles", sa.Integer, nullable=False),
    sa.Column("reasons", sa.Text, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=True),
    sa.Column("extra", sa.Text, nullable=False),
    sa.CheckConstraint("id = 1", name="single_row"),
)

#: Versioned strategy parameter sets (values as JSON); at most one has ``active`` true.
parameter_sets = sa.Table(
    "parameter_sets",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("parameters", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
)

#: Audit trail of parameter activations.
parameter_activations = sa.Table(
    "parameter_activations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("version", sa.Integer, sa.ForeignKey("parameter_sets.version"), nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
)

#: The single-writer lock (a single row, ``id = 1``): who holds it and their last heartbeat.
writer_lock = sa.Table(
    "writer_lock",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("token", sa.String(64), nullable=False),
    sa.Column("holder_pid", sa.Integer, nullable=False),
    sa.Column("holder_host", sa.String(255), nullable=False),
    sa.Column("since", UtcDateTime, nullable=False),
    sa.Column("heartbeat", UtcDateTime, nullable=False),
    sa.CheckConstraint("id = 1", name="single_row"),
)
