# SPDX-License-Identifier: MIT
"""Frozen dataclasses <-> plain JSON values, strictly: the one way model.json and report.json are read.

`to_plain(value)` gives JSON-ready dicts, lists and scalars (tuples become lists, enums their value).
`from_plain(cls, values, where)` builds `cls` from such a dict following its type hints: every field
must be there and nothing else, scalars must have their type (an int may stand for a float); a
`PlainError` names the offending key by its path (`data.music.pitched.velocity_mean`). Field types may
be str, int, float, bool, enums, tuple[X, ...], Mapping[str, X], X | None, nested dataclasses, or a
class with its own `from_dict` (ModelConfig).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from enum import Enum
from typing import Any, TypeVar

T = TypeVar("T")


class PlainError(ValueError):
    """A value does not have the shape its dataclass expects; str(e) names the key path and the problem."""


def to_plain(value: Any) -> Any:
    """A dataclass (or a value inside one) as JSON-ready dicts, lists and scalars."""
    if hasattr(value, "to_dict"):
        return to_plain(value.to_dict())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [to_plain(v) for v in value]
    return value


def from_plain(cls: type[T], values: Any, where: str = "") -> T:
    """`cls` built from a plain dict; PlainError for a missing, unknown or mistyped key (see module)."""
    if not isinstance(values, dict):
        raise PlainError(f"{where or 'the file'}: expected an object, found {type(values).__name__}")
    names = [f.name for f in dataclasses.fields(cls) if f.init]  # type: ignore[arg-type]
    unknown = sorted(set(values) - set(names))
    missing = [n for n in names if n not in values]
    prefix = f"{where}." if where else ""
    if unknown:
        raise PlainError(f"unknown key {', '.join(prefix + k for k in unknown)}")
    if missing:
        raise PlainError(f"missing key {', '.join(prefix + k for k in missing)}")
    hints = typing.get_type_hints(cls)
    built = {n: _build(hints[n], values[n], prefix + n) for n in names}
    try:
        return cls(**built)
    except (TypeError, ValueError) as e:
        raise PlainError(f"{where or cls.__name__}: {e}") from e


def _build(tp: Any, value: Any, where: str) -> Any:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is Any:
        return value
    if origin is typing.Union or origin is types.UnionType:
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]  # only `X | None` unions are used
        return _build(inner, value, where)
    if isinstance(tp, type) and hasattr(tp, "from_dict"):
        try:
            return tp.from_dict(_expect(dict, value, where))
        except (TypeError, ValueError) as e:
            raise PlainError(f"{where}: {e}") from e
    if dataclasses.is_dataclass(tp):
        return from_plain(tp, value, where)  # type: ignore[arg-type]
    if origin is tuple:
        return tuple(_build(args[0], v, f"{where}[{i}]") for i, v in enumerate(_expect(list, value, where)))
    if origin in (dict, Mapping):
        return {k: _build(args[1], v, f"{where}.{k}") for k, v in _expect(dict, value, where).items()}
    if isinstance(tp, type) and issubclass(tp, Enum):
        try:
            return tp(value)
        except ValueError:
            raise PlainError(f"{where}: {value!r} is not one of {[e.value for e in tp]}") from None
    if tp is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise PlainError(f"{where}: expected a number, found {value!r}")
    if tp is int and isinstance(value, bool):
        raise PlainError(f"{where}: expected a whole number, found {value!r}")
    return _expect(tp, value, where)


def _expect(tp: type, value: Any, where: str) -> Any:
    if not isinstance(value, tp):
        raise PlainError(f"{where}: expected {tp.__name__}, found {type(value).__name__} {value!r}"[:160])
    return value
