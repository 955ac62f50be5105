"""The deterministic simulated exchange (DESIGN.md §4).

Public API::

    from btcbot_adapters.simulated import (
        SimulatedExchange, MatchMode, FeeSchedule, FaultInjector, FaultRates, Fault,
        FaultKind, Operation, RejectCode,
    )

    ex = SimulatedExchange(
        [rules_btctry], {"TRY": "10000"},
        mode=MatchMode.BARS,
        fees=FeeSchedule(maker_bps="10", taker_bps="20", tax_ratio="0.2"),
        slippage_bps="5", participation="0.1", seed=7,
    )
    ex.on_bar(bar)                 # or ex.set_quote(quote) in MatchMode.QUOTES
    ack = ex.submit(order_request) # TradingPort; OrderRejectedError(code=RejectCode...)
    ex.faults.timeout_next_submit()  # explicit fault plan; or FaultRates + seed

``SimulatedExchange`` implements ``MarketDataPort`` (``symbol_rules``, ``quotes``, ``bars``),
``TradingPort`` (``submit``, ``cancel``, ``open_orders``, ``order_by_client_id``,
``fills_since``) and ``AccountPort`` (``balances``). Extras for tests and the sandbox server
(no faults applied): ``now()``, ``order(exchange_order_id)``, ``all_orders(pair)``,
``all_fills(pair)``, ``deposit(asset, amount)``, ``pairs``, ``mode``, ``fee_schedule``.
Exchange order ids are consecutive integers as text; fill ids come from
``btcbot_core.ids.simulated_fill_id``; quantities are always in the base asset (a BTCTurk
market buy's quote-asset quantity must be converted by the wire layer). Not thread-safe.
Order entry and fill pages: :mod:`.trading`; matching semantics: :mod:`.matching`; fee units
and rounding: :mod:`.fees`; reject codes: :mod:`.codes`; faults: :mod:`.faults`. Timing of
the cycle benchmark's calls: ``python -m tests.simulated.bench_calls``.
"""

from btcbot_adapters.simulated.codes import RejectCode, reject_code
from btcbot_adapters.simulated.exchange import EPOCH, MatchMode, SimulatedExchange
from btcbot_adapters.simulated.faults import (
    Fault,
    FaultInjector,
    FaultKind,
    FaultRates,
    Operation,
)
from btcbot_adapters.simulated.fees import FeeSchedule
from btcbot_adapters.simulated.matching import SimulatorInvariantError

__all__ = [
    "EPOCH",
    "Fault",
    "FaultInjector",
    "FaultKind",
    "FaultRates",
    "FeeSchedule",
    "MatchMode",
    "Operation",
    "RejectCode",
    "SimulatedExchange",
    "SimulatorInvariantError",
    "reject_code",
]
