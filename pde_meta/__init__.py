"""pde-meta: tumour invasion of tissue (haptotaxis, MMP, oxygen, basement membrane) as
coupled PDEs, solved with numba-compiled finite volumes.

Quick use::

    import pde_meta as pm
    state = pm.initial.anderson2005(128)
    final = pm.solve(state, pm.Parameters(), t_end=10.0)[-1]
"""

from importlib.metadata import PackageNotFoundError, version

from . import initial
from .errors import ConfigError, SimulationError
from .grid import Grid
from .model import OxygenWalls, Parameters, stable_dt
from .state import FIELDS, State
from .stepping import Stepper, iterate, solve

try:
    __version__ = version("pde-meta")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["ConfigError", "SimulationError", "Grid", "State", "FIELDS", "Parameters",
           "OxygenWalls", "Stepper", "solve", "iterate", "stable_dt", "initial", "__version__",
           "load_config", "RunConfig", "simulate", "resume", "open_run", "load_sweep",
           "run_sweep", "open_sweep"]

#: run-level names, imported on first use (h5py and scipy.ndimage load only when needed)
_LAZY = {"load_config": "config", "RunConfig": "config", "simulate": "run",
         "resume": "run", "open_run": "io", "load_sweep": "sweep", "run_sweep": "sweep",
         "open_sweep": "sweep"}


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
