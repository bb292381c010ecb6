"""pde-meta: tumour invasion of tissue (haptotaxis, MMP, oxygen, basement membrane) as
coupled PDEs, solved with numba-compiled finite volumes, in runs of coupled compartments.

Quick use::

    import pde_meta as pm
    state = pm.initial.anderson2005(128)
    final = pm.solve(state, pm.Parameters(), t_end=10.0)[-1]

This module is the public face: notebooks, scripts and the README use only the names in
``__all__``; the modules behind them may move.
"""

from importlib.metadata import PackageNotFoundError, version

from .core.grid import Grid
from .errors import ConfigError, SimulationError
from .models.invasion import initial
from .models.invasion.fields import FIELDS as FIELD_TABLE
from .models.invasion.parameters import OxygenWalls, Parameters
from .models.invasion.state import State
from .models.invasion.stepper import Stepper, iterate, solve, stable_dt

try:
    __version__ = version("pde-meta")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

#: the field names of the invasion model, in the order of its state planes
FIELDS: tuple[str, ...] = FIELD_TABLE.names

__all__ = ["ConfigError", "SimulationError", "Grid", "State", "FIELDS", "FIELD_TABLE",
           "Parameters", "OxygenWalls", "Stepper", "solve", "iterate", "stable_dt", "initial",
           "__version__", "load_config", "loads_config", "RunConfig", "simulate", "resume",
           "open_run", "open_tree", "read_info", "read_table", "load_sweep", "run_sweep",
           "open_sweep", "Circulation", "CirculationParameters", "Organ", "Primary",
           "PrimaryParameters", "metrics", "plotting"]

#: run-level names, imported on first use (h5py and scipy.ndimage load only when needed)
_LAZY = {"load_config": "config", "loads_config": "config", "RunConfig": "config",
         "simulate": "runner.run", "resume": "runner.run", "open_run": "storage",
         "open_tree": "storage", "read_info": "storage", "load_sweep": "sweep",
         "run_sweep": "sweep", "open_sweep": "sweep", "read_table": "storage",
         "Circulation": "models.circulation", "CirculationParameters": "models.circulation",
         "Organ": "models.circulation", "Primary": "models.primary",
         "PrimaryParameters": "models.primary"}
_MODULES = {"metrics": "metrics", "plotting": "plotting"}


def __getattr__(name: str):
    from importlib import import_module

    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    if name in _MODULES:
        return import_module(f".{_MODULES[name]}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
