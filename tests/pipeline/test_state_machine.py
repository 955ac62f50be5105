"""Random markets, gate flips, faults and cycles: the pipeline's invariants hold after every
step (issue 3). The default run is modest; ``nox -s property -- nightly`` runs it large."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from btcbot_adapters.simulated import FeeSchedule, Operation
from btcbot_core import Fill, Side
from btcbot_core.arming import ArmingFacts, ArmingSettings, SideEffectPolicy, side_effect_policy
from btcbot_core.ledger import VALUATION_ASSET
from btcbot_core.ports import SubmitAck, TradingPort
from tests.pipeline.harness import BTCTRY, Harness

pytestmark = pytest.mark.property

CASH_TARGET = D("300")
ARMED = ArmingSettings(
    dry_run=False, kill_switch=False, live_trading=True, live_trading_ack="I_UNDERSTAND"
)
FACTS = ArmingFacts(has_credentials=True, stage_allows_live=True, stage="stage4")


class GateViolation(AssertionError):
    pass


class WatchedTrading:
    """Wraps the trading port: every write must happen while the gate allows it."""

    def __init__(self, inner: TradingPort, gate) -> None:  # type: ignore[no-untyped-def]
        self.inner = inner
        self.gate = gate
        self.submits = 0
        self.cancels = 0

    def submit(self, request):  # type: ignore[no-untyped-def]
        if not self.gate().allow_submit:
            raise GateViolation(f"submit {request.client_order_id} while the gate is closed")
        self.submits += 1
        ack: SubmitAck = self.inner.submit(request)
        return ack

    def cancel(self, pair, exchange_order_id):  # type: ignore[no-untyped-def]
        if not self.gate().allow_cancel:
            raise GateViolation(f"cancel {exchange_order_id} while the gate is closed")
        self.cancels += 1
        return self.inner.cancel(pair, exchange_order_id)

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self.inner, name)


class PipelineMachine(RuleBasedStateMachine):
    @initialize(seed=st.integers(0, 2**16))
    def start(self, seed: int) -> None:
        self.settings = ARMED
        self.harness = Harness(
            cash="5000",
            profile="stage4",
            gate=self.policy,
            fees=FeeSchedule(maker_bps="10", taker_bps="20", tax_ratio="0.2"),
            strategy_values={"TARGET_TRY": "400", "TTL_SECONDS": "120", "MAX_SPREAD_BPS": "200"},
            seed=seed,
        )
        h = self.harness
        self.watched = WatchedTrading(h.exchange, self.policy)
        h.ports = type(h.ports)(h.exchange, self.watched, h.exchange, h.uow, self.policy)
        self.price = 1_000_000
        self.treasury = D(0)
        h.quote(self.price, self.price + 1000)
        h.cycle()  # the first cycle seeds the ledger from the exchange balances

    def policy(self) -> SideEffectPolicy:
        return side_effect_policy(self.settings, FACTS)

    @rule(move=st.integers(-30_000, 30_000), spread=st.integers(100, 3000))
    def market_moves(self, move: int, spread: int) -> None:
        self.price = max(100_000, self.price + move)
        self.harness.minute += 1
        self.harness.quote(self.price, self.price + spread)

    @rule(kill=st.booleans(), dry=st.booleans(), freeze=st.booleans())
    def flip_gates(self, kill: bool, dry: bool, freeze: bool) -> None:
        self.settings = ArmingSettings(
            dry_run=dry,
            kill_switch=kill,
            live_trading=True,
            live_trading_ack="I_UNDERSTAND",
            freeze_all=freeze,
        )

    @rule()
    def arm(self) -> None:
        self.settings = ARMED

    @rule(kind=st.sampled_from(["reject", "timeout", "timeout_cancel", "rate", "dup", "stale"]))
    def inject_fault(self, kind: str) -> None:
        faults = self.harness.exchange.faults
        if kind == "reject":
            faults.reject_next_submit()
        elif kind == "timeout":
            faults.timeout_next_submit(after_accept=True)
        elif kind == "timeout_cancel":
            faults.timeout_next_cancel(after_accept=True)
        elif kind == "rate":
            faults.rate_limit_next(Operation.SUBMIT)
        elif kind == "dup":
            faults.duplicate_next_fill_report()
        else:
            faults.stale_next_quotes()

    @rule(fresh=st.booleans())
    def cycle(self, fresh: bool) -> None:
        if fresh:  # a new quote at the current price; otherwise the last one ages
            self.harness.quote(self.price, self.price + 1000)
        report = self.harness.cycle()
        for outcome in report.intents:
            event(f"{outcome.intent.side.value} {outcome.fate.value}")
        if report.fills_ingested:
            event("fills ingested")

    # --- invariants -------------------------------------------------------------------

    @invariant()
    def client_order_ids_are_unique(self) -> None:
        h = self.harness
        ids = [o.client_order_id for o in h.exchange.open_orders([BTCTRY])]
        assert len(ids) == len(set(ids))
        with h.uow:
            live = [o.client_order_id for o in h.uow.orders.live()]
        assert len(live) == len(set(live))

    @invariant()
    def every_fill_is_booked_once_and_ledger_matches_exchange(self) -> None:
        h = self.harness
        ledger = h.session.ledger
        pending: list[Fill] = [
            f
            for f in h.exchange.all_fills(BTCTRY)
            if not ledger.has_applied(f"fill:{f.pair.symbol}:{f.fill_id}")
        ]
        expected = dict(ledger.balances())
        for f in pending:  # fills that happened after the last cycle polled
            sign = 1 if f.side is Side.BUY else -1
            expected[f.pair.base] = expected.get(f.pair.base, D(0)) + sign * f.quantity
            expected[VALUATION_ASSET] = (
                expected.get(VALUATION_ASSET, D(0)) - sign * f.notional - f.fee - f.tax
            )
        actual = {a: b.total for a, b in h.exchange.balances().items() if b.total != 0}
        assert {a: v for a, v in expected.items() if v != 0} == actual

    @invariant()
    def buys_never_take_cash_below_target(self) -> None:
        free = self.harness.exchange.balances()["TRY"].free
        assert free >= CASH_TARGET, f"free TRY {free} below the cash target {CASH_TARGET}"

    @invariant()
    def treasury_never_decreases(self) -> None:
        capital = self.harness.session.capital
        if capital is not None:
            assert capital.treasury >= self.treasury
            self.treasury = capital.treasury


# max_examples follows the active profile (dev/ci/nightly); steps per example fixed.
PipelineMachine.TestCase.settings = settings(stateful_step_count=40)
TestPipelineMachine = PipelineMachine.TestCase
