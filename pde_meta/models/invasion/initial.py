"""Initial conditions: tumour shapes, ECM maps, basement membranes, and user data.

Every builder takes a :class:`~pde_meta.grid.Grid` and returns an ``(ny, nx)`` array;
:func:`anderson2005` and :func:`build_state` assemble a whole
:class:`~pde_meta.state.State`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...core.grid import Grid
from ...errors import ConfigError
from .fields import FIELDS
from .state import State

__all__ = [
    "gaussian", "band", "ellipse", "uniform", "anderson_ecm", "random_ecm",
    "membrane_ring", "membrane_line", "load_array", "check_field", "anderson2005",
    "build_state", "initial_state",
]

def gaussian(grid: Grid, center=(0.5, 0.5), width: float = 0.05, amplitude: float = 1.0
             ) -> np.ndarray:
    """``amplitude * exp(-r^2 / width^2)``, ``r`` the distance from ``center = (x, y)``.

    Anderson (2005): ``width^2 = 0.0025`` (width 0.05) at the centre of the unit square.
    """
    y, x = grid.meshgrid()
    r2 = (x - center[0]) ** 2 + (y - center[1]) ** 2
    return amplitude * np.exp(-r2 / width**2)


def wall_distance(grid: Grid, wall: str, key: str = "wall") -> np.ndarray:
    """Distance of every cell centre from ``wall`` (left, right, bottom or top)."""
    y, x = grid.meshgrid()
    ly, lx = grid.extent
    dist = {"left": x, "right": lx - x, "bottom": y, "top": ly - y}
    if wall not in dist:
        raise ConfigError(f"{key} = {wall!r} is not allowed; allowed: left, right, bottom, "
                          f"top; fix: pick one of them")
    return dist[wall]


def band(grid: Grid, wall: str = "left", depth: float = 0.1, smoothness: float = 0.0,
         amplitude: float = 1.0) -> np.ndarray:
    """A tumour band along ``wall`` (left/right/bottom/top), ``depth`` thick.

    With ``smoothness > 0`` the edge is ``exp(-(d / smoothness)^2)`` beyond ``depth``
    (``d`` the distance past the edge) instead of a step.
    """
    d = wall_distance(grid, wall, "initial.tumor.wall") - depth
    if smoothness > 0:
        return amplitude * np.where(d <= 0, 1.0, np.exp(-((d / smoothness) ** 2)))
    return amplitude * (d <= 0).astype(float)


def ellipse(grid: Grid, center=(0.5, 0.5), radii=(0.1, 0.1), amplitude: float = 1.0
            ) -> np.ndarray:
    """A disc (equal radii) or axis-aligned ellipse of uniform density."""
    y, x = grid.meshgrid()
    inside = ((x - center[0]) / radii[0]) ** 2 + ((y - center[1]) / radii[1]) ** 2 <= 1.0
    return amplitude * inside.astype(float)


def uniform(grid: Grid, value: float = 1.0) -> np.ndarray:
    return np.full(grid.shape, float(value))


def anderson_ecm(tumor: np.ndarray) -> np.ndarray:
    """Anderson's ECM, ``1 - 0.5 n``: the tumour has partly degraded the matrix it sits in."""
    return 1.0 - 0.5 * tumor


def random_ecm(grid: Grid, seed: int, correlation_length: float = 0.05, mean: float = 1.0,
               amplitude: float = 0.3) -> np.ndarray:
    """A heterogeneous ECM: a Gaussian random field, clipped at 0.

    White noise is smoothed by a Gaussian kernel of standard deviation
    ``correlation_length`` (reflecting walls), rescaled to unit variance, and mapped to
    ``mean + amplitude * g``. The same ``seed`` always gives the same field.
    """
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(seed)
    noise = rng.standard_normal(grid.shape)
    sigma = (correlation_length / grid.dy, correlation_length / grid.dx)
    g = gaussian_filter(noise, sigma=sigma, mode="reflect")
    std = g.std()
    if std > 0:
        g = (g - g.mean()) / std
    return np.clip(mean + amplitude * g, 0.0, None)


def membrane_ring(grid: Grid, center=(0.5, 0.5), radius: float = 0.15,
                  thickness: float = 0.02, density: float = 1.0) -> np.ndarray:
    """A basement membrane as an annulus of inner radius ``radius`` around ``center``.

    Cells whose centre lies within ``[radius, radius + thickness]`` of the centre get
    ``density``. Keep ``thickness`` at two cells or more so the membrane is closed.
    """
    y, x = grid.meshgrid()
    r = np.hypot(x - center[0], y - center[1])
    return density * ((r >= radius) & (r <= radius + thickness)).astype(float)


def membrane_line(grid: Grid, wall: str = "left", position: float = 0.1,
                  thickness: float = 0.02, density: float = 1.0) -> np.ndarray:
    """A membrane parallel to ``wall``, covering distances ``[position, position + thickness]``."""
    d = wall_distance(grid, wall, "initial.membrane.wall")
    return density * ((d >= position) & (d <= position + thickness)).astype(float)


def check_field(name: str, values, grid: Grid, source: str = "array") -> np.ndarray:
    """Validate a user-given field: shape, finiteness and range; returns a float64 copy."""
    where = f"initial.{name} ({source})"
    try:
        a = np.array(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: not numeric ({exc}); fix: give an array of numbers"
                          ) from None
    if a.ndim == 0:
        a = np.full(grid.shape, float(a))
    if a.shape != grid.shape:
        raise ConfigError(f"{where}: shape {a.shape} does not match the grid {grid.shape} "
                          f"(ny, nx); fix: resample it or change grid.shape")
    if not np.isfinite(a).all():
        i, j = np.argwhere(~np.isfinite(a))[0]
        raise ConfigError(f"{where}: non-finite value at (i, j) = ({i}, {j}); fix: replace "
                          f"NaN/inf values")
    lo, hi = FIELDS[name].low, FIELDS[name].high
    if a.min() < lo or a.max() > hi:
        raise ConfigError(f"{where}: values span [{a.min():g}, {a.max():g}], allowed "
                          f"[{lo:g}, {hi:g}]; fix: rescale or clip the data")
    return a


def load_array(path, grid: Grid, name: str, key: str | None = None) -> np.ndarray:
    """Read a field from a ``.npy`` file or one array of a ``.npz`` file, and validate it.

    For ``.npz`` the array is ``key`` if given, else ``name`` if present, else the only
    array in the file.
    """
    path = Path(path)
    where = f"initial.{name}"
    if not path.is_file():
        raise ConfigError(f"{where}: file {str(path)!r} does not exist; fix: check the path")
    try:
        if path.suffix == ".npz":
            with np.load(path, allow_pickle=False) as z:
                names = list(z.files)
                pick = key or (name if name in names else (names[0] if len(names) == 1 else None))
                if pick not in names:
                    raise ConfigError(f"{where}: {str(path)!r} holds {names}; fix: name the "
                                      f"array with key = \"...\"")
                data = z[pick]
        elif path.suffix == ".npy":
            data = np.load(path, allow_pickle=False)
        else:
            raise ConfigError(f"{where}: {str(path)!r} is not a .npy or .npz file")
    except ConfigError:
        raise
    except Exception as exc:  # a corrupt file: report it as bad input, not a traceback
        raise ConfigError(f"{where}: cannot read {str(path)!r}: {exc}") from None
    return check_field(name, data, grid, source=str(path))


def build_state(grid: Grid, **fields) -> State:
    """A state from named fields (arrays, scalars); each is validated, missing ones are 0."""
    FIELDS.require_known(fields, "initial")
    return State.from_fields(grid, **{k: check_field(k, v, grid) for k, v in fields.items()})


def anderson2005(n: int = 256) -> State:
    """The Anderson (2005) benchmark problem on the unit square with ``n x n`` cells.

    ``n0 = exp(-r^2/0.0025)`` centred at (0.5, 0.5), ``f0 = 1 - 0.5 n0``,
    ``m0 = 0.5 n0``, ``c0 = 1``, no membrane. Run it with the default
    :class:`~pde_meta.model.Parameters` to ``t = 10``.
    """
    grid = Grid.square(n)
    n0 = gaussian(grid, (0.5, 0.5), width=0.05)
    return build_state(grid, tumor=n0, ecm=anderson_ecm(n0), mmp=0.5 * n0, oxygen=1.0)


def _source_name(name: str, k: int, count: int) -> str:
    return f"initial.{name}" if count == 1 else f"initial.{name}[{k}]"


def initial_state(grid: Grid, sources: dict, seed: int, read_snapshot) -> State:
    """The initial state made from ``sources`` (fields without a source are 0).

    ``sources`` maps a field name to its parts, each with a ``type`` and ``options``
    (``config.initial_sources()``); the parts of a field are added. ``seed`` seeds the
    random fields that give no seed of their own; ``read_snapshot(path, field, time,
    where=...)`` returns ``(values, t)`` of a snapshot of an earlier run. Reads
    ``.npy``/``.npz`` files; every field is checked for shape, finiteness and range.
    Raises :class:`ConfigError` naming the field on failure.
    """
    values: dict[str, np.ndarray] = {}
    derived = ("anderson", "scaled")
    order = sorted(sources, key=lambda n: any(s.type in derived for s in sources[n]))
    for name in order:
        parts = sources[name]
        total = np.zeros(grid.shape)
        for k, part in enumerate(parts):
            total += _build(name, k, part, grid, seed, sources, read_snapshot, values)
        values[name] = check_field(name, total, grid,
                                            source=", ".join(p.type for p in parts))
    return build_state(grid, **values)


def _build(name: str, k: int, part, grid: Grid, seed: int, sources: dict, read_snapshot,
           done: dict) -> np.ndarray:
    o = dict(part.options)
    kind = part.type
    if kind == "gaussian":
        return gaussian(grid, o["center"], o["width"], o["amplitude"])
    if kind == "band":
        return band(grid, o["wall"], o["depth"], o["smoothness"], o["amplitude"])
    if kind == "ellipse":
        return ellipse(grid, o["center"], o["radii"], o["amplitude"])
    if kind == "uniform":
        return uniform(grid, o["value"])
    if kind == "anderson":
        return anderson_ecm(done.get("tumor", np.zeros(grid.shape)))
    if kind == "scaled":
        return o["offset"] + o["factor"] * done.get(o["of"], np.zeros(grid.shape))
    if kind == "random":
        field_seed = o["seed"]
        if field_seed is None:
            field_seed = np.random.SeedSequence(seed, spawn_key=(FIELDS.index(name), k))
        return random_ecm(grid, field_seed, o["correlation_length"], o["mean"],
                                   o["amplitude"])
    if kind == "ring":
        return membrane_ring(grid, o["center"], o["radius"], o["thickness"],
                                      o["density"])
    if kind == "line":
        return membrane_line(grid, o["wall"], o["position"], o["thickness"],
                                      o["density"])
    if kind == "file":
        return load_array(o["path"], grid, name, key=o["key"])
    if kind == "snapshot":
        where = f"{_source_name(name, k, len(sources[name]))}: "
        values, _ = read_snapshot(o["path"], o["field"] or name, o["time"],
                                           where=where)
        return check_field(name, values, grid, source=o["path"])
    raise AssertionError(kind)  # pragma: no cover - config validates the type
