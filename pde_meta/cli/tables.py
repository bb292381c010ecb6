"""Plain-text tables of the commands, rendered by pandas, and number formats."""

from __future__ import annotations

import math
import numbers

__all__ = ["fmt", "size", "render"]


def fmt(value, spec: str = ".4g") -> str:
    """``value`` formatted with ``spec``; ``-`` for NaN and infinities, ``str`` for text."""
    if isinstance(value, str | bool | numbers.Integral):
        return str(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return format(number, spec) if math.isfinite(number) else "-"


def size(n: float) -> str:
    """A byte count with a decimal unit: ``1.23 MB``."""
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000:
            return f"{n:.3g} {unit}"
        n /= 1000
    return f"{n:.3g} TB"


def render(frame, *, formats: dict | None = None, indent: str = "") -> str:
    """``frame`` (a :class:`pandas.DataFrame`) as text without its index.

    Text columns are left-aligned, numeric ones right-aligned and formatted with
    ``formats[column]`` (default ``.4g``; NaN as ``-``); two spaces between columns;
    every line starts with ``indent``.
    """
    import pandas as pd

    formats = formats or {}
    columns = {}
    for k, name in enumerate(frame.columns):
        values = frame.iloc[:, k]
        numeric = (pd.api.types.is_numeric_dtype(values)
                   and not pd.api.types.is_bool_dtype(values))
        texts = [fmt(v, formats.get(name, ".4g")) if numeric else str(v) for v in values]
        width = max([len(str(name)), *map(len, texts)])
        align = str.rjust if numeric else str.ljust
        gap = " " if k else ""  # pandas puts one space between columns: two in all
        columns[gap + align(str(name), width)] = [gap + align(t, width) for t in texts]
    if frame.empty:
        return indent + " ".join(columns).rstrip()
    text = pd.DataFrame(columns).to_string(index=False)
    return "\n".join(indent + line.rstrip() for line in text.splitlines())
