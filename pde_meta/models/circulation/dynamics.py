r"""One step of the circulation, on counts: binomial and multinomial thinning of whole
units (single cells and clusters), never one object per cell.

The state is ``n[k, s, c]``, the number of units of ``s + 1`` cells with coating ``c``
(0 bare, 1 platelet-coated) in stage ``k`` of the segments (:mod:`.graph`), and
``arrested[o, s]``, the units arrested in organ ``o`` that have not met their fate yet.
A step of length ``dt`` (hours), in this order:

1. death: a unit of ``s`` cells with coating ``c`` in a stage of segment ``j`` dies with
   probability ``1 - exp(-H dt x_j / (P(s) Q(c)))``, ``H = h_s + h_a + h_i``,
   ``P(1) = 1``, ``P(s) = P_c s^gamma_c`` for a cluster, ``Q(0) = 1``, ``Q(1) = P_plt``,
   and ``x_j = T_j / (m_j dt)`` the ratio of the segment's mean transit ``T_j`` to the
   mean time its stages take on the lattice (``m_j`` steps; 1 when ``T_j`` is a whole
   number of steps): the hazard a cell meets in a segment is ``H T_j`` on average for
   any ``dt``, and only the timing is rounded to steps; the dead are split among the
   causes in the ratios of the hazards (multinomially);
2. break-up: each cell of a cluster detaches with probability ``1 - exp(-k_d dt)``
   (the new sizes are multinomial with binomial probabilities); detached cells, and a
   cluster left with one cell, travel alone;
3. transit: every stage is left with its probability (1 for the stages of a fixed
   transit, so a unit spends exactly ``M`` steps in such a segment);
4. routing: units leaving a segment go to its bed, to the next segment, or are split
   among the arterial-fed organs by their shares (multinomially); in bed ``o`` a unit
   of ``s`` cells arrests with probability ``1 - (1 - a_o)^(s^gamma_a)``, the others
   enter the segment downstream (where they stay at least one step);
5. fate: an arrested unit meets its fate with probability ``1 - exp(-dt / T_arr)``:
   it extravasates with probability ``compatibility``, else dies (cause ``arrest``) or
   re-enters the blood downstream, bare.

Units that enter (from a tissue) first lose cells with probability ``p_d`` each (the
disaggregation of MetaSpread, there drawn at the end of the transit: with a constant
hazard over a fixed transit the two orders give the same law), then units entering the
blood are coated with probability ``p_plt`` (the lymph has no platelets). With a
constant hazard over a fixed transit a single cell survives with probability
``exp(-H T)`` exactly, whatever ``dt``.

Every cell is in exactly one of: a stage, an arrested unit, the dead (per cause and
place), the extravasated (per organ), so the ledger balances with integer equality.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .graph import SEGMENTS, Graph

__all__ = ["CAUSES", "Rates", "Accounts", "step", "enter", "binomial_pmf"]

CAUSES = ("shear", "anoikis", "immune", "arrest")


def binomial_pmf(n: int, p: float) -> np.ndarray:
    """``P(j) = C(n, j) p^j (1-p)^(n-j)``, ``j = 0..n``, summing to 1."""
    j = np.arange(n + 1)
    logc = np.array([math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
                     for k in j])
    if p <= 0.0:
        out = np.zeros(n + 1)
        out[0] = 1.0
        return out
    if p >= 1.0:
        out = np.zeros(n + 1)
        out[n] = 1.0
        return out
    out = np.exp(logc + j * math.log(p) + (n - j) * math.log1p(-p))
    return out / out.sum()


@dataclass(frozen=True)
class Rates:
    """The per-step probabilities of one circulation (from its parameters, graph, largest
    cluster and step)."""

    sizes: np.ndarray        # cells per unit, 1..S
    p_die: np.ndarray        # [stage, S, 2]
    cause_split: tuple       # shear / H, anoikis / (anoikis + immune)
    p_detach: float
    p_arrest: np.ndarray     # [O, S]
    p_fate: float
    compatibility: np.ndarray  # [O]
    reenter: bool
    p_disaggregate: float
    p_coat: float
    total_hazard: float
    place_of: np.ndarray     # per entry of the flat state: its segment
    cells_of: np.ndarray     # per entry of the flat state: cells per unit
    @classmethod
    def of(cls, params, graph: Graph, max_size: int, dt: float) -> Rates:
        sizes = np.arange(1, max_size + 1)
        total = params.shear + params.anoikis + params.immune
        protect = np.where(sizes > 1, params.cluster_protection
                           * sizes.astype(float) ** params.cluster_exponent, 1.0)
        coat = np.array([1.0, params.platelet_protection])
        # the hazard of a stage is scaled so that a segment's mean exposure is its
        # mean transit time, also when its stages are rounded to whole steps
        asked = np.array([getattr(params, SEGMENTS[s]) for s in graph.segments])
        exposure = (asked / (graph.transit_steps * dt))[graph.segment_of]
        p_die = -np.expm1(-total * dt * exposure[:, None, None]
                          / (protect[None, :, None] * coat[None, None, :]))
        q1 = params.shear / total if total > 0 else 0.0
        rest = params.anoikis + params.immune
        q2 = params.anoikis / rest if rest > 0 else 0.0
        a = np.array([o.arrest for o in graph.organs])
        power = sizes.astype(float) ** params.arrest_exponent
        with np.errstate(divide="ignore"):
            p_arrest = np.where(a[:, None] >= 1.0, 1.0,
                                -np.expm1(power[None, :] * np.log1p(-np.minimum(a, 1.0))
                                          [:, None]))
        p_fate = 1.0 if params.arrest_time == 0 else -math.expm1(-dt / params.arrest_time)
        shape = (graph.n_stages, max_size, 2)
        place_of = np.broadcast_to(graph.segment_of[:, None, None], shape).reshape(-1)
        cells_of = np.broadcast_to(sizes[None, :, None], shape).reshape(-1).copy()
        return cls(sizes, p_die, (q1, q2), -math.expm1(-params.detach_rate * dt), p_arrest,
                   p_fate, np.array([o.compatibility for o in graph.organs]),
                   params.failed_arrest == "reenter", params.disaggregation, params.coating,
                   total, place_of.copy(), cells_of)


@dataclass
class Accounts:
    """Cumulative counts of the fates (int64): the cells killed in flight per cause and
    entry of the flat state, ``killed[cause, k * S * 2 + s * 2 + c]`` (summed per place
    by :meth:`dead`), the cells that died after a failed arrest, ``failed[organ]``; per
    organ the cells that reached its bed, arrested there and extravasated; and the
    extravasated units by size, ``extravasated_units[organ, s]`` (units of ``s + 1``
    cells)."""

    killed: np.ndarray
    failed: np.ndarray
    arrived: np.ndarray
    arrested: np.ndarray
    extravasated: np.ndarray
    extravasated_units: np.ndarray

    @classmethod
    def empty(cls, graph: Graph, max_size: int) -> Accounts:
        o = len(graph.organs)
        z = lambda: np.zeros(o, dtype=np.int64)  # noqa: E731
        return cls(np.zeros((len(CAUSES) - 1, graph.n_stages * max_size * 2), dtype=np.int64),
                   z(), z(), z(), z(), np.zeros((o, max_size), dtype=np.int64))

    NAMES = ("killed", "failed", "arrived", "arrested", "extravasated", "extravasated_units")

    def arrays(self) -> dict[str, np.ndarray]:
        return {k: getattr(self, k) for k in self.NAMES}

    def dead(self, rates: Rates, places: int) -> np.ndarray:
        """Cells dead ``[cause, place]``: the segments, then the organs (a failed
        arrest)."""
        out = np.zeros((len(CAUSES), places), dtype=np.int64)
        segments = places - self.failed.size
        for cause in range(len(CAUSES) - 1):
            out[cause, :segments] = np.bincount(rates.place_of, weights=self.killed[cause],
                                                minlength=segments)[:segments]
        out[-1, segments:] = self.failed
        return out


def _cells(counts: np.ndarray, sizes: np.ndarray) -> int:
    """Cells in ``counts[..., s, c]``."""
    return int((counts.sum(axis=-1) * sizes).sum())


def _deaths(n, rates, acc, rng) -> None:
    if rates.total_hazard <= 0.0:
        return
    flat = n.reshape(-1)
    idx = np.flatnonzero(flat)
    die = rng.binomial(flat[idx], rates.p_die.reshape(-1)[idx])
    flat[idx] -= die
    q1, q2 = rates.cause_split
    shear = rng.binomial(die, q1)
    rest = die - shear
    anoikis = rng.binomial(rest, q2)
    acc.killed[:, idx] += np.stack((shear, anoikis, rest - anoikis)) * rates.cells_of[idx]


def split_clusters(units: np.ndarray, size: int, p: float, rng) -> tuple[np.ndarray,
                                                                         list, np.ndarray]:
    """``units`` clusters of ``size`` cells (an array), each cell leaving with
    probability ``p``: returns the clusters kept whole, ``[(r, count array)]`` for the
    smaller clusters of ``r >= 2`` cells, and the single cells, per entry of ``units``."""
    draws = rng.multinomial(units, binomial_pmf(size, p))
    singles = np.zeros_like(units)
    smaller = []
    for j in range(1, size + 1):
        r = size - j
        if r >= 2:
            smaller.append((r, draws[..., j]))
        singles = singles + draws[..., j] * (j + (1 if r == 1 else 0))
    return draws[..., 0], smaller, singles


def _break_up(n, rates, rng) -> None:
    if rates.p_detach <= 0.0:
        return
    k, s, c = np.nonzero(n[:, 1:, :])
    s = s + 1
    for size_index in np.unique(s):
        sel = s == size_index
        kk, cc = k[sel], c[sel]
        kept, smaller, singles = split_clusters(n[kk, size_index, cc], int(size_index) + 1,
                                                rates.p_detach, rng)
        n[kk, size_index, cc] = kept
        for r, count in smaller:
            n[kk, r - 1, cc] += count
        n[kk, 0, cc] += singles


def _bed(o, x, n, graph, rates, acc, arrested, rng) -> None:
    acc.arrived[o] += _cells(x, rates.sizes)
    caught = rng.binomial(x, rates.p_arrest[o][:, None])
    units = caught.sum(axis=1)
    arrested[o] += units
    acc.arrested[o] += int((units * rates.sizes).sum())
    n[graph.first[graph.downstream[o]]] += x - caught


def _route(exits, n, graph, rates, acc, arrested, rng) -> None:
    busy = exits.reshape(exits.shape[0], -1).any(axis=1)
    for j in np.flatnonzero(busy):
        kind, where = graph.targets[j]
        x = exits[j]
        if kind == "segment":
            n[graph.first[where]] += x
        elif kind == "bed":
            _bed(where, x, n, graph, rates, acc, arrested, rng)
        else:
            organs = [o for o, _ in graph.shares]
            flat = x.reshape(-1)
            nz = np.flatnonzero(flat)
            draws = rng.multinomial(flat[nz], [p for _, p in graph.shares])
            for i, o in enumerate(organs):
                y = np.zeros_like(flat)
                y[nz] = draws[:, i]
                if y.any():
                    _bed(o, y.reshape(x.shape), n, graph, rates, acc, arrested, rng)


def _fates(n, graph, rates, acc, arrested, rng) -> None:
    flat = arrested.reshape(-1)
    idx = np.flatnonzero(flat)
    if not idx.size:
        return
    organ, size = np.divmod(idx, arrested.shape[1])
    units = flat[idx]
    leave = units if rates.p_fate >= 1.0 else rng.binomial(units, rates.p_fate)
    out = rng.binomial(leave, rates.compatibility[organ])
    fail = leave - out
    flat[idx] -= leave
    cells = rates.sizes[size]
    count = arrested.shape[0]
    acc.extravasated += np.bincount(organ, weights=out * cells, minlength=count).astype(
        np.int64)
    acc.extravasated_units.reshape(-1)[idx] += out
    if not fail.any():
        return
    if rates.reenter:
        for o, s, f in zip(organ, size, fail, strict=True):
            n[graph.first[graph.downstream[o]], s, 0] += f
    else:
        acc.failed += np.bincount(organ, weights=fail * cells, minlength=count).astype(
            np.int64)


def step(n: np.ndarray, arrested: np.ndarray, graph: Graph, rates: Rates, acc: Accounts,
         rng: np.random.Generator, certain: np.ndarray, inner: np.ndarray,
         last: np.ndarray) -> None:
    """One step, in place (see the module docstring). ``certain``: the stages left with
    probability 1; ``inner``: the stages that are not the last of their segment; ``last``:
    the last stage of each segment."""
    if n.any():
        _deaths(n, rates, acc, rng)
        _break_up(n, rates, rng)
        move = n.copy()
        if not certain.all():
            unsure = ~certain
            move[unsure] = rng.binomial(n[unsure], graph.p_exit[unsure][:, None, None])
        n -= move
        exits = move[last]
        n[inner + 1] += move[inner]
        _route(exits, n, graph, rates, acc, arrested, rng)
    _fates(n, graph, rates, acc, arrested, rng)


def enter(n: np.ndarray, counts: np.ndarray, stage: int, rates: Rates,
          rng: np.random.Generator, coat: bool = True) -> None:
    """Units entering stage ``stage``: ``counts[s]`` units of ``s + 1`` cells; clusters
    lose cells (disaggregation), then units are coated (see the module docstring; not in
    the lymph, ``coat=False``, which has no platelets)."""
    units = np.asarray(counts, dtype=np.int64).copy()
    if rates.p_disaggregate > 0.0:
        for s in np.flatnonzero(units[1:]) + 1:
            kept, smaller, singles = split_clusters(np.array([units[s]]), int(s) + 1,
                                                    rates.p_disaggregate, rng)
            units[s] = kept[0]
            for r, count in smaller:
                units[r - 1] += count[0]
            units[0] += singles[0]
    coated = (rng.binomial(units, rates.p_coat) if coat and rates.p_coat > 0
              else np.zeros_like(units))
    n[stage, :, 0] += units - coated
    n[stage, :, 1] += coated
