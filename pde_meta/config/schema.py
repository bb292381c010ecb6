"""The schema of a run config: the options of every section, by name.

Each table is the single statement of its keys: :mod:`.load` validates a file against
them, :mod:`.reference` writes ``docs/config.md`` from them, and the sweep checks its key
paths with them. The options of a class that validates its own arguments are defined next
to it and only gathered here: ``[grid]`` (:class:`~pde_meta.core.grid.Grid`),
``[oxygen_walls]`` (:class:`~pde_meta.models.invasion.parameters.OxygenWalls`), the step
keys of ``[time]`` (:class:`~pde_meta.models.invasion.stepper.Stepper`); ``[parameters]``
comes from the model's parameter specs and the initial field types from the model's
registry (:data:`~pde_meta.models.invasion.initial.INITIAL_TYPES`).
"""

from __future__ import annotations

from ..core.grid import GRID_OPTIONS, MAX_CELLS_PER_SIDE
from ..core.options import MAX_TIMES, REQUIRED, Option
from ..models.invasion.fields import FIELDS as FIELD_TABLE
from ..models.invasion.initial import INITIAL_TYPES
from ..models.invasion.parameters import PARAMETER_SPECS, WALL_OPTIONS
from ..models.invasion.stepper import STEP_OPTIONS

__all__ = ["FIELDS", "MAX_CELLS_PER_SIDE", "MAX_SNAPSHOTS", "TIME_TOLERANCE", "COMPRESSIONS",
           "TOP_OPTIONS", "GRID_OPTIONS", "TIME_OPTIONS", "OUTPUT_OPTIONS", "UNITS_OPTIONS",
           "WALL_OPTIONS", "PARAMETER_OPTIONS", "parameter_options", "SECTIONS", "TOP_KEYS",
           "INITIAL_TYPES", "TYPE_OPTION"]

#: the field names of the model, in the order of its state planes
FIELDS: tuple[str, ...] = FIELD_TABLE.names
#: largest number of output times of one run
MAX_SNAPSHOTS = MAX_TIMES
#: relative tolerance under which two output times are the same
TIME_TOLERANCE = 1e-9
COMPRESSIONS = ("gzip", "lzf", "none")

TOP_OPTIONS = (
    Option("name", "string", None, "label of the run; default: the config file name without "
           "`.toml`"),
    Option("description", "string", "", "free text, stored with the run"),
    Option("seed", "integer", 0, "seed of every random initial field (`random` ECM); stored "
           "in the output", low=0, high=2**63 - 1),
)

TIME_OPTIONS = (
    Option("t_end", "number", REQUIRED, "final time", low=0, low_open=True, units="T"),
    Option("dt", "number", None, "fixed time step; omitted: automatic (recommended); a dt "
           "above the stable bound is refused", low=0, low_open=True, units="T"),
    *STEP_OPTIONS,  # safety, reaction_cfl
    Option("snapshot_interval", "number", None, "write a snapshot every this much time "
           "(and at t = 0 and t_end); default: t_end / 10 when `snapshot_times` is not "
           "given", low=0, low_open=True, units="T"),
    Option("snapshot_times", "times", (), "extra snapshot times in [0, t_end], written in "
           "addition to the interval ones", low=0, units="T"),
)

OUTPUT_OPTIONS = (
    Option("path", "path", None, "the HDF5 file of the run, relative to the config file; "
           "default: `<name>.h5` next to it; `pde-meta run --output` overrides it"),
    Option("fields", "fields", None, "the fields stored in each snapshot; default: the "
           "fields the run uses (tumor, ecm, membrane, mmp, oxygen; epithelial when it is "
           "initialised or met_rate > 0; the vessel fields when one of them is initialised "
           "or taf_secretion > 0)", choices=FIELDS),
    Option("float32", "bool", False, "store snapshots as float32 (the checkpoint is always "
           "float64)"),
    Option("compression", "choice", "gzip", "compression of the snapshot chunks",
           choices=COMPRESSIONS),
    Option("compression_level", "integer", 4, "gzip level", low=0, high=9),
    Option("checkpoint_seconds", "number", 60.0, "also checkpoint this often (wall-clock "
           "seconds) between snapshots; 0: only at snapshots and at the end", low=0),
)

UNITS_OPTIONS = (
    Option("length_scale", "number", REQUIRED, "the length L that is 1 in the model",
           low=0, low_open=True, units="cm"),
    Option("diffusivity_scale", "number", REQUIRED, "the reference diffusivity D; the time "
           "unit is T = L^2 / D", low=0, low_open=True, units="cm^2/s"),
    Option("tumor_scale", "number", 1.0, "the tumour density that is 1 in the model (in the "
           "density units of the physical values)", low=0, low_open=True),
    Option("ecm_scale", "number", 1.0, "the ECM density that is 1 in the model", low=0,
           low_open=True),
    Option("mmp_scale", "number", 1.0, "the MMP concentration that is 1 in the model", low=0,
           low_open=True),
    Option("oxygen_scale", "number", 1.0, "the oxygen concentration that is 1 in the model",
           low=0, low_open=True),
    Option("taf_scale", "number", 1.0, "the TAF concentration that is 1 in the model", low=0,
           low_open=True),
    Option("sprout_scale", "number", 1.0, "the sprout-tip density that is 1 in the model",
           low=0, low_open=True),
)


def parameter_options(specs=PARAMETER_SPECS) -> tuple[Option, ...]:
    """One option per parameter spec (a model's ``[parameters]`` section)."""
    return tuple(
        Option(s.name, "choice", s.default, s.doc, choices=s.choices) if s.choices else
        Option(s.name, "number", s.default, f"{s.symbol}: {s.doc}", low=s.low, high=s.high,
               low_open=not s.low_inclusive, units=s.units)
        for s in specs)


#: ``[parameters]``, one option per parameter spec of the model
PARAMETER_OPTIONS = parameter_options()

#: every section with plain keys: name -> options
SECTIONS: dict[str, tuple[Option, ...]] = {
    "grid": GRID_OPTIONS,
    "parameters": PARAMETER_OPTIONS,
    "oxygen_walls": WALL_OPTIONS,
    "time": TIME_OPTIONS,
    "output": OUTPUT_OPTIONS,
    "units": UNITS_OPTIONS,
}
#: every key a config may have at its top level
TOP_KEYS = (*(o.key for o in TOP_OPTIONS), *SECTIONS, "physical_parameters", "initial",
            "compartments", "coupling", "exchanges", "treatments")

#: the ``type`` key of an ``[initial.<field>]`` section
TYPE_OPTION = Option("type", "choice", REQUIRED, "how the field is made",
                     choices=tuple(INITIAL_TYPES))
