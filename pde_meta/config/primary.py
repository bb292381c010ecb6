"""A growth-law primary in a config: ``[compartments.<name>]`` with ``model = "primary"``
and its options (:data:`pde_meta.models.primary.PRIMARY_OPTIONS`, rates per day); a
``shedding`` exchange hands its shed cells to a circulation or to an organ.

Its time unit is the run's: with ``[units]``, one unit is ``units.time_scale`` seconds;
without, ``time_unit_hours`` says how many hours it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..core.options import Option, read_options, valid
from ..errors import ConfigError
from ..models.primary import PRIMARY_OPTIONS, PrimaryParameters, law_problems
from .circulation import hours_per_unit

__all__ = ["PrimaryConfig", "PRIMARY_CONFIG_OPTIONS", "read_primary"]

#: the keys of ``[compartments.<name>]`` of a primary
PRIMARY_CONFIG_OPTIONS = (
    *PRIMARY_OPTIONS,
    Option("time_unit_hours", "number", None, "hours in one unit of the run's time "
           "(default: from [units])", low=0, low_open=True, units="h"),
)


@dataclass(frozen=True)
class PrimaryConfig:
    """A validated primary compartment."""

    name: str
    parameters: PrimaryParameters
    hours: float = 24.0
    time_unit_hours: float | None = None
    model: str = "primary"

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"model": self.model, **self.parameters.to_dict()}
        if self.time_unit_hours is not None:
            d["time_unit_hours"] = self.time_unit_hours
        return d


def read_primary(part: dict, name: str, prefix: str, units, problems: list[str]
                 ) -> PrimaryConfig | None:
    """One ``[compartments.<name>]`` table of model ``primary`` (``units``: the run's
    ``[units]`` or None)."""
    count = len(problems)
    rest = {k: v for k, v in part.items() if k != "model"}
    v = read_options(rest, PRIMARY_CONFIG_OPTIONS, prefix, problems, also=("model",))
    given_hours = v.pop("time_unit_hours")
    hours = hours_per_unit(given_hours, units, prefix, "a primary's rates are per day",
                           problems)
    if valid(v["law"]):
        problems.extend(law_problems(v["law"], {k: rest[k] for k in rest if k in v}, prefix))
    if len(problems) > count:
        return None
    try:
        parameters = PrimaryParameters(**v)
    except ConfigError as exc:  # pragma: no cover - read_options checked every value
        problems.append(f"{prefix}{exc}")
        return None
    return PrimaryConfig(name, parameters, float(hours), given_hours)
