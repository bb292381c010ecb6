"""The models: each subpackage owns its equations, fields, parameters, kernels and their
numpy twins, initial conditions and diagnostics. Nothing outside a model spells its field
names.

:data:`MODELS` maps a model name (as written in ``[compartments.<name>] model = ...``) to
its package; :func:`get_model` imports it on first use.
"""

from importlib import import_module

__all__ = ["MODELS", "get_model"]

#: model name -> subpackage
MODELS = {"invasion": "invasion", "circulation": "circulation", "organs": "organs",
          "primary": "primary"}


def get_model(name: str):
    """The package of model ``name`` (a :class:`KeyError` listing the models otherwise)."""
    if name not in MODELS:
        raise KeyError(f"unknown model {name!r}; the models are {sorted(MODELS)}")
    return import_module(f".{MODELS[name]}", __name__)
