"""``pde-meta check``: validate configs and estimate their runs; writes nothing."""

from __future__ import annotations

import argparse

from ..config import load_config
from ..errors import ConfigError
from ..runner import run as runner
from .common import EXIT_BAD_INPUT, EXIT_OK, error, prefixed
from .tables import size

__all__ = ["add_parser", "command", "describe"]


def add_parser(sub, epilog: str) -> None:
    p = sub.add_parser("check", help="validate configs and estimate the runs",
                       epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Validate configs; print the grid, the time step bound "
                       "and its limiting term, the number of steps and snapshots, and the "
                       "expected output size and memory. Writes nothing.")
    p.add_argument("configs", nargs="+", metavar="CONFIG")
    p.set_defaults(func=command)


def describe(path, config, plan) -> str:
    """The lines ``check`` prints for one valid config and its :func:`runner.plan`."""
    g, t, o = config.grid, config.time, config.output
    others = ", ".join(f"{k} {v:.3g}" for k, v in plan.bound.limits.items()
                       if k != plan.bound.limiting)
    if t.dt is None:
        dt_line = (f"{plan.dt:.4g} (automatic), limited by {plan.bound.limiting} "
                   f"(other limits: {others})")
    else:
        dt_line = (f"{t.dt:.4g} (fixed); automatic bound {plan.bound.dt:.4g}, limited by "
                   f"{plan.bound.limiting}")
    schedule = (f"every {t.snapshot_interval:g}" if t.snapshot_interval else "")
    if t.snapshot_times:
        schedule += (" and " if schedule else "") + f"{len(t.snapshot_times)} extra times"
    exists = " (exists: run needs --overwrite)" if o.path.exists() else ""
    lines = [
        f"{path}: ok ({config.name})",
        f"  grid        {g.ny} x {g.nx} cells on [0, {g.extent[1]:g}] x "
        f"[0, {g.extent[0]:g}] (dx = {g.dx:.4g}, dy = {g.dy:.4g})",
        f"  dt          {dt_line}",
        f"  steps       about {plan.steps} to t_end = {t.t_end:g} (from the initial dt; "
        f"the automatic dt follows the state)",
        f"  snapshots   {plan.snapshots} ({schedule}), fields {', '.join(o.fields)}, "
        f"{'float32' if o.float32 else 'float64'}",
        f"  output      {o.path}{exists}: at most {size(plan.output_bytes)} before "
        f"{o.compression} compression",
        f"  memory      about {size(plan.memory_bytes)}",
    ]
    if config.units is not None:
        u = config.units
        lines.append(f"  units       L = {u.length_scale:g} cm, D = "
                     f"{u.diffusivity_scale:g} cm^2/s, T = L^2/D = {u.time_scale:.4g} s "
                     f"(t_end = {t.t_end * u.time_scale:.4g} s)")
    return "\n".join(lines)


def command(args) -> int:
    code = EXIT_OK
    for path in args.configs:
        try:
            config = load_config(path)
            plan = runner.plan(config)
        except ConfigError as exc:
            error(prefixed(path, exc))
            code = EXIT_BAD_INPUT
            continue
        print(describe(path, config, plan))
    return code
