"""Hypothesis: mutated sample payloads give a correct parse or ``MalformedResponse``, never
another exception (missing fields, wrong types, nulls, huge numbers, floats-as-strings)."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from btcbot_adapters.btcturk.envelope import loads, unwrap
from btcbot_adapters.btcturk.parse_private import (
    parse_all_orders,
    parse_balances,
    parse_open_orders,
    parse_single_order,
    parse_submit,
    parse_user_trades,
)
from btcbot_adapters.btcturk.parse_public import (
    parse_exchange_info,
    parse_klines,
    parse_ohlcs,
    parse_orderbook,
    parse_server_time,
    parse_ticker,
    parse_trades,
)
from btcbot_adapters.btcturk.rules import rules_book
from btcbot_core.errors import ExchangeError, MalformedResponse
from btcbot_core.pair import Pair
from tests.btcturk.samples import load

BTCTRY = Pair("BTC", "TRY")
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _rules(data: Any) -> Any:
    return rules_book(parse_exchange_info(data)).rules


def _data(name: str) -> Any:
    return load(name)["data"]


KLINES = {
    "s": "ok",
    "t": [60, 120],
    "o": [1, 2],
    "h": [2, 3],
    "l": [1, 1],
    "c": [2, 2],
    "v": [Decimal("0.5"), 1],
}

TARGETS: list[tuple[str, Callable[[Any], Any], Any]] = [
    ("server_time", parse_server_time, load("server_time_outlier1_2021-02.json")),
    ("exchangeinfo", _rules, load("exchangeinfo_data_mss1451_2022-01.json")),
    ("exchangeinfo_ccxt", _rules, load("exchangeinfo_symbols_ccxt.json")),
    ("ticker", parse_ticker, _data("ticker_body_btctry_zingu.json")),
    (
        "orderbook",
        lambda d: parse_orderbook(d, BTCTRY),
        load("orderbook_data_btcusdt_mss1451_2022-02.json"),
    ),
    ("trades", parse_trades, load("trades_data_btcusdt_mss1451_2022-02.json")),
    ("ohlcs", lambda d: parse_ohlcs(d, BTCTRY), load("graph_ohlcs_btctry_docs_example.json")),
    ("klines", lambda d: parse_klines(d, BTCTRY, 60), KLINES),
    ("balances", parse_balances, _data("balances_body_docs_example.json")),
    ("open_orders", parse_open_orders, load("open_orders_data_mss1451.json")),
    ("all_orders", parse_all_orders, load("open_orders_data_mss1451.json")["asks"]),
    ("single_order", parse_single_order, _data("single_order_body_docs_example.json")),
    (
        "submit",
        lambda d: parse_submit(d, "test", NOW),
        _data("submit_order_body_docs_example.json"),
    ),
    ("user_trades", parse_user_trades, _data("user_trades_body_docs_2021.json")),
    ("user_trades_xlm", parse_user_trades, load("user_trades_data_xlmtry_mss1451_2021-10.json")),
]

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.sampled_from(
        [
            Decimal("1E+500"),
            Decimal("-1E-500"),
            Decimal("123456789012345678901234567890.5"),
            Decimal("0"),
            Decimal("-1"),
            Decimal("1643883463379.0"),
            "1e999999",
            "nan",
            "NaN",
            "Infinity",
            "-inf",
            "-0",
            "3.5",
            "1,5",
            "",
            " ",
            "abc",
            "1e5",
            "0x10",
            "١٢٣",
            "9" * 80,
            "1_000",
            "BTC_TRY",
            "buy",
            "SELL",
            "limit",
        ]
    ),
    st.text(max_size=6),
    st.just([]),
    st.just({}),
    st.lists(st.integers(min_value=-5, max_value=5), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(obj, dict):
        for key, value in obj.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(obj, list):
        for index, value in enumerate(obj):
            out += _paths(value, (*prefix, index))
    return out


def _parent(obj: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        obj = obj[step]
    return obj


def _stringify(value: Any) -> Any:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | Decimal):
        return str(value) if not isinstance(value, Decimal) else f"{value:e}"
    if isinstance(value, str):
        try:
            return Decimal(value)
        except ArithmeticError:
            return value.upper()
    return value


@st.composite
def mutated(draw: st.DrawFn, payload: Any) -> Any:
    obj = copy.deepcopy(payload)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = [p for p in _paths(obj) if p]
        if not paths:
            return draw(JUNK)
        path = draw(st.sampled_from(paths))
        parent = _parent(obj, path)
        op = draw(st.sampled_from(["delete", "replace", "replace", "stringify", "duplicate"]))
        key = path[-1]
        if op == "delete":
            del parent[key]
        elif op == "replace":
            parent[key] = draw(JUNK)
        elif op == "stringify":
            parent[key] = _stringify(parent[key])
        elif isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
        else:
            parent[key.upper() if isinstance(key, str) else key] = copy.deepcopy(parent[key])
    return obj


@pytest.mark.property
@pytest.mark.parametrize(("name", "parse", "payload"), TARGETS, ids=[t[0] for t in TARGETS])
@settings(max_examples=60)
@given(data=st.data())
def test_mutations_parse_or_raise_malformed(
    name: str, parse: Callable[[Any], Any], payload: Any, data: st.DataObject
) -> None:
    parse(payload)  # the unmutated sample parses
    candidate = data.draw(mutated(payload), label=name)
    try:
        parse(candidate)
    except MalformedResponse as exc:
        assert exc.endpoint and exc.field is not None


@pytest.mark.property
@settings(max_examples=100)
@given(
    body=mutated(load("balances_body_docs_example.json")),
    status=st.sampled_from([200, 400, 401, 429, 500, 503]),
)
def test_envelope_mutations_raise_only_exchange_errors(body: Any, status: int) -> None:
    with contextlib.suppress(ExchangeError):
        unwrap("GET /api/v1/users/balances", status, body)


@pytest.mark.property
@settings(max_examples=100)
@given(
    text=st.one_of(st.text(max_size=40), st.binary(max_size=40).map(lambda b: b.decode("latin-1")))
)
def test_loads_raises_only_value_error(text: str) -> None:
    with contextlib.suppress(ValueError):
        loads(text)
