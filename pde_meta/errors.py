"""Exceptions raised by pde-meta.

Every message says what is wrong, where (the config key or the field), what is
allowed and how to fix it.
"""


class ConfigError(ValueError):
    """Invalid user input: a parameter, a config file, an initial field, a CLI argument."""


class SimulationError(RuntimeError):
    """The simulation could not continue (non-finite values, a time step too large, ...)."""
