"""Parameter specs: a model writes each parameter once, as a :class:`ParameterSpec`.

From the specs of a model come its frozen, validated parameter class
(:func:`parameter_class`), the flat float tuple its kernels take (in spec order), the
symbol table of its docstring (:func:`symbol_table`, kept equal by a test), and the
``[parameters]`` section of the config reference.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, NamedTuple

import numpy as np

from ..errors import ConfigError

__all__ = ["ParameterSpec", "ParameterSet", "parameter_class", "symbol_table", "INF"]

INF = math.inf


class ParameterSpec(NamedTuple):
    """One model parameter.

    ``choices`` makes it a named option (a string); its kernel value is the index of the
    choice. Otherwise it is a finite number in ``[low, high]`` (``(low, high]`` when
    ``low_inclusive`` is false). ``source`` cites where the default comes from, or says
    that it is illustrative.
    """

    name: str
    symbol: str
    units: str
    default: Any
    doc: str
    source: str = ""
    low: float = 0.0
    high: float = INF
    low_inclusive: bool = True
    choices: tuple[str, ...] = ()

    def allowed(self) -> str:
        if self.choices:
            return " or ".join(map(repr, self.choices))
        lo = "[" if self.low_inclusive else "("
        return f"a finite number in {lo}{self.low:g}, {self.high:g}]".replace("inf]", "inf)")

    def problem(self, key: str, value) -> str | None:
        """One problem message naming ``key``, or ``None`` if ``value`` is allowed."""
        if self.choices:
            if value not in self.choices:
                return (f"{key} = {value!r} is not allowed; allowed: {self.allowed()}; "
                        f"fix: pick one of them")
            return None
        allowed = self.allowed()
        if isinstance(value, bool) or not isinstance(value, int | float | np.integer
                                                     | np.floating):
            return (f"{key} = {value!r} is a {type(value).__name__}; allowed: {allowed} "
                    f"({self.doc}); fix: write a number, e.g. {key.split('.')[-1]} = 0.1")
        v = float(value)
        ok = math.isfinite(v) and (v >= self.low if self.low_inclusive else v > self.low)
        if not (ok and v <= self.high):
            return (f"{key} = {value!r} is out of range; allowed: {allowed} ({self.doc}); "
                    f"fix: give a value in that range")
        return None

    def kernel_value(self, value) -> float:
        return float(self.choices.index(value)) if self.choices else float(value)

    def default_text(self) -> str:
        if self.choices:
            return repr(self.default).replace("'", '"')
        text = f"{self.default:g}"
        return text + " (off)" if self.default == 0 and "off" in self.source.lower() else text


class ParameterSet:
    """Base of the frozen parameter classes made by :func:`parameter_class`."""

    SPECS: tuple[ParameterSpec, ...] = ()

    def __post_init__(self) -> None:
        problems = self.problems(dataclasses.asdict(self))
        if problems:
            raise ConfigError("invalid parameters: " + "; ".join(problems))
        for spec in self.SPECS:
            if not spec.choices:
                object.__setattr__(self, spec.name, float(getattr(self, spec.name)))

    @classmethod
    def spec(cls, name: str) -> ParameterSpec:
        return cls._BY_NAME[name]

    @classmethod
    def problems(cls, values: dict, prefix: str = "parameters.") -> list[str]:
        """Every problem with a mapping of parameter values, each naming its key
        (unknown names are left to the caller)."""
        out = []
        for name, value in values.items():
            spec = cls._BY_NAME.get(name)
            msg = spec.problem(prefix + name, value) if spec else None
            if msg:
                out.append(msg)
        return out

    def replace(self, **changes):
        """A copy with some values changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def as_tuple(self) -> tuple[float, ...]:
        """The flat float tuple the compiled kernels take, in spec order."""
        return tuple(s.kernel_value(getattr(self, s.name)) for s in self.SPECS)


def _numpydoc(specs) -> str:
    lines = ["Parameters", "----------"]
    for s in specs:
        kind = "str" if s.choices else "float"
        lines.append(f"{s.name} : {kind}")
        what = f"{s.symbol}, {s.doc} [{s.units}]; allowed: {s.allowed()}; default "
        lines.append(f"    {what}{s.default_text()}." + (f" Source: {s.source}." if s.source
                                                         else ""))
    return "\n".join(lines)


def parameter_class(name: str, specs, doc: str, module: str) -> type:
    """A frozen, keyword-only dataclass with one validated field per spec.

    Its docstring is ``doc`` followed by a numpydoc ``Parameters`` section made from the
    specs; ``SPECS`` holds the specs in kernel order.
    """
    specs = tuple(specs)
    cls = dataclasses.make_dataclass(
        name, [(s.name, str if s.choices else float, dataclasses.field(default=s.default))
               for s in specs],
        bases=(ParameterSet,), frozen=True, kw_only=True,
        namespace={"SPECS": specs, "_BY_NAME": {s.name: s for s in specs}})
    cls.__module__ = module
    cls.__doc__ = doc.strip() + "\n\n" + _numpydoc(specs)
    return cls


def symbol_table(specs) -> str:
    """The reStructuredText symbol table of a model docstring."""
    rows = [(s.symbol, f"``{s.name}``", s.default_text()) for s in specs if not s.choices]
    width = [max(len(r[k]) for r in rows + [("symbol", "parameter", "default")]) + 2
             for k in range(3)]
    rule = "  ".join("=" * w for w in width)
    head = "  ".join(t.ljust(w) for t, w in zip(("symbol", "parameter", "default"), width,
                                                strict=True))
    body = ["  ".join(t.ljust(w) for t, w in zip(r, width, strict=True)).rstrip()
            for r in rows]
    return "\n".join([rule, head.rstrip(), rule, *body, rule])
