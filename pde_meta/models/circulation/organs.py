"""The organs a circulation delivers to: each a capillary bed with its place in the
circulation (``site``), its share of the flow, its first-pass arrest and its soil.

Sites:

* ``pulmonary``: the lung; all venous blood passes it (at most one such organ);
* ``systemic``: fed by the arteries with the share ``flow`` of the cardiac output;
* ``portal``: the liver of a gut primary; the primary's blood meets it first (the
  anatomic model), and it also takes its ``flow`` share of the arterial blood (its
  hepatic artery and the gut's own share, which passes the liver after the gut);
* ``lymphatic``: the regional lymph node; lymph from the primary passes it first, then
  the efferent lymph joins the venous blood.

The arrest of a unit of ``s`` cells in a bed with single-cell arrest ``a`` is
``1 - (1 - a)^(s^gamma_a)``; an arrested unit extravasates with probability
``compatibility`` (seed and soil, Paget 1889), after a mean ``arrest_time``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ...core.options import Option, read_options, short, valid

__all__ = ["Organ", "ORGAN_OPTIONS", "SITES", "DEFAULT_ORGANS", "read_organs",
           "check_organs"]

SITES = ("pulmonary", "systemic", "portal", "lymphatic")

ORGAN_OPTIONS = (
    Option("name", "string", None, "the organ's name (unique; names its rows in the file)"),
    Option("site", "choice", "systemic", "where the organ's bed sits in the circulation",
           choices=SITES),
    Option("flow", "number", 0.0, "its share of the arterial blood (shares are "
           "normalised over the organs that have one)", low=0.0, high=1.0),
    Option("arrest", "number", 0.5, "probability that a single cell arrests in its bed "
           "on one pass", low=0.0, high=1.0),
    Option("compatibility", "number", 0.5, "probability that an arrested unit "
           "extravasates (seed and soil)", low=0.0, high=1.0),
)


@dataclass(frozen=True)
class Organ:
    """One organ: see the module docstring. ``source`` cites its defaults."""

    name: str
    site: str = "systemic"
    flow: float = 0.0
    arrest: float = 0.5
    compatibility: float = 0.5
    source: str = field(default="", compare=False)

    def to_dict(self) -> dict:
        return {"name": self.name, "site": self.site, "flow": self.flow,
                "arrest": self.arrest, "compatibility": self.compatibility}


_ICRP = "flow: ICRP Publication 89 (2002) reference cardiac-output shares, rounded"
_LUZZI = "arrest x compatibility = 0.81: > 80 % of cells reaching the liver arrest and " \
         "extravasate (Luzzi et al. 1998)"
#: organs of a run that names none (the anatomic route of a systemic primary)
DEFAULT_ORGANS = (
    Organ("lung", "pulmonary", 0.0, 0.9, 0.9, "arrest: cells of 15-20 um meet capillaries of "
          "5-8 um (illustrative); compatibility as the liver"),
    Organ("liver", "systemic", 0.25, 0.9, 0.9, f"{_ICRP}; {_LUZZI}"),
    Organ("bone", "systemic", 0.05, 0.5, 0.5, f"{_ICRP}; arrest, compatibility "
          "illustrative"),
    Organ("brain", "systemic", 0.12, 0.5, 0.2, f"{_ICRP}; arrest, compatibility "
          "illustrative"),
    Organ("other", "systemic", 0.58, 0.5, 0.1, "the rest of the cardiac output; arrest, "
          "compatibility illustrative"),
    Organ("lymph_node", "lymphatic", 0.0, 0.5, 0.5, "illustrative"),
)


def check_organs(organs: tuple[Organ, ...], route: str, prefix: str, problems: list[str]
                 ) -> None:
    """The rules of a set of organs: unique names, at most one pulmonary and one
    lymphatic bed, a portal bed for a portal route, some arterial flow (or a route that
    needs none)."""
    names = [o.name for o in organs]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"{prefix}organs: the name {name!r} is used twice; fix: give each "
                        f"organ its own name")
    for site in ("pulmonary", "lymphatic", "portal"):
        found = [o.name for o in organs if o.site == site]
        if len(found) > 1:
            problems.append(f"{prefix}organs: {len(found)} organs have site = {site!r} "
                            f"({', '.join(found)}); allowed: at most one; fix: keep one")
    if route == "portal" and not any(o.site == "portal" for o in organs):
        problems.append(f"{prefix}route = 'portal' needs an organ with site = 'portal' (the "
                        f"liver); fix: add one, or use route = 'systemic'")
    if not any(o.flow > 0 for o in organs if o.site in ("systemic", "portal")):
        problems.append(f"{prefix}organs: no organ takes arterial blood (every flow is 0); "
                        f"allowed: at least one systemic or portal organ with flow > 0; "
                        f"fix: give one a flow")
    if route == "direct" and any(o.site == "pulmonary" for o in organs):
        problems.append(f"{prefix}route = 'direct' has no lung pass, but an organ has site "
                        f"= 'pulmonary'; fix: drop it, or use route = 'systemic'")


def read_organs(entries, route: str, prefix: str, problems: list[str]
                ) -> tuple[Organ, ...] | None:
    """``[[<compartment>.organs]]`` tables -> organs (``None`` where a problem was
    found, each appended to ``problems``); no tables: :data:`DEFAULT_ORGANS` (without
    the lung for a ``direct`` route)."""
    if entries is None:
        organs = DEFAULT_ORGANS if route != "direct" else tuple(
            o for o in DEFAULT_ORGANS if o.site != "pulmonary")
        check_organs(organs, route, prefix, problems)
        return organs
    if not isinstance(entries, list) or not entries:
        problems.append(f"{prefix}organs = {short(entries)} is not allowed; allowed: one or "
                        f"more [[{prefix}organs]] tables; fix: e.g. name = \"lung\", site = "
                        f"\"pulmonary\"")
        return None
    out, bad = [], False
    for k, entry in enumerate(entries):
        where = f"{prefix}organs[{k}]."
        if not isinstance(entry, dict):
            problems.append(f"{where.rstrip('.')} = {short(entry)} is a "
                            f"{type(entry).__name__}; allowed: a table; fix: write it as "
                            f"[[{prefix}organs]]")
            bad = True
            continue
        v = read_options(entry, ORGAN_OPTIONS, where, problems)
        if not valid(*v.values()):
            bad = True
            continue
        if v["name"] is None or not v["name"].isidentifier():
            problems.append(f"{where}name = {short(v['name'])} is not allowed; allowed: a "
                            f"name of letters, digits and _ (not starting with a digit); "
                            f"fix: e.g. name = \"lung\"")
            bad = True
            continue
        out.append(Organ(v["name"], v["site"], float(v["flow"]), float(v["arrest"]),
                         float(v["compatibility"]), "the config"))
    if bad:
        return None
    organs = tuple(out)
    count = len(problems)
    check_organs(organs, route, prefix, problems)
    return organs if len(problems) == count else None


def flow_shares(organs: tuple[Organ, ...]) -> list[tuple[int, float]]:
    """``(organ index, share)`` of the arterial blood, normalised to 1."""
    fed = [(k, o.flow) for k, o in enumerate(organs)
           if o.site in ("systemic", "portal") and o.flow > 0]
    total = math.fsum(f for _, f in fed)
    return [(k, f / total) for k, f in fed]
