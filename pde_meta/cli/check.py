"""``pde-meta check``: validate configs and sweep files and estimate their runs; writes
nothing."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..config import load_config
from ..errors import ConfigError
from ..runner import run as runner
from .common import EXIT_BAD_INPUT, EXIT_OK, error, prefixed, sprout_substeps_text
from .tables import fmt, render, size

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["add_parser", "command", "describe", "describe_sweep", "is_sweep_file",
           "MAX_MEMBER_ROWS"]

#: members listed in the table of a sweep (the others are counted)
MAX_MEMBER_ROWS = 30


#: what ``check`` says of each time scheme
SCHEME_TEXT = {"richardson": "second order in time: three first-order steps per step",
               "euler": "the first-order step"}


def add_parser(sub, epilog: str) -> None:
    p = sub.add_parser("check", help="validate configs and sweep files, estimate the runs",
                       epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Validate configs; print the grid, the time step bound "
                       "and its limiting term, the number of steps and snapshots, and the "
                       "expected output size and memory. A sweep file is checked as "
                       "pde-meta sweep checks it: the file, its base config and every "
                       "member, with a table of the members' plans. Writes nothing.")
    p.add_argument("configs", nargs="+", metavar="CONFIG", help="TOML config or sweep "
                   "file(s), e.g. configs/*.toml")
    p.set_defaults(func=command)


def is_sweep_file(path) -> bool:
    """Whether ``path`` is a sweep file (``base`` with ``[vary]``, ``[sample]``, ``[set]``
    or ``replicates``, the rule by which a config refuses to be one); False when it
    cannot be read or parsed (then :func:`load_config` says why)."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return "base" in data and any(k in data for k in ("vary", "sample", "set", "replicates"))


def _dt_line(config, plan) -> str:
    t = config.time
    bound = getattr(plan, "bound", None)
    if bound is None or getattr(plan, "dt", None) is None:
        fixed = f"{t.dt:.4g} (fixed); " if t.dt is not None else ""
        note = getattr(plan, "dt_note", "") or "the initial fields were not built"
        return f"{fixed}automatic bound not computed: {note}"
    others = ", ".join(f"{k} {v:.3g}" for k, v in bound.limits.items() if k != bound.limiting)
    if t.dt is None:
        return (f"{plan.dt:.4g} (automatic), limited by {bound.limiting} (other limits: "
                f"{others})")
    return f"{t.dt:.4g} (fixed); automatic bound {bound.dt:.4g}, limited by {bound.limiting}"


def _lattice_head(path, config, plan, schedule: str, exists: str) -> list[str]:
    """The head of :func:`describe` for a run without a tissue."""
    t, o = config.time, config.output
    listed = ", ".join(f"{c.name} ({c.model})" for c in config.lattice_compartments())
    available = getattr(plan, "available_bytes", None)
    return [
        f"{path}: ok ({config.name})",
        f"  compartments {listed}; no tissue",
        f"  steps       at most {plan.steps} to t_end = {t.t_end:g} (each compartment's "
        f"lattice steps; those with nothing to do are skipped)",
        f"  snapshots   {plan.snapshots} ({schedule})",
        f"  output      {o.path}{exists}: at most {size(plan.output_bytes)} before "
        f"{o.compression} compression",
        f"  memory      about {size(plan.memory_bytes)}"
        + (f" (available now: {size(available)})" if available else ""),
    ]


def _primary_line(c, t_end: float) -> str:
    p = c.parameters
    law = (f"hahnfeldt (V0 = {p.volume:g} mm^3, K0 = {p.vascular_capacity:g} mm^3)"
           if p.law == "hahnfeldt" else f"{p.law} (a = {p.growth_rate:g}/day"
           + (f", K = {p.capacity:g}" if p.capacity is not None else "") + ")")
    cut = (f", resected at t = {p.resection:g} leaving {p.residual:g}"
           if p.resection is not None else "")
    return (f"  primary     {c.name}: {law}, dt = {p.dt:g} days, about "
            f"{t_end * c.hours / 24.0 / p.dt:.3g} steps to t_end, sheds "
            f"{p.shedding_rate:g} x^{p.shedding_exponent:g} cells/day{cut}")


def describe(path, config, plan) -> str:
    """The lines ``check`` prints for one valid config and its :func:`runner.plan`."""
    g, t, o = config.grid, config.time, config.output
    schedule = (f"every {t.snapshot_interval:g}" if t.snapshot_interval else "")
    if t.snapshot_times:
        schedule += (" and " if schedule else "") + f"{len(t.snapshot_times)} extra times"
    exists = " (exists: run needs --overwrite)" if o.path.exists() else ""
    if not config.has_tissue:
        return "\n".join([*_lattice_head(path, config, plan, schedule, exists),
                          *_compartment_lines(config)])
    basis = getattr(plan, "steps_basis", "") or "from the initial dt"
    steps = (f"about {plan.steps} to t_end = {t.t_end:g} ({basis})"
             if getattr(plan, "bound", None) is not None
             else f"at least {plan.steps} to t_end = {t.t_end:g} (from the longest step the "
             f"grid allows)")
    available = getattr(plan, "available_bytes", None)
    lines = [
        f"{path}: ok ({config.name})",
        f"  grid        {g.ny} x {g.nx} cells on [0, {g.extent[1]:g}] x "
        f"[0, {g.extent[0]:g}] (dx = {g.dx:.4g}, dy = {g.dy:.4g})",
        f"  dt          {_dt_line(config, plan)}",
        f"  scheme      {t.scheme} ({SCHEME_TEXT.get(t.scheme, '')})"
        + (f"; {sprout_substeps_text(t.sprout_substeps)}" if "sprouts" in o.fields else ""),
        f"  steps       {steps}",
        f"  snapshots   {plan.snapshots} ({schedule}), fields {', '.join(o.fields)}, "
        f"{'float32' if o.float32 else 'float64'}",
        f"  output      {o.path}{exists}: at most {size(plan.output_bytes)} before "
        f"{o.compression} compression",
        f"  memory      about {size(plan.memory_bytes)}"
        + (f" (available now: {size(available)})" if available else ""),
    ]
    if config.units is not None:
        u = config.units
        lines.append(f"  units       L = {u.length_scale:g} cm, D = "
                     f"{u.diffusivity_scale:g} cm^2/s, T = L^2/D = {u.time_scale:.4g} s "
                     f"(t_end = {t.t_end * u.time_scale:.4g} s)")
    return "\n".join([*lines, *_compartment_lines(config)])


def _compartment_lines(config) -> list[str]:
    """The lines of the compartments that are not grids, and of the exchanges."""
    t, lines = config.time, []
    for c in config.primaries:
        lines.append(_primary_line(c, t.t_end))
    for c in config.circulations:
        steps = t.t_end * c.hours / c.parameters.dt
        organs = ", ".join(f"{o.name} ({o.site})" for o in c.organs)
        lines.append(f"  circulation {c.name}: route {c.route}, dt = "
                     f"{c.parameters.dt * 60:.3g} min, about {steps:.3g} steps to t_end "
                     f"({t.t_end * c.hours:.4g} h), organs {organs}")
    for c in config.organ_sets:
        organs = ", ".join(f"{o.name} ({o.law})" for o in c.organs)
        lines.append(f"  organs      {c.name}: dt = {c.option('dt'):g} days, organs {organs}")
    for e in config.exchanges:
        lines.append(f"  exchange    {e.kind} from {e.source} to {e.target} every "
                     f"{config.coupling_interval:g}")
    return lines


def _member_row(member, plan) -> dict:
    row = {"member": member.index}
    for key, value in member.overrides:
        row[key.rsplit(".", 1)[-1]] = fmt(value)
    dt = getattr(plan, "dt", None)
    bound = getattr(plan, "bound", None)
    row.update({"dt": fmt(dt) if dt is not None else "-",
                "limited by": bound.limiting if bound is not None else "-",
                "steps": int(plan.steps), "snapshots": int(plan.snapshots),
                "output": size(plan.output_bytes), "memory": size(plan.memory_bytes)})
    return row


def describe_sweep(path, sweep, plans: dict) -> str:
    """The lines ``check`` prints for a valid sweep: its base, what it varies, where it
    writes, and a table of the members' plans (``plans``: member index -> plan)."""
    import pandas as pd

    valid = [m for m in sweep.members if m.index in plans]
    counts = {}
    for member in sweep.members:
        for key, value in member.overrides:
            counts.setdefault(key, set()).add(repr(value))
    varies = ", ".join(f"{k} ({len(counts.get(k, ()))} values)" for k in sweep.keys)
    total = sum(plans[m.index].output_bytes for m in valid)
    memory = max((plans[m.index].memory_bytes for m in valid), default=0)
    invalid = len(sweep.members) - len(valid)
    state = "all valid" if not invalid else f"{invalid} invalid"
    try:
        data = tomllib.loads(sweep.text)
    except tomllib.TOMLDecodeError:  # pragma: no cover - load_sweep parsed it
        data = {}
    base = data.get("base") if isinstance(data.get("base"), str) else "[base]"
    fixed = ", ".join(f"{k} = {v}" for k, v in data.get("set", {}).items())
    g, t = sweep.base.grid, sweep.base.time
    cells = f"{g.ny} x {g.nx} cells" if g is not None else "no tissue"
    lines = [
        f"{path}: ok (sweep {sweep.name}: {len(sweep.members)} members, {state})",
        f"  base        {base}" + (f" with [set] {fixed}" if fixed else "")
        + f": {cells}, t_end = {t.t_end:g}"
        + (f", {sweep.replicates} replicates per point" if sweep.replicates > 1 else ""),
        f"  varies      {varies or 'nothing (only [set])'}",
        f"  output      {sweep.output}: at most {size(total)} in all before compression; "
        f"a member needs at most {size(memory)} of memory",
    ]
    rows = [_member_row(m, plans[m.index]) for m in valid[:MAX_MEMBER_ROWS]]
    if rows:
        lines.append(render(pd.DataFrame(rows), indent="  "))
    if len(valid) > MAX_MEMBER_ROWS:
        lines.append(f"  ({len(valid) - MAX_MEMBER_ROWS} more valid members not shown)")
    return "\n".join(lines)


def check_sweep(path) -> tuple[str, list[str]]:
    """Validate sweep file ``path`` and plan every member, as ``pde-meta sweep`` does
    before it runs anything: ``(text to print, problems)``; raises :class:`ConfigError`
    when the file itself is not valid."""
    from ..sweep import load_sweep

    sweep = load_sweep(path)
    plans, problems = {}, []
    if sweep.output.exists() and not sweep.output.is_dir():
        problems.append(f"{path}: output {str(sweep.output)!r} is a file; allowed: a "
                        f"directory; fix: set output in the sweep file, or give pde-meta "
                        f"sweep --output DIR")
    for member in sweep.members:
        if not member.valid:
            problems.append(f"{path}: {member.label()} is invalid: {member.error}")
            continue
        try:
            plans[member.index] = runner.plan(member.config)
        except ConfigError as exc:
            problems.append(f"{path}: {member.label()}: {' '.join(str(exc).split())}")
    return describe_sweep(path, sweep, plans), problems


def command(args) -> int:
    code = EXIT_OK
    for path in args.configs:
        try:
            if is_sweep_file(path):
                text, problems = check_sweep(path)
                print(text)
                for p in problems:
                    error(p)
                    code = EXIT_BAD_INPUT
                continue
            config = load_config(path)
            plan = runner.plan(config)
        except ConfigError as exc:
            error(prefixed(path, exc))
            code = EXIT_BAD_INPUT
            continue
        print(describe(path, config, plan))
    return code
