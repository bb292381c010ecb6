"""The ledger of a circulation as text (``pde-meta info``), from the dataset that
:func:`pde_meta.open_run` returns for it."""

from __future__ import annotations

import numpy as np

__all__ = ["ledger_lines"]


def _int(x) -> int:
    return int(np.asarray(x).sum())


def ledger_lines(ds, name: str, time_index: int = -1) -> list[str]:
    """Lines that account for every cell at snapshot ``time_index`` (default: the last)."""
    s = ds.isel(time=time_index)
    shed = np.asarray(s["shed"].values)            # route, vessel, kind
    singles, clusters, in_clusters = (_int(shed[..., k]) for k in range(3))
    total = singles + in_clusters
    by_route = {str(r): _int(shed[k][..., 0]) + _int(shed[k][..., 2])
                for k, r in enumerate(s.route.values)}
    by_route = {k: v for k, v in by_route.items() if v} or by_route  # the routes used
    by_vessel = {str(v): _int(shed[:, k, 0]) + _int(shed[:, k, 2])
                 for k, v in enumerate(s.vessel.values)}
    circ = np.asarray(s["circulating"].values)     # segment, kind
    dead = np.asarray(s["dead"].values)            # cause, place
    organs = [str(o) for o in s.organ.values]
    now = np.asarray(s["arrested_now"].values)
    out = np.asarray(s["extravasated"].values)
    join = lambda d: ", ".join(f"{k} {v}" for k, v in d.items())  # noqa: E731
    lines = [
        f"ledger of {name!r} at t = {float(s.time):.6g} (cells):",
        f"  shed          {total} ({singles} single, {clusters} clusters of {in_clusters} "
        f"cells; {join(by_route)}; {join(by_vessel)})",
        f"  circulating   {_int(circ[:, 0]) + _int(circ[:, 2])} ("
        + join({str(g): int(circ[k, 0] + circ[k, 2]) for k, g in enumerate(s.segment.values)})
        + ")",
        f"  dead          {_int(dead)} ("
        + join({str(c): int(dead[k].sum()) for k, c in enumerate(s.cause.values)}) + ")",
        f"  arrested      {_int(now)} awaiting their fate ("
        + join(dict(zip(organs, map(int, now), strict=True))) + ")",
        f"  extravasated  {_int(out)} ("
        + join(dict(zip(organs, map(int, out), strict=True))) + ")",
    ]
    rest = total - (_int(circ[:, 0]) + _int(circ[:, 2]) + _int(dead) + _int(now) + _int(out))
    lines.append(f"  balance       {rest} (shed - circulating - dead - arrested - "
                 f"extravasated)")
    lines.append("  funnel        organ: reached bed -> arrested -> extravasated")
    for k, o in enumerate(organs):
        lines.append(f"                {o}: {int(s['arrived'].values[k])} -> "
                     f"{int(s['arrested'].values[k])} -> {int(out[k])}")
    return lines
