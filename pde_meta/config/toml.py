"""Writing TOML: plain data to text with :mod:`tomli_w`, which :mod:`tomllib` reads back to
the same data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tomli_w

__all__ = ["dump_toml", "inline_toml"]


def _plain(value: Any) -> Any:
    """``value`` as data tomli-w writes: tables without their ``None`` values (TOML has no
    null: an omitted key is the default), tuples as lists, paths as strings."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def dump_toml(data: dict) -> str:
    """Plain data (dicts, lists, str, int, float, bool; ``None`` values dropped) as TOML.

    Raises
    ------
    TypeError
        A value TOML cannot hold (e.g. ``None`` in a list).
    """
    return tomli_w.dumps(_plain(data))


def inline_toml(value: Any) -> str:
    """One value as TOML on one line (``[1.0, 1.0]``, ``"gzip"``), for the reference."""
    if isinstance(value, list | tuple):
        return "[" + ", ".join(inline_toml(v) for v in value) + "]"
    return tomli_w.dumps({"v": _plain(value)}).removeprefix("v = ").rstrip("\n")
