"""Trading pairs: one canonical form for every spelling the world uses.

``Pair.parse`` accepts ``BTCTRY``, ``BTC_TRY``, ``btc_try``, ``BTC/TRY`` and ``BTC-TRY``.
Unseparated names are split on the longest known quote asset suffix, so ``XTZBTC`` is
XTZ/BTC and ``USDTTRY`` is USDT/TRY. ``str(pair)`` is the BTCTurk ``pairSymbol`` (``BTCTRY``).
"""

from __future__ import annotations

import re
from typing import Final, NoReturn

import attrs

from btcbot_core.errors import PairError

KNOWN_QUOTES: Final[tuple[str, ...]] = ("TRY", "USDT", "BTC", "ETH", "EUR", "USDC")
_BY_LENGTH: Final = tuple(sorted(KNOWN_QUOTES, key=len, reverse=True))
_ASSET = re.compile(r"^[A-Z0-9]{1,20}$")
_SEPARATORS = re.compile(r"[_/\-]")


def _asset(value: str) -> str:
    text = value.strip().upper()
    if not _ASSET.match(text):
        raise PairError(f"asset {value!r} must be 1-20 letters or digits")
    return text


class Pair(str):
    """A base/quote pair, e.g. ``Pair("BTC", "TRY")``; assets are upper-cased. Immutable.

    A pair is its canonical text ``BASE/QUOTE`` (a ``str`` subclass): hashing, equality and
    ordering are the string's, done in C. Pairs key the dictionaries and sets of every
    cycle, and a Python-level ``__hash__``/``__eq__`` (an attrs class's) costs several times
    a whole dictionary lookup. ``"/"`` sorts before every letter and digit, so pairs order
    as their ``(base, quote)`` tuples would. The text ``"BTC/TRY"`` compares equal to the
    pair; ``str(pair)`` and ``f"{pair}"`` give the BTCTurk ``pairSymbol`` (``BTCTRY``).
    """

    __slots__ = ("base", "quote", "symbol")

    base: str
    quote: str
    #: The BTCTurk pair symbol, ``BTCTRY`` (kept, not computed: reports and ids read it).
    symbol: str

    def __new__(cls, base: str, quote: str) -> Pair:
        b, q = _asset(base), _asset(quote)
        if b == q:
            raise PairError(f"pair {b}/{q}: base and quote must differ")
        self = str.__new__(cls, f"{b}/{q}")
        # (the frozen __setattr__ below refuses; the slots are set once, here)
        object.__setattr__(self, "base", b)
        object.__setattr__(self, "quote", q)
        object.__setattr__(self, "symbol", b + q)
        return self

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise attrs.exceptions.FrozenInstanceError

    def __delattr__(self, name: str) -> NoReturn:
        raise attrs.exceptions.FrozenInstanceError

    def __reduce__(self) -> tuple[type[Pair], tuple[str, str]]:
        # (pickle and copy would rebuild a str subclass from its text alone)
        return (Pair, (self.base, self.quote))

    def __repr__(self) -> str:
        return f"Pair(base={self.base!r}, quote={self.quote!r})"

    def __str__(self) -> str:
        return self.symbol

    def __format__(self, format_spec: str) -> str:
        return format(self.symbol, format_spec)

    @classmethod
    def parse(cls, text: object) -> Pair:
        """Parse any accepted spelling; raise :class:`PairError` naming what is allowed."""
        if isinstance(text, Pair):
            return text
        if not isinstance(text, str):
            raise PairError(f"pair must be a string like BTCTRY or BTC_TRY, got {text!r}")
        raw = text.strip().upper()
        parts = _SEPARATORS.split(raw)
        if len(parts) == 2:
            return cls(parts[0], parts[1])
        if len(parts) == 1 and _ASSET.match(raw):
            for quote in _BY_LENGTH:
                if raw.endswith(quote) and len(raw) > len(quote):
                    return cls(raw[: -len(quote)], quote)
            raise PairError(
                f"pair {text!r}: no known quote asset suffix; use BASE_QUOTE "
                f"(known quotes: {', '.join(KNOWN_QUOTES)})"
            )
        raise PairError(f"pair {text!r} is not a pair; write it as BTCTRY, BTC_TRY or BTC/TRY")


def parse_pairs(text: str) -> tuple[Pair, ...]:
    """Parse a comma-separated list such as ``"BTCTRY, ETH_TRY"``; duplicates are an error."""
    pairs = tuple(Pair.parse(item) for item in text.split(",") if item.strip())
    if not pairs:
        raise PairError("no pairs given; write e.g. BTCTRY,ETHTRY")
    if len(set(pairs)) != len(pairs):
        raise PairError(f"duplicate pairs in {text!r}")
    return pairs
