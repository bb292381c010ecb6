"""Run configuration: a TOML file in, a frozen and validated :class:`RunConfig` out.

A config file has these sections (every key, its type, default and allowed range is in
``docs/config.md``, which :func:`reference_markdown` generates from the tables below)::

    name = "default"          # label of the run (default: the file name without .toml)
    seed = 0                  # seed of every random initial field

    [grid]                    # shape = [ny, nx], extent = [Ly, Lx]
    [parameters]              # model parameters, non-dimensional (the model's specs)
    [physical_parameters]     # the same names in physical units, converted with [units]
    [units]                   # length scale (cm) and reference diffusivity (cm^2/s)
    [oxygen_walls]            # fixed oxygen level on a wall (a vessel); omitted = zero flux
    [initial.<field>]         # how each field starts (omitted fields start at 0);
                              # [[initial.<field>]] several times adds the parts
    [time]                    # t_end, dt, snapshots
    [output]                  # HDF5 path, stored fields, float32, compression, checkpoints

Every problem of a file is reported at once, in one :class:`~pde_meta.errors.ConfigError`
whose message is a single line: each problem names its key path, the value, what is
allowed and the fix; an unknown key comes with a did-you-mean suggestion. Paths in a
config are relative to the config file; a loaded config holds them absolute, so that
:meth:`RunConfig.to_toml` (stored in every run's HDF5 file) reads the same from anywhere.

The package: :mod:`.schema` (the option tables), :mod:`.run_config` (:class:`RunConfig`
and its parts), :mod:`.load` (reading and validating), :mod:`.toml` (writing TOML),
:mod:`.reference` (``docs/config.md``), :mod:`.limits` (snapshots, memory and steps of a
run, checked before anything is allocated). The names below are its public face; the generic
option machinery (:class:`Option`, :func:`check_option`, the message helpers) lives in
:mod:`pde_meta.core.options`.
"""

from ..core.options import (
    REQUIRED,
    Option,
    check_option,
    did_you_mean,
    problem,
    read_options,
    read_top,
    short,
    unknown_key,
    valid,
)
from .circulation import CIRCULATION_OPTIONS, CIRCULATION_PARAMETER_OPTIONS, CirculationConfig
from .compartments import exchange_options
from .limits import (
    MAX_STEPS,
    PLAN_MAX_CELLS,
    RUN_PLANES,
    check_limits,
    check_run_memory,
    check_steps,
    dt_limits,
    memory_estimate,
    output_estimate,
)
from .load import (
    config_from_dict,
    file_name,
    load_config,
    loads_config,
    merge_changes,
)
from .organs import EVENT_OPTIONS, ORGAN_SOIL_OPTIONS, ORGANS_OPTIONS, OrgansConfig
from .primary import PRIMARY_CONFIG_OPTIONS, PrimaryConfig
from .reference import reference_markdown
from .run_config import (
    FieldSource,
    OutputConfig,
    RunConfig,
    TimeConfig,
    Units,
    absolute_path,
    check_snapshots,
    output_times,
    physical_units,
    unit_exponents,
)
from .schema import (
    FIELDS,
    GRID_OPTIONS,
    INITIAL_TYPES,
    MAX_CELLS_PER_SIDE,
    MAX_SNAPSHOTS,
    OUTPUT_OPTIONS,
    PARAMETER_OPTIONS,
    SECTIONS,
    TIME_OPTIONS,
    TIME_TOLERANCE,
    TOP_KEYS,
    TOP_OPTIONS,
    TYPE_OPTION,
    UNITS_OPTIONS,
    WALL_OPTIONS,
)
from .stored import loads_stored_config, stored_scheme, stored_step_settings
from .toml import dump_toml

__all__ = [
    # the config and its parts
    "RunConfig", "FieldSource", "TimeConfig", "OutputConfig", "Units",
    # reading and writing
    "load_config", "loads_config", "loads_stored_config", "stored_scheme",
    "stored_step_settings",
    "config_from_dict", "merge_changes", "dump_toml",
    "reference_markdown", "output_times", "physical_units", "unit_exponents",
    "absolute_path", "file_name", "check_snapshots",
    # the limits of a run
    "MAX_STEPS", "PLAN_MAX_CELLS", "RUN_PLANES", "memory_estimate", "output_estimate",
    "check_run_memory", "dt_limits", "check_steps", "check_limits",
    # the schema
    "SECTIONS", "TOP_OPTIONS", "TOP_KEYS", "GRID_OPTIONS", "TIME_OPTIONS", "OUTPUT_OPTIONS",
    "UNITS_OPTIONS", "WALL_OPTIONS", "PARAMETER_OPTIONS", "INITIAL_TYPES", "TYPE_OPTION",
    "FIELDS", "MAX_CELLS_PER_SIDE", "MAX_SNAPSHOTS", "TIME_TOLERANCE",
    "CIRCULATION_OPTIONS", "CIRCULATION_PARAMETER_OPTIONS", "CirculationConfig",
    "exchange_options", "ORGANS_OPTIONS", "ORGAN_SOIL_OPTIONS", "EVENT_OPTIONS",
    "OrgansConfig", "PRIMARY_CONFIG_OPTIONS", "PrimaryConfig",
    # options and their messages (from pde_meta.core.options)
    "Option", "REQUIRED", "check_option", "read_options", "read_top", "valid", "problem",
    "short", "did_you_mean", "unknown_key",
]
