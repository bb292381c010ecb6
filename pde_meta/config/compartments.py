"""The compartments of a run and how they are coupled, in a config.

A config without ``[compartments]`` describes one tissue, named ``tissue``, with its
sections at the top level (every config written before compartments existed). With
``[compartments.<name>]`` tables each tissue has its own ``model``, ``[grid]``,
``[parameters]``, ``[physical_parameters]``, ``[oxygen_walls]`` and ``[initial.*]``;
``[time]``, ``[output]``, ``[units]`` and ``seed`` stay shared at the top level.
``[coupling]`` sets the time between exchanges and ``[[exchanges]]`` lists them: a
registered ``kind`` (:data:`pde_meta.coupling.EXCHANGES`) from one compartment to
another, with the options of its kind.
"""

from __future__ import annotations

from typing import Any

from .. import exchanges as _exchanges  # noqa: F401  (registers the exchange kinds)
from ..core.options import REQUIRED, Option, check_option, read_options, short, valid
from ..coupling import EXCHANGES
from ..models import MODELS
from .run_config import ExchangeConfig

__all__ = ["COMPARTMENT_OPTIONS", "COUPLING_OPTIONS", "EXCHANGE_OPTIONS", "TISSUE_KEYS",
           "read_coupling", "exchange_options"]

#: the sections of a tissue compartment
TISSUE_KEYS = ("grid", "parameters", "physical_parameters", "oxygen_walls", "initial")

COMPARTMENT_OPTIONS = (
    Option("model", "choice", "invasion", "the model of the compartment",
           choices=tuple(MODELS)),
)
COUPLING_OPTIONS = (
    Option("interval", "number", None, "time between two exchanges (multiples of it are "
           "the coupling times; each compartment takes its own steps in between); "
           "required with [[exchanges]]", low=0, low_open=True, units="T"),
)


def _kind_option() -> Option:
    return Option("kind", "choice", REQUIRED, "the exchange (a registered kind)",
                  choices=tuple(EXCHANGES))


EXCHANGE_OPTIONS = (
    Option("from", "string", REQUIRED, "the compartment material leaves"),
    Option("to", "string", REQUIRED, "the compartment it arrives in"),
)


def exchange_options(kind: str) -> tuple[Option, ...] | None:
    """The options of an ``[[exchanges]]`` entry of ``kind`` (None: no such kind)."""
    if kind not in EXCHANGES:
        return None
    return (*EXCHANGE_OPTIONS, *getattr(EXCHANGES[kind], "OPTIONS", ()))


def read_coupling(data: dict, names, problems: list[str]
                  ) -> tuple[float | None, tuple[ExchangeConfig, ...]]:
    """``[coupling]`` and ``[[exchanges]]``: the interval and the exchanges. ``names``:
    the compartments, a list or a mapping of each name to its model (then an exchange
    kind that says which models it connects, ``ENDS``, is checked against them)."""
    table = data.get("coupling", {})
    interval = None
    if not isinstance(table, dict):
        problems.append(f"coupling = {short(table)} is a {type(table).__name__}; allowed: a "
                        f"table; fix: write it as a [coupling] section")
    else:
        interval = read_options(table, COUPLING_OPTIONS, "coupling.", problems)["interval"]
    entries = data.get("exchanges", [])
    if not isinstance(entries, list):
        problems.append(f"exchanges = {short(entries)} is a {type(entries).__name__}; "
                        f"allowed: [[exchanges]] tables; fix: write each as [[exchanges]]")
        return interval, ()
    out = []
    for k, entry in enumerate(entries):
        found = _read_exchange(k, entry, names, problems)
        if found is not None:
            out.append(found)
    if out and interval is None and "coupling" not in data:
        problems.append("[[exchanges]] need a coupling interval; allowed: a time > 0; fix: "
                        "add [coupling] with interval = ...")
    return interval, tuple(out)


def _read_exchange(k: int, entry: Any, names: list[str], problems: list[str]
                   ) -> ExchangeConfig | None:
    prefix = f"exchanges[{k}]."
    if not isinstance(entry, dict):
        problems.append(f"exchanges[{k}] = {short(entry)} is a {type(entry).__name__}; "
                        f"allowed: a table; fix: write it as [[exchanges]]")
        return None
    if not EXCHANGES:
        problems.append(f"{prefix}kind = {short(entry.get('kind'))}: no exchange kind is "
                        f"registered in this version; allowed: no [[exchanges]]; fix: "
                        f"remove the [[exchanges]] tables")
        return None
    kind, found = check_option(prefix + "kind", entry.get("kind"), _kind_option())
    if found:
        problems.append(found)
        return None
    options = exchange_options(kind)
    rest = {k2: v for k2, v in entry.items() if k2 != "kind"}
    v = read_options(rest, options, prefix, problems, also=("kind",))
    if not valid(*v.values()):
        return None
    for end in ("from", "to"):
        if v[end] not in names:
            problems.append(f"{prefix}{end} = {v[end]!r} is not a compartment; allowed: "
                            f"{', '.join(map(repr, names))}; fix: name one of them")
            return None
    ends = getattr(EXCHANGES[kind], "ENDS", None)
    if ends is not None and isinstance(names, dict):
        for end, models in zip(("from", "to"), ends, strict=True):
            if names[v[end]] not in models:
                problems.append(f"{prefix}{end} = {v[end]!r} is a compartment of model "
                                f"{names[v[end]]!r}; allowed: the {kind} exchange goes from "
                                f"{' or '.join(map(repr, ends[0]))} to "
                                f"{' or '.join(map(repr, ends[1]))}; fix: name such a "
                                f"compartment")
                return None
    extra = tuple((key, value) for key, value in v.items() if key not in ("from", "to"))
    return ExchangeConfig(kind, v["from"], v["to"], extra)
