"""The limits of a run, checked before anything is allocated: the number of snapshots
(:data:`~.schema.MAX_SNAPSHOTS`), the memory (an estimate against the available memory,
:func:`pde_meta.core.grid.check_memory`; ``PDE_META_MEMORY_CHECK=0`` switches it off) and
the number of steps (at most :data:`MAX_STEPS` to ``t_end``).

The step count needs no fields: every step of a run is at most as long as the MMP
diffusion bound of its grid (:func:`pde_meta.models.invasion.stepper.dt_limit`) or its
fixed ``time.dt``, so ``t_end`` over that is a lower bound on the steps. Once the initial
fields exist, :func:`check_steps` takes the real first steps instead.
"""

from __future__ import annotations

import math

from ..core.grid import check_memory
from ..errors import ConfigError
from ..models.invasion.fields import FIELDS as FIELD_TABLE
from ..models.invasion.stepper import MAX_STEPS_AHEAD, dt_limit
from .run_config import RunConfig

__all__ = ["RUN_PLANES", "RICHARDSON_PLANES", "MAX_STEPS", "PLAN_MAX_CELLS", "run_planes",
           "memory_estimate", "output_estimate", "check_run_memory", "dt_limits",
           "check_steps", "check_limits", "compartment_key"]

#: float64 grid planes per cell a run holds at its peak: four states (the two step
#: buffers, the initial state and the run's copy of it) and the diagnostics' and the
#: snapshot's temporaries (measured with five fields: 34 to 35 planes for the shipped
#: configs at 1024 x 1024, i.e. about 7 per field)
RUN_PLANES = 4 * len(FIELD_TABLE) + 16
#: and the two more step buffers of the ``richardson`` scheme
RICHARDSON_PLANES = 2 * len(FIELD_TABLE)
#: the most steps a run may need to reach its ``t_end``
MAX_STEPS = MAX_STEPS_AHEAD
#: ``plan()`` (``pde-meta check``) builds the initial fields, for the time step of the
#: state, of runs up to this many cells (all compartments); larger ones are planned without
PLAN_MAX_CELLS = 1024 * 1024


def compartment_key(config: RunConfig, name: str, key: str) -> str:
    """The key path of ``key`` (e.g. ``grid.shape``) of compartment ``name``."""
    return f"compartments.{name}.{key}" if config.declares_compartments else key


def run_planes(config: RunConfig) -> int:
    """Float64 planes per cell of a run of ``config``."""
    return RUN_PLANES + (RICHARDSON_PLANES if config.time.scheme == "richardson" else 0)


def memory_estimate(config: RunConfig) -> int:
    """Bytes a run of ``config`` holds at its peak, every compartment together."""
    return sum(c.grid.size for c in config.tissues()) * 8 * run_planes(config)


def output_estimate(config: RunConfig, snapshots: int) -> int:
    """The largest size of the run file before compression: the snapshots, the initial
    state and the two checkpoint slots of every compartment."""
    itemsize = 4 if config.output.float32 else 8
    planes = len(FIELD_TABLE)
    return sum(snapshots * len(config.output.fields) * c.grid.size * itemsize
               + 3 * planes * c.grid.size * 8 for c in config.tissues())


def check_run_memory(config: RunConfig) -> int:
    """Refuse a run whose :func:`memory_estimate` exceeds the available memory; returns the
    estimate."""
    needed = memory_estimate(config)
    shapes = ", ".join(f"{compartment_key(config, c.name, 'grid.shape')} = "
                       f"{list(c.grid.shape)}" for c in config.tissues())
    check_memory(needed, f"{shapes} (run {config.name!r}, {run_planes(config) * 8} bytes per cell)",
                 "a smaller grid.shape")
    return needed


def dt_limits(config: RunConfig) -> dict[str, float]:
    """The longest step each compartment can take, without its fields: the fixed
    ``time.dt``, else the MMP diffusion bound of its grid (``inf`` without MMP diffusion)."""
    t = config.time
    out = {}
    for c in config.tissues():
        bound = dt_limit(c.grid, c.parameters, t.safety).dt
        if t.dt is not None:
            stability = bound / t.safety
            if t.dt > stability:
                raise ConfigError(
                    f"time.dt = {t.dt:g} exceeds the stable bound {stability:.6g} of "
                    f"{compartment_key(config, c.name, 'grid')} (set by MMP diffusion); "
                    f"allowed: dt <= {stability:.6g}; fix: lower dt or omit it for an "
                    f"automatic step")
            bound = t.dt
        out[c.name] = bound
    return out


def check_steps(config: RunConfig, dts: dict[str, float], t_start: float = 0.0,
                key: str = "time.t_end", lower_bound: bool = False) -> None:
    """Refuse a run that needs more than :data:`MAX_STEPS` steps of ``dts`` (compartment
    -> step) from ``t_start`` to its ``t_end``; ``lower_bound``: the steps are the longest
    possible (:func:`dt_limits`)."""
    t_end = config.time.t_end
    grids = {c.name: c.grid for c in config.tissues()}
    for name, dt in dts.items():
        steps = (t_end - t_start) / dt if dt > 0 else math.inf
        if steps <= MAX_STEPS:
            continue
        if name not in grids:  # a circulation, organs, a primary: its own fixed step
            model = next((c.model for c in config.lattice_compartments()
                          if c.name == name), "circulation")
            step = "parameters.dt" if model == "circulation" else "dt"
            raise ConfigError(
                f"{key} = {t_end:g} needs about {steps:.3g} steps of the {model} "
                f"{name!r} (dt = {dt:.3g}); allowed: at most {MAX_STEPS:.0e} steps; fix: "
                f"a larger compartments.{name}.{step}, or a smaller {key}")
        g = grids[name]
        kind = "of at most" if lower_bound else "from the first step,"
        raise ConfigError(
            f"{key} = {t_end:g} needs about {steps:.3g} steps {kind} dt = {dt:.3g} on cells "
            f"of dx = {g.dx:.3g}, dy = {g.dy:.3g} ({compartment_key(config, name, 'grid')}); "
            f"allowed: at most {MAX_STEPS:.0e} steps; fix: coarser cells (a larger "
            f"grid.extent or a smaller grid.shape), weaker diffusion, or a smaller {key}")


def check_limits(config: RunConfig, t_start: float = 0.0, key: str = "time.t_end"
                 ) -> tuple[int, dict[str, float]]:
    """Every limit that needs no fields: the snapshots (the schedule is computed), the
    memory and the lower bound on the steps. Returns the memory estimate and the
    :func:`dt_limits`."""
    config.output_times()  # refuses a schedule of more than MAX_SNAPSHOTS
    memory = check_run_memory(config)
    limits = dt_limits(config)
    check_steps(config, limits, t_start, key, lower_bound=True)
    return memory, limits
