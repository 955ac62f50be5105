"""Structuring JSON into the wire classes of :mod:`.wire` with cattrs (strict, exact).

Tolerant of extra fields (ignored) and of key casing drift (``pairsymbol`` vs
``pairSymbol``: keys are matched case-insensitively, an exact-case key wins). Strict on
required fields and types:

* ``Decimal`` fields take a ``Decimal`` (JSON fraction decoded with ``parse_float=Decimal``),
  an ``int`` or a numeric string; never ``bool``/``float``; finite, at most
  :data:`MAX_DIGITS` digits and a decimal exponent within ±:data:`MAX_EXPONENT`;
* ``int`` fields take an ``int``, an integral ``Decimal`` (``1643883463379.0``) or a string
  of digits, within the int64 range;
* ``str`` fields take a ``str`` only; ``bool`` fields a ``bool`` only; lists a JSON array.

:func:`structure` turns every failure into :class:`MalformedResponse` naming the JSON path.
Units are the exchange's: prices in quote per base, amounts in base, times in ms (graph API:
seconds).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Final, TypeVar, get_origin

import attrs
import cattrs
from cattrs.errors import IterableValidationNote
from cattrs.gen import make_dict_structure_fn

from btcbot_core.errors import MalformedResponse

MAX_DIGITS: Final = 60
MAX_EXPONENT: Final = 40
INT64: Final = 2**63

T = TypeVar("T")


def _decimal(value: Any, _type: Any) -> Decimal:
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, Decimal):
        dec = value
    elif isinstance(value, int):
        dec = Decimal(value)
    elif isinstance(value, str):
        text = value.strip()
        if len(text) > MAX_DIGITS + 10:
            raise ValueError(f"numeric string of {len(text)} characters is too long")
        try:
            dec = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"{value[:30]!r} is not a decimal number") from None
    else:
        raise TypeError(f"expected a number or numeric string, got {type(value).__name__}")
    if not dec.is_finite():
        raise ValueError(f"{dec} is not finite")
    if dec != 0 and abs(dec.adjusted()) > MAX_EXPONENT:
        raise ValueError(f"{dec:.3E} is out of range")
    if len(dec.as_tuple().digits) > MAX_DIGITS:
        raise ValueError("too many digits")
    return dec


def _int(value: Any, _type: Any) -> int:
    if isinstance(value, bool):
        raise TypeError("a boolean is not an integer")
    if isinstance(value, int):
        number = value
    elif isinstance(value, Decimal):
        if not value.is_finite() or abs(value) >= INT64 or value != value.to_integral_value():
            raise ValueError(f"{value} is not an int64")
        number = int(value)
    elif isinstance(value, str):
        text = value.strip()
        if not text.lstrip("-").isdigit() or len(text) > 20 or not text.isascii():
            raise ValueError(f"{value[:30]!r} is not an integer")
        number = int(text)
    else:
        raise TypeError(f"expected an integer, got {type(value).__name__}")
    if abs(number) >= INT64:
        raise ValueError("integer outside the int64 range")
    return number


def _str(value: Any, _type: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def _bool(value: Any, _type: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected a boolean, got {type(value).__name__}")
    return value


def _canonical_keys(raw: Mapping[str, Any], cls: type) -> dict[str, Any]:
    names = {f.name.lower(): f.name for f in attrs.fields(cls)}
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if not isinstance(key, str):
            continue
        name = names.get(key.lower())
        if name is None:
            continue
        if name in out and key != name:
            continue  # an exact-case key already won
        out[name] = value
    return out


def _is_list(type_: Any) -> bool:
    return get_origin(type_) is list


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(detailed_validation=True, forbid_extra_keys=False)
    conv.register_structure_hook(Decimal, _decimal)
    conv.register_structure_hook(int, _int)
    conv.register_structure_hook(str, _str)
    conv.register_structure_hook(bool, _bool)

    def list_hook_factory(type_: Any) -> Callable[[Any, Any], Any]:
        (item,) = getattr(type_, "__args__", (Any,))
        inner = conv.get_structure_hook(item)

        def hook(value: Any, _t: Any) -> list[Any]:
            if not isinstance(value, list):
                raise TypeError(f"expected an array, got {type(value).__name__}")
            out = []
            errors = []
            for index, element in enumerate(value):
                try:
                    out.append(inner(element, item))
                except Exception as exc:  # collected with the index, like cattrs does
                    note = IterableValidationNote(f"Structuring @ index {index}", index, item)
                    exc.__notes__ = [*getattr(exc, "__notes__", []), note]
                    errors.append(exc)
            if errors:
                raise cattrs.IterableValidationError("bad array", errors, type_)
            return out

        return hook

    conv.register_structure_hook_factory(_is_list, list_hook_factory)

    def class_hook_factory(cls: type) -> Callable[[Any, Any], Any]:
        generated: Callable[[Any, Any], Any] = make_dict_structure_fn(
            cls, conv, _cattrs_detailed_validation=True
        )

        def hook(value: Any, _t: Any) -> Any:
            if not isinstance(value, Mapping):
                raise TypeError(f"expected an object, got {type(value).__name__}")
            return generated(_canonical_keys(value, cls), cls)

        return hook

    conv.register_structure_hook_factory(attrs.has, class_hook_factory)
    return conv


_CONVERTER: cattrs.Converter | None = None


def converter() -> cattrs.Converter:
    """The shared converter (built on first use, not at import)."""
    global _CONVERTER
    if _CONVERTER is None:
        _CONVERTER = _make_converter()
    return _CONVERTER


def _first_problem(exc: BaseException) -> tuple[str, str]:
    if isinstance(exc, cattrs.BaseValidationError):
        messages = cattrs.transform_error(exc, path="$")
        if messages:
            detail, _, path = messages[0].rpartition(" @ ")
            return path or "$", detail or messages[0]
    return "$", f"{type(exc).__name__}: {exc}"


def structure(endpoint: str, value: Any, cls: type[T]) -> T:
    """``value`` as ``cls``; any mismatch raises :class:`MalformedResponse` with the path."""
    try:
        return converter().structure(value, cls)
    except (cattrs.BaseValidationError, TypeError, ValueError, ArithmeticError) as exc:
        field, detail = _first_problem(exc)
        raise MalformedResponse(endpoint, field, detail[:200]) from None
    except RecursionError:
        raise MalformedResponse(endpoint, "$", "nested too deeply") from None
