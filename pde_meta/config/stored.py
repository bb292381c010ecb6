"""The config stored in a run file, read so that the run continues as it began.

A stored config names every step setting of its tissues that existed when it was written;
a setting added since gets the value it had then (:data:`STORED_TIME_DEFAULTS`), not
today's default, so that ``resume`` and a sweep continue the file with the same bits.
"""

from dataclasses import replace

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from .load import loads_config
from .run_config import RunConfig

__all__ = ["STORED_TIME_DEFAULTS", "loads_stored_config", "stored_scheme",
           "stored_step_settings"]


#: the step settings of a tissue as they were before a config stored them: a stored
#: config that names one of them was written while this was its default (every file
#: since stores them), and is continued with it
STORED_TIME_DEFAULTS = {"scheme": "euler", "sprout_substeps": 1}


def _stored_time(text: str) -> dict:
    """The ``[time]`` table of a stored config (empty if it has none or does not parse)."""
    try:
        time = tomllib.loads(text).get("time", {})
    except tomllib.TOMLDecodeError:
        time = {}
    return time if isinstance(time, dict) else {}


def stored_step_settings(text: str) -> dict:
    """The step settings (:data:`STORED_TIME_DEFAULTS`' keys) of the tissues of a config
    stored in a run file: those it names, and for the others the values they had when
    it was written."""
    time = _stored_time(text)
    return {k: time.get(k, v) for k, v in STORED_TIME_DEFAULTS.items()}


def stored_scheme(text: str) -> str:
    """The time scheme of the tissues of a config stored in a run file: its
    ``time.scheme``, or ``euler`` for one that names none, which was written while the
    first-order step was the default (every file since stores its scheme)."""
    return stored_step_settings(text)["scheme"]


def loads_stored_config(text: str, *, name: str = "run") -> RunConfig:
    """The config stored in a run file, its tissues' step settings that it does not name
    as they were when it was written (:data:`STORED_TIME_DEFAULTS`), so that a run
    continues as it began."""
    config = loads_config(text, check_files=False, name=name)
    if config.has_tissue:
        time = _stored_time(text)
        then = {k: v for k, v in STORED_TIME_DEFAULTS.items() if k not in time}
        if then:
            config = replace(config, time=replace(config.time, **then))
    return config
