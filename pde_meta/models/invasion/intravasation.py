r"""Intravasation: tumour cells of the tissue grid leave as whole cells through its
vessels, into the blood (perfused vessels ``v``) or the lymph (``l``).

Two routes, each with its rate per unit vessel density:

* active: mesenchymal cells ``n`` cross the vessel wall where MMP has opened it,
  ``k_a\, V (1 - \beta_w w)`` per cell (``\beta_w = 1``: an intact wall stops them;
  ``0``: walls do not gate, as in MetaSpread, where a mesenchymal cell enters any vessel);
* passive: any cell (``n`` and ``e``) through leaky vessels, ``k_p\, V L``;

with ``V = v`` for the blood and ``V = l`` for the lymph. A grid cell of area
``dx dy`` at density 1 holds ``K = dx dy / d^2`` cells of diameter ``d``. Each vessel
point (a grid cell with ``v > 0`` or ``l > 0``) drains a catchment: itself and those of
its four neighbours that are not vessel points themselves (a neighbour of several
vessel points drains to the first one below, above, left or right), so catchments are
disjoint. A catchment holds ``N = floor(K \sum n)`` whole mesenchymal and
``floor(K \sum e)`` whole epithelial cells. Over a coupling interval ``\Delta`` each
whole cell leaves with probability ``1 - exp(-R \Delta)`` (``R`` the sum of its rates at
the vessel point), so the count is ``Binomial(N, 1 - exp(-R \Delta))``, split among the
routes and vessels in the ratios of their rates (multinomially). Exactly the cells drawn
are removed, from every grid cell of the catchment in proportion to its density, so the
tissue loses ``count / K`` (``K`` times what the ledger logs, to round-off) and stays
non-negative. A catchment holding less than one whole cell sheds nothing.

Clusters (``clusters``):

* ``"singles"``: every cell leaves alone;
* ``"local"`` (default): a cell that leaves (a leader) takes followers with probability
  ``\pi\, \phi_E``, ``\phi_E = e/(n+e)`` the catchment's epithelial fraction; the followers
  are ``min(Poisson(\lambda \min(1, \sum(n+e)/5)), S - 1)`` of the whole cells left in it,
  mesenchymal or epithelial drawn without replacement (hypergeometric). Clusters are held
  together by epithelial junctions (plakoglobin; Aceto et al. 2014: clusters of 2-50 cells,
  a few per cent of CTC events, 23-50 times the metastatic potential of single cells)
  and grow with the packing of the cells (the catchment's mean density); ``\pi`` and
  ``\lambda`` are illustrative;
* ``"metaspread"``: where a cell leaves, all whole cells of its catchment (the vessel
  point and its four neighbours) leave together as one unit (Franssen et al. 2019), at
  most ``S`` cells.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...core.options import REQUIRED, Option
from .fields import FIELDS

__all__ = ["INTRAVASATION_OPTIONS", "CLUSTER_RULES", "IntravasationRule", "intravasate",
           "cells_per_unit", "catchments", "Catchments"]

CLUSTER_RULES = ("singles", "local", "metaspread")
_N, _E = FIELDS.index("tumor"), FIELDS.index("epithelial")
_V, _LY = FIELDS.index("blood"), FIELDS.index("lymph")
_W, _L = FIELDS.index("vessel_wall"), FIELDS.index("leakiness")
#: (route, vessel) of the four ways in: active/passive x blood/lymph
WAYS = ((0, 0), (1, 0), (0, 1), (1, 1))

INTRAVASATION_OPTIONS = (
    Option("cell_size", "number", REQUIRED, "diameter of a tumour cell, so that a grid cell "
           "of area dx dy at density 1 holds dx dy / cell_size^2 whole cells (required)",
           low=0, low_open=True, units="L"),
    Option("active_rate", "number", 0.0, "rate at which a mesenchymal cell enters a vessel "
           "of unit density through an open wall", low=0, units="1/T"),
    Option("passive_rate", "number", 0.0, "rate at which any cell enters a fully leaky "
           "vessel of unit density", low=0, units="1/T"),
    Option("wall_block", "number", 1.0, "how much an intact vessel wall stops active "
           "entry (1: fully, 0: not at all, as in MetaSpread)", low=0, high=1),
    Option("clusters", "choice", "local", "how the cells that leave are grouped",
           choices=CLUSTER_RULES),
    Option("cluster_fraction", "number", 0.05, "local rule: probability that a leader in "
           "a fully epithelial region takes followers (illustrative)", low=0, high=1),
    Option("cluster_followers", "number", 3.0, "local rule: mean followers of a cluster "
           "where the cells are packed (illustrative)", low=0, high=1000),
)


@dataclass(frozen=True)
class IntravasationRule:
    """The options of :data:`INTRAVASATION_OPTIONS` (see the module docstring)."""

    cell_size: float
    active_rate: float = 0.0
    passive_rate: float = 0.0
    wall_block: float = 1.0
    clusters: str = "local"
    cluster_fraction: float = 0.05
    cluster_followers: float = 3.0


def cells_per_unit(grid, rule: IntravasationRule) -> float:
    """``K``: whole cells in one grid cell at density 1."""
    return grid.dx * grid.dy / rule.cell_size**2


@dataclass(frozen=True)
class Catchments:
    """The vessel points of a grid and the cells they drain: ``points`` (flat indices,
    ascending), ``cells`` (flat indices of every cell of a catchment) and ``owner`` (for
    each of ``cells``, the position in ``points`` of its vessel point); ``mask`` is the
    vessel mask they were made from."""

    mask: np.ndarray
    points: np.ndarray
    cells: np.ndarray
    owner: np.ndarray


def catchments(d: np.ndarray, previous: Catchments | None = None) -> Catchments:
    """The catchments of the vessels of state data ``d``: each vessel point (a cell with
    ``v > 0`` or ``l > 0``) drains itself and those of its four neighbours that are not
    vessel points (a neighbour of several drains to the first one below, above, left,
    right). ``previous`` is returned when the vessel mask is the same."""
    vessel = (d[_V] > 0) | (d[_LY] > 0)
    if previous is not None and np.array_equal(previous.mask, vessel.ravel()):
        return previous
    ny, nx = vessel.shape
    base = np.where(vessel, np.arange(ny * nx).reshape(ny, nx), -1)
    label = base.copy()
    pad = np.pad(base, 1, constant_values=-1)
    for di, dj in ((-1, 0), (1, 0), (0, -1), (0, 1)):
        nb = pad[1 + di:1 + di + ny, 1 + dj:1 + dj + nx]
        label = np.where((label < 0) & (nb >= 0), nb, label)
    label = label.ravel()
    points = np.flatnonzero(vessel)
    cells = np.flatnonzero(label >= 0)
    owner = np.searchsorted(points, label[cells])
    return Catchments(vessel.ravel().copy(), points, cells, owner)


def _rates(d: np.ndarray, pts: np.ndarray, rule: IntravasationRule
           ) -> tuple[np.ndarray, np.ndarray]:
    """Rates ``[way, point]`` of a mesenchymal and of an epithelial cell at the vessel
    points ``pts``."""
    flat = d.reshape(d.shape[0], -1)[:, pts]
    gate = 1.0 - rule.wall_block * flat[_W]
    active = rule.active_rate * gate
    passive = rule.passive_rate * flat[_L]
    zero = np.zeros_like(gate)
    rm = np.stack([active * flat[_V], passive * flat[_V], active * flat[_LY],
                   passive * flat[_LY]])
    re = np.stack([zero, passive * flat[_V], zero, passive * flat[_LY]])
    return np.maximum(rm, 0.0), np.maximum(re, 0.0)


def _draw(whole: np.ndarray, rates: np.ndarray, interval: float, rng) -> np.ndarray:
    """Cells leaving ``[way, point]``: binomial of the whole cells, split multinomially."""
    out = np.zeros(rates.shape, dtype=np.int64)
    total = rates.sum(axis=0)
    pts = np.flatnonzero((total > 0) & (whole > 0))
    if not pts.size:
        return out
    r = rates[:, pts]
    left = rng.binomial(whole[pts], -np.expm1(-total[pts] * interval))
    rest = r.sum(axis=0)
    for way in range(len(WAYS) - 1):
        q = np.divide(r[way], rest, out=np.zeros_like(rest), where=rest > 0)
        x = rng.binomial(left, np.clip(q, 0.0, 1.0))
        out[way, pts] = x
        left = left - x
        rest = rest - r[way]
    out[len(WAYS) - 1, pts] = left
    return out


def intravasate(state, rule: IntravasationRule, interval: float, max_size: int, rng,
                catch: Catchments | None = None) -> dict[str, np.ndarray]:
    """Draw the cells that leave ``state`` in ``interval`` and remove them (in place).

    Returns the event rows: columns ``x``, ``y`` (of the vessel point), ``size``,
    ``mesenchymal``, ``epithelial``, ``route`` (0 active, 1 passive), ``vessel`` (0 blood,
    1 lymph), ``count`` (the singles of one point and way are one row with their count;
    each cluster is a row of count 1). ``catch``: the :func:`catchments` of the state's
    vessels (made here when not given)."""
    d, g = state.data, state.grid
    K = cells_per_unit(g, rule)
    catch = catchments(d) if catch is None else catch
    pts, cells, owner = catch.points, catch.cells, catch.owner
    rows: list[tuple] = []
    if pts.size:
        planes = d.reshape(d.shape[0], -1)
        if not np.shares_memory(planes, d):  # pragma: no cover - states are C-contiguous
            raise ValueError("intravasate: the state's data must be C-contiguous")
        pool_m = np.bincount(owner, weights=planes[_N, cells], minlength=pts.size)
        pool_e = np.bincount(owner, weights=planes[_E, cells], minlength=pts.size)
        whole_m = np.floor(pool_m * K).astype(np.int64)
        whole_e = np.floor(pool_e * K).astype(np.int64)
        rm, re = _rates(d, pts, rule)
        lead_m = _draw(whole_m, rm, interval, rng)
        lead_e = _draw(whole_e, re, interval, rng)
        left_m = whole_m - lead_m.sum(axis=0)
        left_e = whole_e - lead_e.sum(axis=0)
        if rule.clusters == "metaspread":
            _metaspread(lead_m, lead_e, left_m, left_e, max_size, rng, rows)
        else:
            if rule.clusters == "local" and rule.cluster_fraction > 0 and max_size > 1:
                _local(pool_m, pool_e, K, rule, lead_m, lead_e, left_m, left_e, max_size,
                       rng, rows)
            for lead, is_m in ((lead_m, 1), (lead_e, 0)):
                way, p = np.nonzero(lead)
                for w, pp, c in zip(way, p, lead[way, p], strict=True):
                    rows.append((pp, 1, is_m, 1 - is_m, *WAYS[w], c))
        for plane, pool, whole, left in ((_N, pool_m, whole_m, left_m),
                                         (_E, pool_e, whole_e, left_e)):
            taken = whole - left
            if not taken.any():
                continue
            frac = np.divide(taken, pool * K, out=np.zeros(pts.size), where=taken > 0)
            planes[plane, cells] = np.maximum(planes[plane, cells] * (1.0 - frac[owner]), 0.0)
    cols = np.array(rows, dtype=np.int64).reshape(-1, 7)
    where = pts[cols[:, 0]] if cols.size else np.zeros(0, dtype=np.int64)
    i, j = np.divmod(where, g.nx)
    return {"x": g.x[j], "y": g.y[i], "size": cols[:, 1], "mesenchymal": cols[:, 2],
            "epithelial": cols[:, 3], "route": cols[:, 4], "vessel": cols[:, 5],
            "count": cols[:, 6]}


def _followers(p, want, left_m, left_e, rng) -> tuple[int, int]:
    """Take ``want`` of the whole cells left in catchment ``p`` (hypergeometric)."""
    want = int(min(want, left_m[p] + left_e[p]))
    if want <= 0:
        return 0, 0
    e = int(rng.hypergeometric(left_e[p], left_m[p], want)) if left_m[p] else want
    left_e[p] -= e
    left_m[p] -= want - e
    return want - e, e


def _local(pool_m, pool_e, K, rule, lead_m, lead_e, left_m, left_e, max_size, rng,
           rows) -> None:
    """The local cluster rule; ``pool_*``: the densities summed over each catchment."""
    total = pool_m + pool_e
    phi = np.divide(pool_e, total, out=np.zeros_like(total), where=total > 0)
    p = np.clip(rule.cluster_fraction * phi, 0.0, 1.0)
    # the packing: the mean density of the catchment's cells (whole cells / K / 5)
    packing = np.minimum(1.0, total / 5.0)
    for lead, is_m in ((lead_m, 1), (lead_e, 0)):
        way, pt = np.nonzero(lead)
        if not way.size:
            continue
        leaders = rng.binomial(lead[way, pt], p[pt])
        for w, pp, c in zip(way, pt, leaders, strict=True):
            for _ in range(int(c)):
                f = min(int(rng.poisson(rule.cluster_followers * packing[pp])),
                        max_size - 1)
                fm, fe = _followers(pp, f, left_m, left_e, rng)
                lead[w, pp] -= 1
                rows.append((pp, 1 + fm + fe, is_m + fm, 1 - is_m + fe, *WAYS[w], 1))


def _metaspread(lead_m, lead_e, left_m, left_e, max_size, rng, rows) -> None:
    """All whole cells of a catchment where a cell leaves go together (at most
    ``max_size``, the followers drawn without replacement; leaders beyond it leave
    alone)."""
    drawn = lead_m + lead_e  # [way, point]
    for pp in np.flatnonzero(drawn.sum(axis=0)):
        way = int(np.argmax(drawn[:, pp]))
        m, e = int(lead_m[:, pp].sum()), int(lead_e[:, pp].sum())
        extra = m + e - max_size
        if extra > 0:  # more leaders than a unit holds: the rest leave alone
            drop_e = min(e, extra)
            for is_m, count in ((0, drop_e), (1, extra - drop_e)):
                if count:
                    rows.append((pp, 1, is_m, 1 - is_m, *WAYS[way], count))
            e -= drop_e
            m -= extra - drop_e
        fm, fe = _followers(pp, max_size - m - e, left_m, left_e, rng)
        rows.append((pp, m + e + fm + fe, m + fm, e + fe, *WAYS[way], 1))
