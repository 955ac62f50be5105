"""The one error hierarchy of btcbot.

Everything btcbot raises derives from :class:`BtcbotError`. Two branches:

* :class:`DomainError` — a rule of the domain was broken by the caller (bad input, an
  illegal order transition, an impossible ledger event). Retrying the same call cannot help.
* :class:`PortError` — an adapter behind a port failed (exchange, database, clock). Each
  carries ``retryable``: ``True`` when the same call may succeed later (timeouts, 5xx, rate
  limits), ``False`` when it cannot (auth failure, rejected order, malformed payload).

Expected outcomes (an order rejected by the rules, a risk block) are *not* errors: they are
returned as values with reason codes. Errors are for the unexpected and the impossible.
"""

from __future__ import annotations


class BtcbotError(Exception):
    """Root of every error btcbot raises."""


# --- domain -------------------------------------------------------------------------------


class DomainError(BtcbotError):
    """A domain rule was broken by the caller. Never retryable."""

    retryable = False


class ValidationError(DomainError, ValueError):
    """A value is malformed or outside what is allowed (the message names both)."""


class PairError(ValidationError):
    """A trading pair symbol could not be parsed."""


class OrderStateError(DomainError):
    """An order state transition that the order state machine forbids."""


class LedgerError(DomainError):
    """A ledger event cannot be applied (e.g. selling more than held, missing fee rate)."""


class CapitalPolicyError(DomainError):
    """The self-financing capital policy saw an impossible checkpoint (count went backwards)."""


class ConfigError(ValidationError):
    """Configuration is invalid; the message names the setting, the value and what is allowed."""


# --- ports --------------------------------------------------------------------------------


class PortError(BtcbotError):
    """An adapter behind a port failed. ``retryable`` says whether trying again may help."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


class ExchangeError(PortError):
    """The exchange answered with an error or could not be reached."""


class TransientExchangeError(ExchangeError):
    """Timeouts, connection resets and 5xx: the outcome of a write is unknown."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message, retryable=retryable)


class RateLimitedError(ExchangeError):
    """HTTP 429 or an equivalent; ``retry_after`` is in seconds (``None`` when not given)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message, retryable=True)
        self.retry_after = retry_after


class AuthError(ExchangeError):
    """Credentials were refused (bad key, bad signature, stamp outside the window)."""


class OrderRejectedError(ExchangeError):
    """The exchange refused an order; ``code`` is the exchange's reason (e.g. MIN_TOTAL)."""

    def __init__(self, message: str, *, code: str = "REJECTED") -> None:
        super().__init__(message, retryable=False)
        self.code = code


class OrderNotFoundError(ExchangeError):
    """A lookup found no order with the given id."""


class MalformedResponse(ExchangeError):
    """An exchange payload does not have the documented shape; names endpoint and field."""

    def __init__(self, endpoint: str, field: str, detail: str) -> None:
        super().__init__(f"{endpoint}: field {field!r}: {detail}", retryable=False)
        self.endpoint = endpoint
        self.field = field
        self.detail = detail


class PersistenceError(PortError):
    """The state database failed or holds something we cannot read."""


class LockHeldError(PersistenceError):
    """Another live process holds the single-writer lock of the state database."""
