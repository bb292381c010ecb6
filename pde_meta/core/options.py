"""Options: one key of a config table, its type, default, allowed range and meaning, and the
checks and messages built from it.

An :class:`Option` is the single statement of a rule: the config reads its tables with
:func:`read_options`, and the classes the options describe (``Grid``, ``OxygenWalls``,
``Stepper``) check their arguments with :func:`check_option` against the same objects, so
that a value refused in a file is refused, with the same message, in Python. Every
message is one line, ``<key path> = <value> <what is wrong>; allowed: ...; fix: ...``
(:func:`problem`); an unknown key comes with a did-you-mean suggestion
(:func:`unknown_key`).
"""

from __future__ import annotations

import difflib
import math
import numbers
from typing import Any, NamedTuple

__all__ = ["Option", "REQUIRED", "INVALID", "MAX_TIMES", "check_option", "read_options",
           "read_top", "valid", "problem", "short", "did_you_mean", "unknown_key",
           "to_float"]

#: the longest list a ``times`` option takes
MAX_TIMES = 100_000


class _Required:
    def __repr__(self) -> str:
        return "required"


#: the default of an option that must be given
REQUIRED: Any = _Required()


class _Invalid:
    def __repr__(self) -> str:
        return "<invalid>"


#: what :func:`read_options` holds for a key whose value was refused
INVALID: Any = _Invalid()


class Option(NamedTuple):
    """One key of a config section: its type, default, allowed values and meaning.

    ``kind`` is one of ``number``, ``integer``, ``bool``, ``string``, ``choice``,
    ``pair`` (two numbers), ``ipair`` (two integers), ``times`` (a list of numbers),
    ``fields`` (a list of distinct names from ``choices``), ``path``. A ``default`` of
    ``None`` means the key is optional with no value, :data:`REQUIRED` that it must be
    given. ``low``, ``high`` and ``low_open`` bound numbers (each number of a list);
    ``choices`` are the values of a ``choice`` and the names of a ``fields`` option.
    """

    key: str
    kind: str
    default: Any
    doc: str
    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    choices: tuple = ()
    units: str = ""

    def allowed(self) -> str:
        lo = "(" if self.low_open else "["
        high = "2^63 - 1" if self.high == 2**63 - 1 else f"{self.high:g}"
        if self.low == -math.inf and self.high == math.inf:
            rng = ""
        elif self.high == math.inf:
            rng = f" {'>' if self.low_open else '>='} {self.low:g}"
        else:
            rng = f" in {lo}{self.low:g}, {high}]"
        each = f", each{rng}" if rng else ""
        return {
            "number": f"a finite number{rng}",
            "integer": f"an integer{rng}",
            "bool": "true or false",
            "string": "a string",
            "path": "a file path (a string, relative to the config file)",
            "choice": "one of " + ", ".join(repr(c) for c in self.choices),
            "pair": f"two finite numbers{each}",
            "ipair": f"two integers{each}",
            "times": f"a list of finite numbers{rng}",
            "fields": "a list of distinct field names from " + ", ".join(self.choices),
        }[self.kind]

    def type_name(self) -> str:
        return {"number": "float", "integer": "int", "bool": "bool", "string": "str",
                "path": "str (path)", "choice": "str", "pair": "[float, float]",
                "ipair": "[int, int]",
                "times": "list of float", "fields": "list of str"}[self.kind]

    def example(self) -> str:
        """A value of this kind as written in TOML, for the ``fix`` of a message."""
        if self.kind == "choice":
            return repr(self.choices[0]).replace("'", '"')
        if self.kind == "fields":
            return "[" + ", ".join(f'"{c}"' for c in self.choices[:2]) + "]"
        return {"number": "0.1", "integer": "2", "bool": "true", "string": '"text"',
                "path": '"data/tumor.npy"', "pair": "[1.0, 1.0]", "ipair": "[128, 128]",
                "times": "[1.0, 2.0]"}[self.kind]

    def bound_words(self, v: float) -> str | None:
        """The bound that the number ``v`` of a list breaks, in words (``"at least 3"``);
        ``None`` if it breaks none or is not finite."""
        if not math.isfinite(v):
            return None
        if self.low_open and v <= self.low:
            return "positive" if self.low == 0 else f"greater than {self.low:g}"
        if not self.low_open and v < self.low:
            return f"at least {self.low:g}"
        if v > self.high:
            return f"at most {self.high:g}"
        return None


def short(value: Any, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def problem(path: str, value: Any, what: str, allowed: str, fix: str) -> str:
    """The one-line message ``<path> = <value> <what>; allowed: ...; fix: ...``."""
    return f"{path} = {short(value)} {what}; allowed: {allowed}; fix: {fix}"


def did_you_mean(key: Any, allowed) -> str:
    """``did you mean 'x'?`` for the closest of ``allowed``, else ``remove it``."""
    close = difflib.get_close_matches(str(key), list(allowed), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else "remove it"


def unknown_key(prefix: str, key: Any, allowed) -> str:
    """The message for an unknown key ``<prefix><key>``, with the allowed keys."""
    return (f"{prefix}{key} is not a known key; allowed: {', '.join(allowed)}; fix: "
            f"{did_you_mean(key, allowed)}")


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _is_integer(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def to_float(value: Any) -> float | None:
    """The float of an int or float (None for other types and ints beyond float range)."""
    if not _is_number(value):
        return None
    try:
        return float(value)
    except OverflowError:
        return None


def _in_range(v: float, opt: Option) -> bool:
    if not math.isfinite(v):
        return False
    low_ok = v > opt.low if opt.low_open else v >= opt.low
    return low_ok and v <= opt.high


def check_option(path: str, value: Any, opt: Option) -> tuple[Any, str | None]:
    """``(normalised value, None)`` if ``value`` is allowed, else ``(None, problem)``."""
    allowed = opt.allowed()
    fix = f"write e.g. {opt.key} = {opt.example()}"
    if opt.kind == "number":
        v = to_float(value)
        if v is None and _is_integer(value):
            return None, problem(path, value, "is out of range", allowed,
                                 "give a value in that range")
        if v is None:
            return None, problem(path, value, f"is a {type(value).__name__}", allowed, fix)
        if not _in_range(v, opt):
            return None, problem(path, value, "is out of range", allowed,
                                 "give a value in that range")
        return v, None
    if opt.kind == "integer":
        if not _is_integer(value):
            return None, problem(path, value, f"is a {type(value).__name__}", allowed, fix)
        if not (value >= opt.low and value <= opt.high):
            return None, problem(path, value, "is out of range", allowed,
                                 "give a value in that range")
        return int(value), None
    if opt.kind == "bool":
        if not isinstance(value, bool):
            return None, problem(path, value, f"is a {type(value).__name__}", allowed, fix)
        return value, None
    if opt.kind in ("string", "path"):
        if not isinstance(value, str):
            return None, problem(path, value, f"is a {type(value).__name__}", allowed, fix)
        if opt.kind == "path" and (not value.strip() or "\x00" in value):
            return None, problem(path, value, "is not a usable path", allowed, fix)
        return value, None
    if opt.kind == "choice":
        if not isinstance(value, str) or value not in opt.choices:
            close = (difflib.get_close_matches(value, opt.choices, n=1)
                     if isinstance(value, str) else [])
            hint = f"did you mean {close[0]!r}?" if close else "pick one of them"
            return None, problem(path, value, "is not allowed", allowed, hint)
        return value, None
    if opt.kind in ("pair", "ipair", "times"):
        return _check_numbers(path, value, opt, allowed, fix)
    if opt.kind == "fields":
        if not isinstance(value, list | tuple) or not value:
            return None, problem(path, value, "is not a non-empty list", allowed, fix)
        names = opt.choices
        bad = [v for v in value if not isinstance(v, str) or v not in names]
        if bad or len(set(value)) != len(value):
            what = f"names unknown field(s) {bad}" if bad else "repeats a field"
            return None, problem(path, value, what, allowed,
                                 "list each field once, spelled as in " + ", ".join(names))
        return tuple(f for f in names if f in value), None  # canonical order
    raise AssertionError(opt.kind)  # pragma: no cover


def _check_numbers(path: str, value: Any, opt: Option, allowed: str, fix: str
                   ) -> tuple[Any, str | None]:
    """:func:`check_option` of the list kinds ``pair``, ``ipair`` and ``times``."""
    if not isinstance(value, list | tuple):
        return None, problem(path, value, f"is a {type(value).__name__}", allowed, fix)
    if opt.kind in ("pair", "ipair") and len(value) != 2:
        return None, problem(path, value, f"has {len(value)} values", allowed, fix)
    if opt.kind == "times" and len(value) > MAX_TIMES:
        return None, problem(path, f"<{len(value)} values>", "is too long",
                             f"at most {MAX_TIMES} values", "use fewer times")
    out = []
    for v in value:
        f = to_float(v)
        if opt.kind == "ipair" and not _is_integer(v):
            f = None
        if f is None or not _in_range(f, opt):
            bound = opt.bound_words(f) if f is not None else None
            what = (f"holds {short(v, 30)}, but each value must be {bound}" if bound
                    else "holds a value that is not allowed")
            return None, problem(path, value, what, allowed, fix)
        out.append(f)
    if opt.kind == "ipair":
        return tuple(int(v) for v in value), None
    return tuple(out), None


def read_options(table: dict, options: tuple[Option, ...], prefix: str,
                 problems: list[str], also: tuple[str, ...] = ()) -> dict:
    """Validate ``table`` against ``options``: unknown keys, types, ranges, required keys.

    Each problem is appended to ``problems``, its key path ``prefix + key``. Returns every
    option's value, in the order of ``options`` (so that a written config is canonical):
    the given one normalised, the default, or :data:`INVALID`. ``also`` are keys the
    caller reads itself; an unknown key's message lists them with the options.
    """
    by_key = {o.key: o for o in options}
    given: dict[str, Any] = {}
    for key, value in table.items():
        if key not in by_key:
            allowed = [*also, *by_key] or ["no other keys"]
            problems.append(unknown_key(prefix, key, allowed))
            continue
        v, found = check_option(prefix + key, value, by_key[key])
        if found:
            problems.append(found)
            given[key] = INVALID
        else:
            given[key] = v
    out: dict[str, Any] = {}
    for opt in options:
        if opt.key in given:
            out[opt.key] = given[opt.key]
        elif opt.default is REQUIRED:
            problems.append(f"{prefix}{opt.key} is missing; allowed: {opt.allowed()}; "
                            f"fix: add {opt.key} = ... ({opt.doc})")
            out[opt.key] = INVALID
        else:
            out[opt.key] = opt.default
    return out


def read_top(data: dict, known, options: tuple[Option, ...], problems: list[str]) -> dict:
    """Report the keys of ``data`` not in ``known`` and read its ``options`` (top level)."""
    for key in data:
        if key not in known:
            problems.append(unknown_key("", key, known))
    wanted = {o.key for o in options}
    return read_options({k: v for k, v in data.items() if k in wanted}, options, "",
                        problems)


def valid(*values) -> bool:
    """Whether none of ``values`` is :data:`INVALID`."""
    return all(v is not INVALID for v in values)
