"""Simulated execution never reaches a real exchange.

Two layers: ``check_execution`` refuses a simulated profile composed with a trading port that
is not simulated, and ``PAPER_POLICY`` (a paper policy) blocks every write to such a port
right before it would be sent, like a closed gate.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from decimal import Decimal as D

import pytest

from btcbot_adapters.btcturk.adapter import BtcturkAdapter
from btcbot_adapters.simulated import SimulatedExchange
from btcbot_core.arming import ArmingFacts, ArmingSettings, SideEffectPolicy, side_effect_policy
from btcbot_core.errors import ValidationError
from btcbot_core.ids import client_order_id
from btcbot_core.orders import Order, OrderRequest, OrderStatus, Side
from btcbot_core.pipeline import (
    PAPER_POLICY,
    PROFILES,
    CyclePorts,
    Fate,
    check_execution,
    run_cycle,
)
from btcbot_core.pipeline.execute import (
    PAPER_ON_REAL_EXCHANGE,
    cancel_one,
    is_simulated,
    send_one,
)
from btcbot_core.ports import SubmitAck, TradingPort
from tests.pipeline.harness import BTCTRY, RULES, Harness

NOW = datetime(2024, 1, 1, tzinfo=UTC)
ARMED = ArmingSettings(
    dry_run=False, kill_switch=False, live_trading=True, live_trading_ack="I_UNDERSTAND"
)
LIVE = ArmingFacts(has_credentials=True, stage_allows_live=True, stage="stage4")


class RealTrading:
    """A trading port that may reach a real exchange (``simulated = False``): counts every
    write, and forwards everything else to the simulated exchange it stands in front of."""

    simulated = False

    def __init__(self, inner: SimulatedExchange) -> None:
        self.inner = inner
        self.submits = 0
        self.cancels = 0

    def submit(self, request: OrderRequest) -> SubmitAck:
        self.submits += 1
        return self.inner.submit(request)

    def cancel(self, pair, exchange_order_id):  # type: ignore[no-untyped-def]
        self.cancels += 1
        return self.inner.cancel(pair, exchange_order_id)

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


class Forwarding:
    """A wrapper that declares nothing itself: ``simulated`` is the wrapped port's."""

    def __init__(self, inner: object) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


class NoWrites:
    """A trading port whose writes must not happen."""

    def __init__(self, simulated: object = False) -> None:
        self.simulated = simulated

    def submit(self, request: OrderRequest) -> SubmitAck:
        raise AssertionError(f"submit {request.client_order_id} reached the port")

    def cancel(self, pair, exchange_order_id):  # type: ignore[no-untyped-def]
        raise AssertionError(f"cancel {exchange_order_id} reached the port")


class Undeclared:
    """A port that does not say whether it is simulated: it counts as real."""

    def submit(self, request: OrderRequest) -> SubmitAck:
        raise AssertionError("submit reached the port")

    def cancel(self, pair, exchange_order_id):  # type: ignore[no-untyped-def]
        raise AssertionError("cancel reached the port")


class Acking:
    """A real-looking port that accepts every write (for the live-arming policy)."""

    simulated = False

    def __init__(self) -> None:
        self.submits = 0
        self.cancels = 0

    def submit(self, request: OrderRequest) -> SubmitAck:
        self.submits += 1
        return SubmitAck("42", request.client_order_id, NOW)

    def cancel(self, pair, exchange_order_id):  # type: ignore[no-untyped-def]
        self.cancels += 1
        return True


class UntouchableClient:
    """Stands in for a BtcturkClient: any use of it is recorded and fails."""

    def __init__(self) -> None:
        self.used: list[str] = []

    def __getattr__(self, name: str) -> object:
        self.used.append(name)
        raise AssertionError(f"the BTCTurk client was used: {name}")


def planned() -> Order:
    request = OrderRequest("t-1", BTCTRY, Side.BUY, D("0.001"), D(1_000_000))
    return Order.planned(request, NOW)


def resting() -> Order:
    return planned().accepted(NOW, "7")


def btcturk() -> tuple[BtcturkAdapter, UntouchableClient]:
    client = UntouchableClient()
    return BtcturkAdapter(client), client  # type: ignore[arg-type]


def codes(reasons: tuple[object, ...]) -> list[str]:
    return [r.code for r in reasons]  # type: ignore[attr-defined]


# --- what the ports declare ---------------------------------------------------------------


def test_the_simulated_exchange_says_it_is_simulated() -> None:
    exchange = SimulatedExchange([RULES], {"TRY": "1000"})
    assert exchange.simulated is True and is_simulated(exchange)
    assert isinstance(exchange, TradingPort)


def test_the_btcturk_adapter_says_it_is_not_simulated() -> None:
    adapter, client = btcturk()
    assert BtcturkAdapter.simulated is False and adapter.simulated is False
    assert not is_simulated(adapter)
    assert isinstance(adapter, TradingPort)
    assert client.used == []


def test_a_wrapper_forwards_the_wrapped_ports_answer() -> None:
    assert is_simulated(Forwarding(SimulatedExchange([RULES], {"TRY": "1000"})))
    assert not is_simulated(Forwarding(btcturk()[0]))


@pytest.mark.parametrize("value", [None, 1, "yes", object()])
def test_only_an_explicit_true_counts_as_simulated(value: object) -> None:
    assert not is_simulated(NoWrites(simulated=value))  # type: ignore[arg-type]


def test_a_port_that_does_not_say_counts_as_real() -> None:
    assert not is_simulated(Undeclared())  # type: ignore[arg-type]


def test_a_trading_port_must_declare_whether_it_is_simulated() -> None:
    class Silent:
        def submit(self, request): ...  # type: ignore[no-untyped-def]
        def cancel(self, pair, exchange_order_id): ...  # type: ignore[no-untyped-def]
        def open_orders(self, pairs): ...  # type: ignore[no-untyped-def]
        def order_by_client_id(self, pair, client_order_id): ...  # type: ignore[no-untyped-def]
        def fills_since(self, pair, cursor): ...  # type: ignore[no-untyped-def]

    assert not isinstance(Silent(), TradingPort)
    Silent.simulated = True  # type: ignore[attr-defined]
    assert isinstance(Silent(), TradingPort)


# --- the paper policy ---------------------------------------------------------------------


def test_paper_policy_is_marked_paper_and_live_arming_never_is() -> None:
    assert PAPER_POLICY.paper
    for flags in itertools.product([False, True], repeat=7):
        dry, kill, armed, ack, freeze, creds, stage = flags
        settings = ArmingSettings(
            dry_run=dry,
            kill_switch=kill,
            live_trading=armed,
            live_trading_ack="I_UNDERSTAND" if ack else None,
            freeze_all=freeze,
        )
        facts = ArmingFacts(has_credentials=creds, stage_allows_live=stage, stage="stage4")
        assert not side_effect_policy(settings, facts).paper


@pytest.mark.parametrize(
    "port", [NoWrites(), Undeclared(), btcturk()[0]], ids=lambda p: type(p).__name__
)
def test_paper_policy_sends_nothing_to_a_real_port(port: TradingPort) -> None:
    result = send_one(port, lambda: PAPER_POLICY, planned(), NOW)
    assert result.order.status is OrderStatus.REJECTED
    assert result.fate is Fate.BLOCKED_BY_GATE
    assert codes(result.reasons) == [PAPER_ON_REAL_EXCHANGE]
    detail = result.reasons[0].detail
    assert type(port).__name__ in detail and "LIVE_TRADING_ACK=I_UNDERSTAND" in detail


@pytest.mark.parametrize(
    "port", [NoWrites(), Undeclared(), btcturk()[0]], ids=lambda p: type(p).__name__
)
def test_paper_policy_cancels_nothing_on_a_real_port(port: TradingPort) -> None:
    updated, why = cancel_one(port, lambda: PAPER_POLICY, resting(), NOW)
    assert updated is None
    assert why is not None and why.code == PAPER_ON_REAL_EXCHANGE


def test_the_btcturk_client_is_never_touched_under_paper_policy() -> None:
    adapter, client = btcturk()
    send_one(adapter, lambda: PAPER_POLICY, planned(), NOW)
    cancel_one(adapter, lambda: PAPER_POLICY, resting(), NOW)
    assert client.used == []


def test_live_arming_policies_are_unaffected() -> None:
    port = Acking()
    armed = side_effect_policy(ARMED, LIVE)
    result = send_one(port, lambda: armed, planned(), NOW)  # type: ignore[arg-type]
    assert result.fate is Fate.SUBMITTED and result.order.status is OrderStatus.OPEN
    updated, why = cancel_one(port, lambda: armed, resting(), NOW)  # type: ignore[arg-type]
    assert why is None and updated is not None and updated.status is OrderStatus.CANCELED
    assert (port.submits, port.cancels) == (1, 1)
    # a closed live gate still says why in its own words, not the paper reason
    closed = side_effect_policy(ArmingSettings(), LIVE)
    blocked = send_one(port, lambda: closed, planned(), NOW)  # type: ignore[arg-type]
    assert blocked.fate is Fate.BLOCKED_BY_GATE
    assert PAPER_ON_REAL_EXCHANGE not in codes(blocked.reasons)
    assert port.submits == 1


def test_a_paper_policy_is_blocked_whatever_else_it_allows() -> None:
    # paper-ness is what matters, not the exact PAPER_POLICY object
    homemade = SideEffectPolicy(True, True, (), (), paper=True)
    result = send_one(Acking(), lambda: homemade, planned(), NOW)  # type: ignore[arg-type]
    assert codes(result.reasons) == [PAPER_ON_REAL_EXCHANGE]


def test_paper_policy_still_trades_on_a_simulated_port() -> None:
    exchange = SimulatedExchange([RULES], {"TRY": "10000"})
    result = send_one(exchange, lambda: PAPER_POLICY, planned(), NOW)
    assert result.fate is Fate.SUBMITTED
    updated, why = cancel_one(exchange, lambda: PAPER_POLICY, result.order, NOW)
    assert why is None and updated is not None and updated.status is OrderStatus.CANCELED


# --- through the cycle --------------------------------------------------------------------


def real_harness(**options: object) -> tuple[Harness, RealTrading]:
    # a live profile: check_execution (at composition) would refuse a simulated one
    h = Harness(profile="stage4", **options)  # type: ignore[arg-type]
    real = RealTrading(h.exchange)
    h.ports = CyclePorts(h.exchange, real, h.exchange, h.uow, lambda: PAPER_POLICY)  # type: ignore[arg-type]
    return h, real


def test_a_cycle_under_paper_policy_sends_no_order_to_a_real_port() -> None:
    h, real = real_harness()
    report = h.cycle(1_000_000, 1_001_000)
    assert real.submits == 0 and report.submitted == ()
    assert h.exchange.open_orders([BTCTRY]) == []
    blocked = [o for o in report.intents if o.fate is Fate.BLOCKED_BY_GATE]
    assert blocked and all(codes(o.reasons) == [PAPER_ON_REAL_EXCHANGE] for o in blocked)
    # known before anything is recorded, like a dry run: no order is written
    assert all(o.client_order_id is None for o in blocked)
    would_be = client_order_id(h.params.run_id, report.cycle, BTCTRY, Side.BUY, 0)
    with h.uow:
        assert h.uow.orders.get(would_be) is None


def test_a_simulated_profile_with_a_real_port_stops_the_cycle_before_anything() -> None:
    h = Harness()  # stage7
    h.ports = CyclePorts(
        h.exchange, RealTrading(h.exchange), h.exchange, h.uow, lambda: PAPER_POLICY
    )  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="not simulated"):
        h.cycle(1_000_000, 1_001_000)
    with h.uow:
        assert h.uow.cycles.last() is None and h.uow.orders.live() == []


def test_a_session_that_ran_on_the_simulated_exchange_still_refuses_a_real_port() -> None:
    # every cycle checks its profile against its port: a port swapped in later on the same
    # session is refused before anything is read or written.
    h = Harness()  # stage7
    h.cycle(1_000_000, 1_001_000)
    real = RealTrading(h.exchange)
    h.ports = CyclePorts(h.exchange, real, h.exchange, h.uow, lambda: PAPER_POLICY)  # type: ignore[arg-type]
    h.minute += 1
    with pytest.raises(ValidationError, match="not simulated"):
        h.cycle(1_000_000, 1_001_000)
    assert real.submits == 0 and h.session.cycle == 1
    with h.uow:
        assert h.uow.cycles.last().cycle == 1  # type: ignore[union-attr]


@pytest.mark.parametrize("stale", [False, True], ids=["warm", "rebuilt"])
def test_a_port_that_stops_being_simulated_is_refused_on_the_next_cycle(stale: bool) -> None:
    # A wrapper forwards whatever its inner port says: the answer can change under the same
    # port object, so it is asked every cycle (also when the session is rebuilt).
    h = Harness()  # stage7
    wrapper = Forwarding(h.exchange)
    h.ports = CyclePorts(h.exchange, wrapper, h.exchange, h.uow, lambda: PAPER_POLICY)  # type: ignore[arg-type]
    h.cycle(1_000_000, 1_001_000)
    wrapper.inner = NoWrites()  # type: ignore[assignment]
    h.session.stale = stale
    h.minute += 1
    with pytest.raises(ValidationError, match="not simulated"):
        h.cycle(1_000_000, 1_001_000)
    with h.uow:
        assert h.uow.cycles.last().cycle == 1  # type: ignore[union-attr]


def test_a_session_checks_a_new_profile_again() -> None:
    h, real = real_harness()  # stage4 with a real port: allowed
    h.cycle(1_000_000, 1_001_000)
    h.minute += 1
    with pytest.raises(ValidationError, match="'stage7'"):
        run_cycle(h.ports, PROFILES["stage7"], h.params, h.now, session=h.session)
    assert real.submits == 0


def test_a_cycle_under_paper_policy_cancels_nothing_on_a_real_port() -> None:
    h = Harness(profile="stage4", strategy_values={"TARGET_TRY": "500", "TTL_SECONDS": "60"})
    coid = h.cycle(1_000_000, 1_001_000).submitted[0]  # placed on the simulated exchange
    real = RealTrading(h.exchange)
    h.ports = CyclePorts(h.exchange, real, h.exchange, h.uow, lambda: PAPER_POLICY)  # type: ignore[arg-type]
    h.minute += 2
    report = h.cycle(1_000_000, 1_001_000)  # the TTL asks for a cancel
    assert (real.submits, real.cancels) == (0, 0)
    assert report.cancelled == ()
    assert [(c, r.code) for c, r in report.cancel_blocked] == [(coid, PAPER_ON_REAL_EXCHANGE)]
    (still,) = h.exchange.open_orders([BTCTRY])
    assert still.client_order_id == coid


def test_a_cycle_under_paper_policy_trades_on_the_simulated_exchange() -> None:
    h = Harness()  # stage7, PAPER_POLICY, the simulated exchange
    report = h.cycle(1_000_000, 1_001_000)
    assert len(report.submitted) == 1
    assert [o.client_order_id for o in h.exchange.open_orders([BTCTRY])] == list(report.submitted)


# --- check_execution ------------------------------------------------------------------------

SIMULATED_PROFILES = sorted(n for n, p in PROFILES.items() if p.simulated_execution)
LIVE_PROFILES = sorted(n for n, p in PROFILES.items() if not p.simulated_execution)


def test_the_profiles_are_split_as_documented() -> None:
    assert SIMULATED_PROFILES == ["backtest", "stage7"]
    assert LIVE_PROFILES == ["stage3", "stage4"]


@pytest.mark.parametrize("name", SIMULATED_PROFILES)
@pytest.mark.parametrize(
    "port", [btcturk()[0], NoWrites(), Undeclared()], ids=lambda p: type(p).__name__
)
def test_a_simulated_profile_refuses_a_real_port(name: str, port: TradingPort) -> None:
    with pytest.raises(ValidationError) as raised:
        check_execution(PROFILES[name], port)
    message = str(raised.value)
    assert repr(name) in message and type(port).__name__ in message
    assert "not simulated" in message and "stage3" in message


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_every_profile_runs_on_the_simulated_exchange(name: str) -> None:
    exchange = SimulatedExchange([RULES], {"TRY": "1000"})
    check_execution(PROFILES[name], exchange)
    check_execution(PROFILES[name], Forwarding(exchange))  # type: ignore[arg-type]


@pytest.mark.parametrize("name", LIVE_PROFILES)
def test_a_live_profile_accepts_a_real_port(name: str) -> None:
    check_execution(PROFILES[name], btcturk()[0])
