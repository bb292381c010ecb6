"""The parameters of a growth-law primary: one :class:`~pde_meta.core.options.Option` per
key (the config reads ``[compartments.<name>]`` with them and
:class:`PrimaryParameters` checks its values against the same options), rates per day.

Sources of the defaults: the growth rate and the shedding ``m x^alpha`` are those Iwata,
Kawasaki & Shigesada (2000) fitted to a patient's hepatocellular carcinoma and its liver
metastases (``a = 0.00286 /day``, ``b = K = 7.3e10`` cells, ``m = 5.3e-8``,
``alpha = 0.663``); the vascular model and its values are Hahnfeldt et al. (1999), fitted
to Lewis lung carcinoma in mice (``lambda1 = 0.192 /day``, ``b = 5.85 /day``,
``d = 0.00873 /(day mm^2)``, ``V0 = 180 mm^3``, ``K0 = 625 mm^3``); ``1 mm^3 = 1e6`` cells is
the usual conversion (Benzekry et al.). A primary starts from one cell (Iwata), is not
resected and sheds from its first cell on; the capacity ``K`` of the logistic and Gompertz
laws has no default (Iwata's value is for one tumour, not a general one).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from ...core.options import Option, check_option, short
from ...errors import ConfigError
from ...numerics.growth import GROWTH_LAWS

__all__ = ["LAWS", "LAW_KEYS", "PRIMARY_OPTIONS", "PrimaryParameters", "law_problems"]

#: the growth laws of a primary: the scalar ones of :mod:`pde_meta.numerics.growth` and
#: Hahnfeldt's tumour with its vascular capacity
LAWS = (*GROWTH_LAWS, "hahnfeldt")

_IWATA = "Iwata et al. 2000, hepatocellular carcinoma"
_HAHNFELDT = "Hahnfeldt et al. 1999, Lewis lung carcinoma"

PRIMARY_OPTIONS = (
    Option("law", "choice", "gompertz", "how the primary grows: 'exponential' (x' = a x), "
           "'logistic' (a x (1 - x/K)), 'gompertz' (a x ln(K/x), Iwata's form) or "
           "'hahnfeldt' (its volume and vascular capacity, Hahnfeldt et al. 1999)",
           choices=LAWS),
    Option("cells", "number", 1.0, "x_p(0): the primary's cells at t = 0 (Iwata et al. "
           "2000: one cell); the scalar laws", low=0, units="cells"),
    Option("growth_rate", "number", 0.00286, f"a of the scalar laws ({_IWATA})", low=0,
           units="1/day"),
    Option("capacity", "number", None, "K (Iwata's b) of the logistic and Gompertz laws, "
           f"required by them ({_IWATA}: 7.3e10)", low=1, low_open=True, units="cells"),
    Option("lambda1", "number", 0.192, f"lambda1 of V' = -lambda1 V ln(V/K) ({_HAHNFELDT})",
           low=0, units="1/day"),
    Option("lambda2", "number", 0.0, "lambda2: the spontaneous loss of vascular capacity, "
           f"-lambda2 K ({_HAHNFELDT}: 0)", low=0, units="1/day"),
    Option("stimulation", "number", 5.85, "b: the tumour's stimulation of its vasculature, "
           f"+b V ({_HAHNFELDT})", low=0, units="1/day"),
    Option("inhibition", "number", 0.00873, "d: the tumour's inhibition of its "
           f"vasculature, -d K V^(2/3) ({_HAHNFELDT})", low=0, units="1/(day mm^2)"),
    Option("volume", "number", 180.0, f"V(0) of the hahnfeldt law ({_HAHNFELDT})", low=0,
           low_open=True, units="mm^3"),
    Option("vascular_capacity", "number", 625.0, f"K(0) of the hahnfeldt law ({_HAHNFELDT})",
           low=0, low_open=True, units="mm^3"),
    Option("cells_per_mm3", "number", 1e6, "cells in 1 mm^3 of tumour (the usual 1e6, "
           "Benzekry et al.): converts the hahnfeldt volume to cells, and cells to the "
           "volume_mm3 field", low=0, low_open=True, units="cells/mm^3"),
    Option("shedding_rate", "number", 5.3e-8, f"m of the shedding beta(x) = m x^alpha "
           f"cells per day ({_IWATA}; 0: no shedding)", low=0, units="1/day"),
    Option("shedding_exponent", "number", 0.663, f"alpha of the shedding ({_IWATA}: 0.663, "
           "about 2/3: the cells at the tumour's surface)", low=0, high=2),
    Option("resection", "number", None, "the time of the surgery of the primary (the "
           "run's time; default: none)", low=0, units="T"),
    Option("residual", "number", 0.0, "the fraction of the primary (and of its vascular "
           "capacity) left by the surgery (0: a complete resection)", low=0, high=1),
    Option("dt", "number", 1.0, "the primary's step (its lattice: the random shedding of "
           "each step is drawn once; chosen: a day, the unit of Iwata's rates)", low=0,
           low_open=True, units="days"),
)
#: the keys that only one law (or a few) uses
LAW_KEYS = {
    "cells": ("exponential", "logistic", "gompertz"),
    "growth_rate": ("exponential", "logistic", "gompertz"),
    "capacity": ("logistic", "gompertz"),
    **{k: ("hahnfeldt",) for k in ("lambda1", "lambda2", "stimulation", "inhibition",
                                   "volume", "vascular_capacity")},
}
_BY_KEY = {o.key: o for o in PRIMARY_OPTIONS}


def law_problems(law: str, given: dict, prefix: str = "") -> list[str]:
    """The keys of ``given`` (key -> value: the keys given) that ``law`` does not use, and
    the capacity that the logistic and Gompertz laws need."""
    out = []
    for key, value in given.items():
        laws = LAW_KEYS.get(key)
        if laws is not None and law not in laws:
            out.append(f"{prefix}{key} = {short(value)} is a key of law "
                       f"{' or '.join(map(repr, laws))}, not of law = {law!r}; allowed "
                       f"with {law!r}: "
                       f"{', '.join(k for k, v in LAW_KEYS.items() if law in v)}; fix: "
                       f"remove it or change the law")
    if law in ("logistic", "gompertz") and "capacity" not in given:
        out.append(f"{prefix}capacity is missing; allowed: {_BY_KEY['capacity'].allowed()}"
                   f" (K of the {law} law); fix: add capacity = ... (e.g. 7.3e10, "
                   f"{_IWATA})")
    return out


@dataclass(frozen=True)
class PrimaryParameters:
    """A primary's parameters (see :data:`PRIMARY_OPTIONS`; rates per day, ``resection``
    in the run's time, None: none). Each value is checked against its option, and the
    keys of the law (:func:`law_problems`) are checked together; a problem raises
    :class:`~pde_meta.errors.ConfigError` with one line per problem joined by `` | ``."""

    law: str = "gompertz"
    cells: float = 1.0
    growth_rate: float = 0.00286
    capacity: float | None = None
    lambda1: float = 0.192
    lambda2: float = 0.0
    stimulation: float = 5.85
    inhibition: float = 0.00873
    volume: float = 180.0
    vascular_capacity: float = 625.0
    cells_per_mm3: float = 1e6
    shedding_rate: float = 5.3e-8
    shedding_exponent: float = 0.663
    resection: float | None = None
    residual: float = 0.0
    dt: float = 1.0

    def __post_init__(self) -> None:
        problems = []
        for key, value in asdict(self).items():
            if value is None and _BY_KEY[key].default is None:
                continue
            v, found = check_option(key, value, _BY_KEY[key])
            if found:
                problems.append(found)
            elif _BY_KEY[key].kind == "number":
                object.__setattr__(self, key, float(v))
        if not problems:
            problems = [p for p in law_problems(self.law, self.given()) if "is missing" in p]
        if problems:
            raise ConfigError(" | ".join(problems))

    def given(self) -> dict:
        """The keys with a value, and their values."""
        return {k: v for k, v in asdict(self).items() if v is not None}

    @property
    def scalar(self) -> bool:
        """Whether the law is a scalar one (exact solutions), not hahnfeldt."""
        return self.law != "hahnfeldt"

    def initial(self) -> tuple[float, float]:
        """The initial ``(cells, K)``: K in mm^3 for hahnfeldt, else NaN."""
        if self.scalar:
            return self.cells, math.nan
        return self.volume * self.cells_per_mm3, self.vascular_capacity

    def to_dict(self) -> dict:
        """The keys that apply to the law (and have a value), as TOML-ready data."""
        return {k: v for k, v in asdict(self).items()
                if v is not None and self.law in LAW_KEYS.get(k, (self.law,))}
