"""Initial conditions: tumour shapes, ECM maps, basement membranes, and user data.

Every builder takes a :class:`~pde_meta.grid.Grid` and returns an ``(ny, nx)`` array;
:func:`anderson2005` and :func:`build_state` assemble a whole
:class:`~pde_meta.state.State`. :data:`INITIAL_TYPES` is the one table of the ``type`` s
of a config's ``[initial.<field>]``: each with its description, its options (which the
config validates and documents) and its builder, which :func:`initial_state` calls.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ...core.grid import Grid, check_memory
from ...core.options import REQUIRED, Option
from ...errors import ConfigError
from .fields import FIELDS
from .parameters import WALLS
from .state import State

__all__ = [
    "gaussian", "band", "ellipse", "uniform", "anderson_ecm", "random_ecm",
    "random_vessels", "vessel_line", "load_image", "MAX_VESSELS",
    "membrane_ring", "membrane_line", "load_array", "check_field", "anderson2005",
    "build_state", "initial_state", "INITIAL_TYPES", "InitialType", "BuildContext",
    "BUILD_PLANES", "check_build_memory",
]

#: float64 grid planes the builders hold at their peak (the fields twice, their parts,
#: the coordinates and temporaries)
BUILD_PLANES = 2 * len(FIELDS) + 8


def check_build_memory(grid: Grid, what: str = "the initial state") -> None:
    """Refuse, before allocating, to build fields on a grid that does not fit into the
    available memory (:func:`pde_meta.core.grid.check_memory`)."""
    check_memory(grid.size * 8 * BUILD_PLANES, f"{what} on a {grid.ny} x {grid.nx} grid",
                 "use a smaller grid")

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


#: most vessels one ``vessels`` part may place
MAX_VESSELS = 100_000


def random_vessels(grid: Grid, count: int, seed, avoid_center=(0.5, 0.5),
                   avoid_radius: float = 0.2, border: float = 0.05, radius: float = 0.0,
                   value: float = 1.0, key: str = "vessels") -> np.ndarray:
    """``count`` vessels at random points, as MetaSpread places them: uniform in the domain
    but not within ``avoid_radius`` of ``avoid_center`` (the tumour) nor within ``border``
    of a wall. Each vessel is a disc of ``radius`` (at least the cell holding its point)
    with density ``value``; overlapping vessels do not add up."""
    ly, lx = grid.extent
    cx, cy = avoid_center
    rng = np.random.default_rng(seed)
    points = np.empty((0, 2))
    for _ in range(1000):
        if len(points) >= count:
            break
        draw = rng.uniform((border, border), (lx - border, ly - border), (4 * count + 16, 2))
        keep = np.hypot(draw[:, 0] - cx, draw[:, 1] - cy) > avoid_radius
        points = np.concatenate([points, draw[keep]])[:count]
    if len(points) < count:
        raise ConfigError(f"{key}: no room for {count} vessels outside radius {avoid_radius:g} "
                          f"around ({cx:g}, {cy:g}) and a border of {border:g}; fix: a "
                          f"smaller avoid_radius or border")
    out = np.zeros(grid.shape)
    y, x = grid.meshgrid()
    for px, py in points:
        j = min(int(px / grid.dx), grid.nx - 1)
        i = min(int(py / grid.dy), grid.ny - 1)
        out[i, j] = value
        if radius > 0:
            out[np.hypot(x - px, y - py) <= radius] = value
    return out


def vessel_line(grid: Grid, start=(0.0, 0.5), end=(1.0, 0.5), width: float = 0.02,
                value: float = 1.0) -> np.ndarray:
    """A straight vessel: the cells whose centres lie within ``width / 2`` of the segment
    from ``start`` to ``end`` (``[x, y]``; at least the cells the segment crosses)."""
    y, x = grid.meshgrid()
    (x0, y0), (x1, y1) = start, end
    dx, dy = x1 - x0, y1 - y0
    length2 = dx * dx + dy * dy
    s = np.clip(((x - x0) * dx + (y - y0) * dy) / length2, 0, 1) if length2 > 0 else 0.0
    dist = np.hypot(x - (x0 + s * dx), y - (y0 + s * dy))
    half = max(0.5 * width, 0.5 * min(grid.dx, grid.dy))
    return value * (dist <= half * (1 + 1e-12)).astype(float)


def load_image(path, grid: Grid, name: str, invert: bool = True) -> np.ndarray:
    """A field from an image (PNG): its grey level in [0, 1], dark = 1 when ``invert`` (a
    vessel network drawn in black on white), resampled to the grid (bilinear) with the
    image's top row along the top wall."""
    from PIL import Image  # matplotlib's own image reader
    from scipy.ndimage import zoom

    where = f"initial.{name}"
    try:
        with Image.open(path) as picture:
            width, height = picture.size  # from the header: nothing decoded yet
            check_memory(width * height * 8 * 6, f"{where}: the {width} x {height} image "
                         f"{str(path)!r}", "give a smaller image")
            img = np.asarray(picture.convert("L"), dtype=float) / 255.0
    except ConfigError:
        raise
    except Exception as exc:  # a corrupt or foreign file: bad input, not a traceback
        raise ConfigError(f"{where}: cannot read image {str(path)!r}: {exc}; fix: give a "
                          f"PNG file") from None
    grey = 1.0 - img if invert else img
    factors = (grid.ny / grey.shape[0], grid.nx / grey.shape[1])
    field = np.clip(zoom(grey[::-1], factors, order=1, grid_mode=True, mode="nearest"), 0, 1)
    return check_field(name, field[:grid.ny, :grid.nx], grid, source=str(path))


def check_field(name: str, values, grid: Grid, source: str = "array") -> np.ndarray:
    """Validate a user-given field: shape, finiteness and range; returns a float64 copy."""
    where = f"initial.{name} ({source})"
    if np.iscomplexobj(values):
        raise ConfigError(f"{where}: complex values (dtype {np.asarray(values).dtype}); "
                          f"allowed: real numbers; fix: save the real part, e.g. "
                          f"numpy.save(path, values.real)")
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
    check_memory(grid.size * 8 * 2 * len(FIELDS), f"a state on a {grid.ny} x {grid.nx} grid",
                 "use a smaller grid")
    return State.from_fields(grid, **{k: check_field(k, v, grid) for k, v in fields.items()})


def anderson2005(n: int = 256) -> State:
    """The Anderson (2005) benchmark problem on the unit square with ``n x n`` cells.

    ``n0 = exp(-r^2/0.0025)`` centred at (0.5, 0.5), ``f0 = 1 - 0.5 n0``,
    ``m0 = 0.5 n0``, ``c0 = 1``, no membrane. Run it with the default
    :class:`~pde_meta.models.invasion.parameters.Parameters` to ``t = 10``.
    """
    grid = Grid.square(n)
    check_build_memory(grid, f"anderson2005({n})")
    n0 = gaussian(grid, (0.5, 0.5), width=0.05)
    return build_state(grid, tumor=n0, ecm=anderson_ecm(n0), mmp=0.5 * n0, oxygen=1.0)


# --------------------------------------------------------------------------- the registry


class BuildContext(NamedTuple):
    """What a builder of :data:`INITIAL_TYPES` may use besides its own options."""

    grid: Grid
    field: str  #: the field it builds
    index: int  #: which part of the field
    seed: int  #: the run's seed
    sources: dict  #: every field's parts
    read_snapshot: Callable  #: ``(path, field, time, where=...) -> (values, t)``
    done: dict  #: the fields built so far (the derived types use them)
    stream: tuple = ()  #: the compartment's random stream (empty: the first one)


class InitialType(NamedTuple):
    """One ``type`` of an ``[initial.<field>]`` section: its description (for the config
    reference), its options, and its builder ``build(options, context) -> array``.

    A derived type is built from the initial values of another field:
    ``derived_from(options)`` names that field. ``fields`` are the only fields it may
    describe (empty: any).
    """

    description: str
    options: tuple[Option, ...]
    build: Callable[[dict, BuildContext], np.ndarray]
    derived_from: Callable[[dict], str] | None = None
    fields: tuple[str, ...] = ()

    @property
    def derived(self) -> bool:
        return self.derived_from is not None


def _source_name(name: str, k: int, count: int) -> str:
    return f"initial.{name}" if count == 1 else f"initial.{name}[{k}]"


def _random(o: dict, at: BuildContext) -> np.ndarray:
    seed = o["seed"]
    if seed is None:
        seed = np.random.SeedSequence(
            at.seed, spawn_key=(*at.stream, FIELDS.index(at.field), at.index))
    return random_ecm(at.grid, seed, o["correlation_length"], o["mean"], o["amplitude"])


def _snapshot(o: dict, at: BuildContext) -> np.ndarray:
    where = f"{_source_name(at.field, at.index, len(at.sources[at.field]))}: "
    values, _ = at.read_snapshot(o["path"], o["field"] or at.field, o["time"], where=where)
    return check_field(at.field, values, at.grid, source=o["path"])


def _vessels(o: dict, at: BuildContext) -> np.ndarray:
    seed = o["seed"]
    if seed is None:
        seed = np.random.SeedSequence(
            at.seed, spawn_key=(*at.stream, FIELDS.index(at.field), at.index))
    return random_vessels(at.grid, o["count"], seed, o["avoid_center"], o["avoid_radius"],
                          o["border"], o["radius"], o["value"],
                          _source_name(at.field, at.index, len(at.sources[at.field])))


def _done(at: BuildContext, name: str) -> np.ndarray:
    return at.done.get(name, np.zeros(at.grid.shape))


_CENTER = Option("center", "pair", None, "`[x, y]` of the centre; default: the domain centre",
                 units="L")
_AMPLITUDE = Option("amplitude", "number", 1.0, "peak value", low=0)
_WALL = Option("wall", "choice", "left", "the wall it lies along", choices=WALLS)
_THICKNESS = Option("thickness", "number", 0.02, "thickness (keep it >= 2 cells)", low=0,
                    low_open=True, units="L")
_DENSITY = Option("density", "number", 1.0, "membrane density", low=0, high=1)
_SEED = Option("seed", "integer", None, "seed of this field; default: derived from the "
               "top-level `seed` and the field", low=0, high=2**63 - 1)

#: every ``type`` of an initial field: the one place a type is written
INITIAL_TYPES: dict[str, InitialType] = {
    "gaussian": InitialType(
        "`amplitude * exp(-r^2 / width^2)` around `center`",
        (_CENTER, Option("width", "number", 0.05, "width (Anderson 2005: 0.05, i.e. "
                         "r^2/0.0025)", low=0, low_open=True, units="L"), _AMPLITUDE),
        lambda o, at: gaussian(at.grid, o["center"], o["width"], o["amplitude"])),
    "band": InitialType(
        "a band along a wall, `depth` thick, optionally with a smooth edge",
        (_WALL, Option("depth", "number", 0.1, "thickness of the band", low=0, units="L"),
         Option("smoothness", "number", 0.0, "Gaussian edge width beyond `depth` (0: a "
                "step)", low=0, units="L"), _AMPLITUDE),
        lambda o, at: band(at.grid, o["wall"], o["depth"], o["smoothness"], o["amplitude"])),
    "ellipse": InitialType(
        "a disc or axis-aligned ellipse of uniform density",
        (_CENTER, Option("radii", "pair", (0.1, 0.1), "`[rx, ry]`", low=0, low_open=True,
                         units="L"), _AMPLITUDE),
        lambda o, at: ellipse(at.grid, o["center"], o["radii"], o["amplitude"])),
    "uniform": InitialType(
        "the same value everywhere",
        (Option("value", "number", 1.0, "the value", low=0),),
        lambda o, at: uniform(at.grid, o["value"])),
    "anderson": InitialType(
        "the ECM of Anderson (2005): `1 - 0.5 n0` (only for `ecm`)", (),
        lambda o, at: anderson_ecm(_done(at, "tumor")),
        derived_from=lambda o: "tumor", fields=("ecm",)),
    "scaled": InitialType(
        "`offset + factor * <of>`, another field's initial values rescaled",
        (Option("of", "choice", "tumor", "the field it is computed from",
                choices=FIELDS.names),
         Option("factor", "number", REQUIRED, "the factor"),
         Option("offset", "number", 0.0, "the offset")),
        lambda o, at: o["offset"] + o["factor"] * _done(at, o["of"]),
        derived_from=lambda o: o["of"]),
    "random": InitialType(
        "a Gaussian random field, clipped at 0 (`pde_meta.initial.random_ecm`)",
        (Option("correlation_length", "number", 0.05, "smoothing length", low=0,
                low_open=True, units="L"),
         Option("mean", "number", 1.0, "mean value", low=0),
         Option("amplitude", "number", 0.3, "standard deviation before clipping", low=0),
         _SEED),
        _random),
    "ring": InitialType(
        "a basement membrane as an annulus around `center`",
        (_CENTER, Option("radius", "number", 0.15, "inner radius", low=0, low_open=True,
                         units="L"), _THICKNESS, _DENSITY),
        lambda o, at: membrane_ring(at.grid, o["center"], o["radius"], o["thickness"],
                                    o["density"])),
    "line": InitialType(
        "a basement membrane parallel to a wall",
        (_WALL, Option("position", "number", 0.1, "distance from the wall", low=0,
                       units="L"), _THICKNESS, _DENSITY),
        lambda o, at: membrane_line(at.grid, o["wall"], o["position"], o["thickness"],
                                    o["density"])),
    "file": InitialType(
        "an array from a `.npy` file or one array of a `.npz` file (shape `[ny, nx]`)",
        (Option("path", "path", REQUIRED, "the file, relative to the config file"),
         Option("key", "string", None, "the array of a `.npz` file; default: the field "
                "name, else its only array")),
        lambda o, at: load_array(o["path"], at.grid, at.field, key=o["key"])),
    "vessels": InitialType(
        "vessels at random points outside the tumour and a border, as MetaSpread places "
        "them (`pde_meta.initial.random_vessels`)",
        (Option("count", "integer", 10, "number of vessels (MetaSpread: 10 on the primary)",
                low=1, high=MAX_VESSELS),
         Option("avoid_center", "pair", None, "`[x, y]` of the region kept free (the "
                "tumour); default: the domain centre", units="L"),
         Option("avoid_radius", "number", 0.2, "radius of the region kept free", low=0,
                units="L"),
         Option("border", "number", 0.05, "distance kept from the walls", low=0, units="L"),
         Option("radius", "number", 0.0, "radius of each vessel (0: one cell)", low=0,
                units="L"),
         Option("value", "number", 1.0, "vessel density", low=0, high=1), _SEED),
        _vessels, fields=("blood", "new_vessels", "lymph", "vessel_wall", "leakiness")),
    "vessel_line": InitialType(
        "a straight vessel from `start` to `end`",
        (Option("start", "pair", (0.0, 0.5), "`[x, y]` of one end", units="L"),
         Option("end", "pair", (1.0, 0.5), "`[x, y]` of the other end", units="L"),
         Option("width", "number", 0.02, "width (at least one cell)", low=0, units="L"),
         Option("value", "number", 1.0, "vessel density", low=0, high=1)),
        lambda o, at: vessel_line(at.grid, o["start"], o["end"], o["width"], o["value"])),
    "image": InitialType(
        "a PNG image's grey level in [0, 1] (dark = 1 with `invert`), resampled to the grid",
        (Option("path", "path", REQUIRED, "the image, relative to the config file"),
         Option("invert", "bool", True, "dark pixels are 1 (a network drawn in black)")),
        lambda o, at: load_image(o["path"], at.grid, at.field, o["invert"])),
    "snapshot": InitialType(
        "a field of an earlier pde-meta run (same grid)",
        (Option("path", "path", REQUIRED, "the run's HDF5 file, relative to the config "
                "file"),
         Option("time", "number", None, "the snapshot time; default: the last snapshot",
                low=0, units="T"),
         Option("field", "choice", None, "the field to read; default: the same field",
                choices=FIELDS.names)),
        _snapshot),
}


def initial_state(grid: Grid, sources: dict, seed: int, read_snapshot, stream: tuple = ()
                  ) -> State:
    """The initial state made from ``sources`` (fields without a source are 0).

    ``sources`` maps a field name to its parts, each with a ``type`` of
    :data:`INITIAL_TYPES` and ``options`` (``config.initial_sources()``); the parts of a
    field are added. ``seed`` seeds the random fields that give no seed of their own;
    ``read_snapshot(path, field, time, where=...)`` returns ``(values, t)`` of a snapshot
    of an earlier run; ``stream`` keeps the random fields of several compartments apart
    (``(k,)`` for compartment ``k > 0``). Reads ``.npy``/``.npz`` files; every field is
    checked for shape, finiteness and range. Raises :class:`ConfigError` naming the field
    on failure.
    """
    check_build_memory(grid)
    values: dict[str, np.ndarray] = {}
    order = sorted(sources, key=lambda n: any(INITIAL_TYPES[s.type].derived
                                              for s in sources[n]))
    for name in order:
        parts = sources[name]
        total = np.zeros(grid.shape)
        for k, part in enumerate(parts):
            at = BuildContext(grid, name, k, seed, sources, read_snapshot, values, stream)
            total += _build(part, at)
        values[name] = check_field(name, total, grid, source=", ".join(p.type for p in parts))
    return build_state(grid, **values)


def _build(part, at: BuildContext) -> np.ndarray:
    """One part of a field, by the builder of its type."""
    return INITIAL_TYPES[part.type].build(dict(part.options), at)
