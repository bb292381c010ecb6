"""``[[compartments.<name>.injections]]``: cells injected into a circulation's vessels or
an organ at a time (experimental metastasis, Luzzi et al. 1998), read for either kind."""

from __future__ import annotations

from ..core.options import REQUIRED, Option, read_options, short, valid

__all__ = ["INJECTION_OPTIONS", "read_injections"]

INJECTION_OPTIONS = (
    Option("time", "number", REQUIRED, "when the cells are injected (the run's time)",
           low=0, units="T"),
    Option("cells", "integer", REQUIRED, "how many cells", low=1, high=10**15,
           units="cells"),
    Option("cluster_size", "integer", 1, "cells per injected unit (1: single cells; cells "
           "must be a multiple of it)", low=1, high=1000, units="cells"),
)


def read_injections(part: dict, prefix: str, where: Option, problems: list[str]
                    ) -> tuple[tuple[float, int, int, str], ...]:
    """The injections of one compartment as ``(time, units, cells per unit, where)``;
    ``where`` is the option that says where they go (a vessel, an organ)."""
    listed = part.get("injections", [])
    if not isinstance(listed, list):
        problems.append(f"{prefix}injections = {short(listed)} is not allowed; allowed: "
                        f"[[{prefix}injections]] tables; fix: write each as one")
        return ()
    out = []
    for k, entry in enumerate(listed):
        at = f"{prefix}injections[{k}]."
        if not isinstance(entry, dict):
            problems.append(f"{at.rstrip('.')} = {short(entry)} is not a table; fix: write "
                            f"it as [[{prefix}injections]]")
            continue
        v = read_options(entry, (*INJECTION_OPTIONS, where), at, problems)
        if not valid(*v.values()):
            continue
        if v["cells"] % v["cluster_size"]:
            fixed = v["cells"] // v["cluster_size"] * v["cluster_size"] or v["cluster_size"]
            problems.append(f"{at}cells = {v['cells']} is not a multiple of cluster_size = "
                            f"{v['cluster_size']}; fix: e.g. cells = {fixed}")
            continue
        out.append((float(v["time"]), v["cells"] // v["cluster_size"], v["cluster_size"],
                    v[where.key]))
    return tuple(out)
