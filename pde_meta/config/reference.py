"""The config reference, ``docs/config.md``, generated from the option tables of
:mod:`.schema` (a test keeps the file equal to :func:`reference_markdown`)."""

from __future__ import annotations

import sys

from ..core.grid import MAX_CELL_SIZE, MEMORY_CHECK_ENV, MIN_CELL_SIZE
from ..core.options import REQUIRED, Option
from ..coupling import EXCHANGES
from ..models.circulation import CIRCULATION_SPECS, DEFAULT_ORGANS, ORGAN_OPTIONS, Organ
from ..models.treatment import EFFECTS
from ..models.treatment.classes import CLASS_EFFECTS
from .circulation import CIRCULATION_OPTIONS, CIRCULATION_PARAMETER_OPTIONS
from .compartments import COMPARTMENT_OPTIONS, COUPLING_OPTIONS, EXCHANGE_OPTIONS, TISSUE_KEYS
from .limits import MAX_STEPS, PLAN_MAX_CELLS, RICHARDSON_PLANES, RUN_PLANES
from .organs import EVENT_OPTIONS, ORGAN_SOIL_OPTIONS, ORGANS_OPTIONS
from .primary import PRIMARY_CONFIG_OPTIONS
from .schema import (
    FIELD_TABLE,
    FIELDS,
    INITIAL_TYPES,
    MAX_CELLS_PER_SIDE,
    MAX_SNAPSHOTS,
    SECTIONS,
    TOP_OPTIONS,
)
from .toml import inline_toml
from .treatments import EFFECT_OPTIONS, TREATMENT_OPTIONS

__all__ = ["reference_markdown"]


def _default_text(opt: Option) -> str:
    if opt.default is REQUIRED:
        return "**required**"
    if opt.default is None:
        return "(none)"
    if isinstance(opt.default, tuple):
        return "`" + inline_toml(list(opt.default)) + "`"
    return "`" + inline_toml(opt.default) + "`"


def _table(options: tuple[Option, ...], with_units: bool = True) -> list[str]:
    rows = ["| key | type | default | allowed | units | meaning |",
            "|---|---|---|---|---|---|"]
    for o in options:
        units = f"`{o.units}`" if o.units else ""
        rows.append(f"| `{o.key}` | {o.type_name()} | {_default_text(o)} | {o.allowed()} | "
                    f"{units if with_units else ''} | {o.doc} |")
    return rows


def _exchange_kinds() -> list[str]:
    out = []
    for kind, cls in EXCHANGES.items():
        doc = (cls.__doc__ or "").strip().split("\n\n")[0]
        module = (sys.modules[cls.__module__].__doc__ or "").strip().split("\n\n")[0]
        out += [f"### `kind = \"{kind}\"`", "", " ".join(module.split()), "",
                " ".join(doc.split()), "", *_table(cls.OPTIONS), ""]
    return out


def _circulation() -> list[str]:
    organs = ", ".join(f"`{o.name}` ({o.site}, flow {o.flow:g}, arrest {o.arrest:g}, "
                       f"compatibility {o.compatibility:g})" for o in DEFAULT_ORGANS)
    return [
        "## `[compartments.<name>]` with `model = \"circulation\"`",
        "",
        "Circulating tumour cells in blood and lymph (`pde_meta.models.circulation`): "
        "counts of single cells and clusters in vessel segments, capillary beds of the "
        "organs where they arrest, an exact ledger. Fed by an `intravasation` exchange "
        "from a tissue. Its rates are per hour: the run's time unit comes from `[units]` "
        "(`time_scale` seconds) or `time_unit_hours`. Examples: `configs/metaspread.toml`, "
        "`configs/colon_to_liver.toml`.",
        "",
        *_table(CIRCULATION_OPTIONS),
        "",
        "### `[compartments.<name>.parameters]`",
        "",
        *_table(CIRCULATION_PARAMETER_OPTIONS),
        "",
        "Sources of the defaults: "
        + "; ".join(f"`{s.name}`: {s.source}" for s in CIRCULATION_SPECS if s.source) + ".",
        "",
        "### `[[compartments.<name>.organs]]`",
        "",
        " ".join((sys.modules[Organ.__module__].__doc__ or "").split()),
        "",
        *_table(ORGAN_OPTIONS),
        "",
        f"Without `[[organs]]`: {organs}. Sources: "
        + "; ".join(f"`{o.name}`: {o.source}" for o in DEFAULT_ORGANS) + ".",
        "",
    ]


def _organs() -> list[str]:
    return [
        "## `[compartments.<name>]` with `model = \"organs\"`",
        "",
        "The organs that a circulation's cells reach (`pde_meta.models.organs`): each "
        "arriving unit dies, goes dormant (and later reactivates or dies) or starts a "
        "colony of its size, and the colonies grow as a size-structured population on a "
        "log-size grid. Fed by an `extravasation` exchange from a circulation whose organs "
        "have the same names. Rates are per day; the run's time unit comes from `[units]` "
        "or `time_unit_hours`.",
        "",
        *_table(ORGANS_OPTIONS),
        "",
        "### `[[compartments.<name>.organs]]`",
        "",
        *_table(ORGAN_SOIL_OPTIONS),
        "",
        "### `[[compartments.<name>.events]]`",
        "",
        "Optional: while an event lasts (the steps that start within it), the reactivation "
        "rate of dormant cells is multiplied by its factor; overlapping events multiply.",
        "",
        *_table(EVENT_OPTIONS),
        "",
    ]


def _primary() -> list[str]:
    return [
        "## `[compartments.<name>]` with `model = \"primary\"`",
        "",
        "A primary tumour as a growth law (`pde_meta.models.primary`): its size `x_p` in "
        "cells grows by an exponential, logistic or Gompertz law (their exact solutions) or "
        "by Hahnfeldt's tumour and vascular capacity; it sheds `Poisson` cells at the rate "
        "`m x_p^alpha` per day (the exact integral over each step; shedding does not "
        "reduce `x_p`), and a `resection` leaves the fraction `residual` of it. A "
        "`shedding` exchange hands the shed cells to a circulation or straight to one organ "
        "of an organs compartment. Rates are per day; the run's time unit comes from "
        "`[units]` or `time_unit_hours`. The keys of another law are refused. Example: "
        "`configs/iwata2000.toml`.",
        "",
        *_table(PRIMARY_CONFIG_OPTIONS),
        "",
    ]


def reference_markdown() -> str:
    """The config reference (``docs/config.md``), generated from the option tables."""
    out = [
        "# Config reference",
        "",
        "<!-- Generated by pde_meta.config.reference_markdown(); "
        "tests/test_config.py checks that this file matches the code. -->",
        "",
        "A run is described by one TOML file. `pde-meta check CONFIG` validates it and "
        "prints the grid, the time step and the expected output; `pde-meta run CONFIG` runs "
        "it. Every problem in a file is reported at once, each with its key path, the value, "
        "what is allowed and the fix; unknown keys are refused with a did-you-mean "
        "suggestion. Paths are relative to the config file. The examples in `configs/` are "
        "commented.",
        "",
        "The model is non-dimensional: lengths in units of `L`, times in units of `T`, "
        "densities in units of their scales `n`, `f`, `m`, `c` (see "
        "`pde_meta/models/invasion/parameters.py`). "
        "A `[units]` section gives `L` in cm and a reference diffusivity `D` in cm^2/s "
        "(so `T = L^2/D` in s); `[physical_parameters]` then takes parameter values in "
        "physical units (L -> cm, T -> s, densities in the units of the `*_scale` values), "
        "which are converted to the model's. Both the physical and the converted values are "
        "stored in the output.",
        "",
        "## Top level",
        "",
        *_table(TOP_OPTIONS, with_units=False),
        "",
    ]
    titles = {
        "grid": "The grid: a uniform cell-centred rectangle `[0, Lx] x [0, Ly]`, arrays "
                "`(ny, nx)`.",
        "parameters": "Model parameters, non-dimensional; omitted ones take their default "
                      "(the Anderson 2005 model, every extension off).",
        "oxygen_walls": "Oxygen boundary conditions. Tumour, ECM, membrane and MMP always "
                        "have zero-flux walls.",
        "time": "Time span, step and snapshots. Output times are 0, every multiple of "
                "`snapshot_interval`, the `snapshot_times`, and `t_end`.",
        "output": "The HDF5 output (layout: `docs/hdf5.md`).",
        "units": "Optional. Scales to convert physical values; all keys without a default "
                 "are required when the section is present.",
    }
    for name, options in SECTIONS.items():
        out += [f"## `[{name}]`", "", titles[name], "", *_table(options), ""]
        if name == "parameters":
            out += ["## `[physical_parameters]`", "",
                    "The numeric keys of `[parameters]`, in physical units: the units column "
                    "above with `L` -> cm and `T` -> s (e.g. `tumor_diffusivity` in "
                    "cm^2/s, `mmp_decay` in 1/s). Requires `[units]`. A parameter may be "
                    "given in one of the two sections, not both.", ""]
    out += [
        "## `[initial.<field>]`",
        "",
        "One section per field (`" + "`, `".join(FIELDS) + "`); a field without a section "
        "starts at 0. `type` picks the builder; `[[initial.<field>]]` repeated adds the "
        "parts (e.g. two tumours). `scaled` and `anderson` use the initial values of another "
        "field, which must be given directly. Every field is checked for its shape, "
        "finiteness and range (" + ", ".join(s.name for s in FIELD_TABLE if s.high == 1.0)
        + " in [0, 1], the others >= 0) when the run starts.",
        "",
    ]
    for kind, spec in INITIAL_TYPES.items():
        doc = spec.description
        out += [f"### `type = \"{kind}\"`", "", doc[0].upper() + doc[1:] + ".", ""]
        if spec.options:
            out += [*_table(spec.options), ""]
    sections = ", ".join(f"`[{k}]`" if k != "initial" else "`[initial.<field>]`"
                         for k in TISSUE_KEYS)
    out += [
        "## `[compartments.<name>]`",
        "",
        "Optional: several compartments in one run. Without it the file describes one "
        "tissue named `tissue`, its sections at the top level. With it each "
        "`[compartments.<name>]` is a tissue with its own " + sections + " (the same keys "
        "as above, key paths `compartments.<name>.grid.shape`, ...), and none of these may "
        "stand at the top level; `[time]`, `[output]`, `[units]` and `seed` are shared. The "
        "first compartment is the one `RunConfig.grid`, `.parameters`, ... describe. The run "
        "file holds a group per compartment (`docs/hdf5.md`); each compartment draws its "
        "own random initial fields from `seed`. Example: `configs/two_tissues.toml`.",
        "",
        *_table(COMPARTMENT_OPTIONS, with_units=False),
        "",
        "## `[coupling]` and `[[exchanges]]`",
        "",
        "Exchanges move material between compartments at the coupling times, the multiples "
        "of `coupling.interval`; between them each compartment takes its own steps. Each "
        "`[[exchanges]]` names a registered `kind` (`pde_meta.coupling.EXCHANGES`), the "
        "compartments it connects and the options of its kind; every transfer is recorded "
        "in the run file's `/ledger`.",
        "",
        *_table(COUPLING_OPTIONS),
        "",
        *_table(EXCHANGE_OPTIONS, with_units=False),
        "",
        *_exchange_kinds(),
        *_circulation(),
        *_organs(),
        *_primary(),
        "## `[[treatments]]`",
        "",
        "Drugs: each with its pharmacokinetics (the plasma level, exact at every time: "
        "`pde_meta.models.treatment.pk`), its doses (one bolus, a loading dose and a "
        "regular dose `every` days `count` times, `dose_times` with `dose_amounts`, an "
        "infusion, or a constant level) and one or more `[[treatments.effects]]`, each a "
        "`target = \"<compartment>.<effect>\"` (or a drug `class`, below). Times are days from "
        "the start of the run. Example: `configs/hahnfeldt1999.toml`.",
        "",
        *_table(TREATMENT_OPTIONS),
        "",
        "`[[treatments.effects]]`:",
        "",
        *_table(EFFECT_OPTIONS),
        "",
        "Effects: " + "; ".join(f"`{k}`: {v}" for k, v in EFFECTS.items()) + ".",
        "",
        "Stopping rules: `stop` is on the clock of the doses (a day of the run; with "
        "`start_cells`, days from the trigger); `max_total` gives the bolus that would "
        "cross the cap in part, up to it. A Hill effect with `through = \"damage\"` "
        "takes `E(D)`, `D' = g - repair D`, exact (`PK.damage_at`).",
        "",
        "Drug classes (`class`; `pde_meta.models.treatment.classes`): without "
        "`[[treatments.effects]]` a class acts on every compartment of the run of the "
        "kind it fits (a compartment's model, or a primary's law: `hahnfeldt primary`, "
        "`scalar primary`), with the Hill exponent 1; with effects given, the class only "
        "labels the drug. Effects not (yet) defined, or not allowed on that kind, are "
        "skipped.",
        "",
        "| class | kind | effect | potency | emax | ec50 | source |",
        "|---|---|---|---|---|---|---|",
        *(f"| `{c}` | {k} | `{e}` | {p:g} | {m:g} | {h:g} | {src} |"
          for c, rows in CLASS_EFFECTS.items() for k, e, p, m, h, src in rows),
        "",
        "## Runs without a tissue",
        "",
        "A run may have no tissue (no compartment of model `invasion`): only primaries, "
        "circulations and organs. Its `[time]` then holds `t_end` and the snapshots only "
        "(`dt`, `safety` and `reaction_cfl` set a tissue's step, and are refused), and "
        "`output.fields` (tissue fields) is refused; each compartment steps on its own "
        "lattice.",
        "",
        "## Limits",
        "",
        "`pde-meta check`, `run`, `resume` and `pde_meta.simulate` / `resume` refuse, before "
        "they allocate or write anything, a run that breaks one of these limits (exit code 2, "
        "a one-line message with the estimate and the fix):",
        "",
        f"- at most {MAX_CELLS_PER_SIDE} cells along a side, and cells (`extent / shape`) "
        f"of a size in [{MIN_CELL_SIZE:g}, {MAX_CELL_SIZE:g}];",
        f"- at most {MAX_SNAPSHOTS} output times (also for `resume --t-end`);",
        f"- at most {MAX_STEPS:.0e} steps to `t_end` (estimated from the first step; "
        "without the fields, from the longest step the grid allows: the fixed `dt` or "
        "the MMP diffusion bound);",
        f"- memory: about {(RUN_PLANES + RICHARDSON_PLANES) * 8} bytes per cell of every "
        f"compartment ({RUN_PLANES * 8} with `scheme = \"euler\"`; the "
        "estimate `pde-meta check` prints) must fit into the memory available now "
        "(`MemAvailable` of `/proc/meminfo`, lowered by a cgroup limit or `ulimit -v`). "
        f"The initial-field builders and `Stepper` apply the same check. Set the "
        f"environment variable `{MEMORY_CHECK_ENV}=0` to switch it off (e.g. when the run "
        "will use memory freed in the meantime).",
        "",
        "`pde-meta check` builds the initial fields (and so reports the time step of the "
        f"state) only for runs up to {PLAN_MAX_CELLS} cells; for larger ones it reports "
        "the bound from the grid alone, so that checking a large config allocates no "
        "fields.",
        "",
    ]
    return "\n".join(out).rstrip("\n") + "\n"
