"""The whole funnel of a cascade, from the cells shed to the macrometastases of each
organ: a module that knows the variable names of a circulation (``shed``, ``arrived``,
``arrested``, ``extravasated``) and of organs (``started``, ``reactivated`` and the
``<organ>_micrometastases`` / ``<organ>_macrometastases`` diagnostics).
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from . import style

__all__ = ["plot_cascade"]

#: the steps of the funnel per organ: (label, where it comes from, the name)
STEPS = (("reached its bed", "blood", "arrived"), ("arrested", "blood", "arrested"),
         ("extravasated", "blood", "extravasated"),
         ("started colonies", "organs", None),
         ("micrometastases", "organs", "micrometastases"),
         ("macrometastases", "organs", "macrometastases"))


def plot_cascade(blood, organs, *, figsize=None) -> Figure:
    """Per organ of ``organs`` (the datasets of a circulation and of the organs it feeds),
    at the last snapshot: the cells that reached the organ's bed, arrested and
    extravasated, the cells that started colonies there (at once or after dormancy), and
    its micro- and macrometastases (colonies), under the cells shed in all (log axis)."""
    b, o = blood.isel(time=-1), organs.isel(time=-1)
    names = [str(x) for x in o.organ.values]
    figsize = figsize or (max(6.0, 1.8 * len(names) + 3.0), 4.2)
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.subplots()
    shed = np.asarray(b["shed"].values, dtype=float)
    total = shed[..., 0].sum() + shed[..., 2].sum()
    width = 0.8 / len(STEPS)
    x = np.arange(len(names))
    for s, (label, source, var) in enumerate(STEPS):
        y = []
        for name in names:
            if source == "blood":
                y.append(float(b[var].sel(organ=name).values))
            elif var is None:
                y.append(float(o["started"].sel(organ=name).values
                               + o["reactivated"].sel(organ=name).values))
            else:
                y.append(float(o[f"{name}_{var}"].values))
        y = np.array(y)
        ax.bar(x + (s - (len(STEPS) - 1) / 2) * width, np.where(y > 0, y, np.nan), width,
               label=label, color=f"C{s}")
    if total > 0:
        ax.axhline(total, color="k", lw=1, ls="--", label=f"shed: {total:.3g} cells")
        ax.set_yscale("log")
        lo, _ = ax.get_ylim()
        ax.set_ylim(min(lo, 0.5), total * (60 if len(names) > 2 else 3000))  # the legend
    ax.set_xticks(x, names)
    ax.set_ylabel("cells; colonies for the metastases")
    ax.legend(fontsize="small", loc="upper center", ncols=4 if len(names) > 2 else 2)
    ax.set_title(f"the cascade from shed to macrometastasis, "
                 f"{style.time_text(organs, float(organs.time[-1]))}")
    return fig
