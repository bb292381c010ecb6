"""The computational grid: a uniform, cell-centred rectangle with zero-flux walls; and the
one memory limit of everything that allocates fields on grids (:func:`check_memory`)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from ..errors import ConfigError
from .options import REQUIRED, Option, check_option

try:
    import resource
except ImportError:  # pragma: no cover - not on Windows
    resource = None

__all__ = ["Grid", "GRID_OPTIONS", "MAX_CELLS_PER_SIDE", "MIN_CELL_SIZE", "MAX_CELL_SIZE",
           "MEMORY_CHECK_ENV", "available_memory", "memory_check_enabled", "check_memory",
           "format_bytes"]

#: largest number of cells along one side of the grid
MAX_CELLS_PER_SIDE = 16384
#: the range of a cell's side (``extent / shape``): its square and inverse square (the
#: diffusion bounds) stay finite and normal floats
MIN_CELL_SIZE, MAX_CELL_SIZE = 1e-100, 1e100
#: set to ``0`` (or ``off``, ``false``, ``no``) to switch the memory check off
MEMORY_CHECK_ENV = "PDE_META_MEMORY_CHECK"

#: the rules of a grid: the ``[grid]`` section of a config, and :class:`Grid` itself
GRID_OPTIONS = (
    Option("shape", "ipair", REQUIRED, "`[ny, nx]`: cells along y and x (integers)",
           low=3, high=MAX_CELLS_PER_SIDE),
    Option("extent", "pair", (1.0, 1.0), "`[Ly, Lx]`: side lengths of the domain", low=0,
           low_open=True, units="L"),
)


@dataclass(frozen=True, kw_only=True)
class Grid:
    """Uniform cell-centred grid on ``[0, length_x] x [0, length_y]``.

    Arrays on the grid have shape ``(ny, nx)``: row ``i`` is the y index, column ``j``
    the x index. Cell ``(i, j)`` has its centre at ``((j + 1/2) dx, (i + 1/2) dy)``.

    Parameters
    ----------
    shape : tuple of int
        ``(ny, nx)``, the number of cells along y and x (each >= 3).
    extent : tuple of float
        ``(length_y, length_x)``, the side lengths of the domain (non-dimensional).
    """

    shape: tuple[int, int]
    extent: tuple[float, float] = (1.0, 1.0)

    def __post_init__(self) -> None:
        checked, problems = {}, []
        for opt in GRID_OPTIONS:
            value = getattr(self, opt.key)
            if isinstance(value, np.ndarray):
                value = tuple(value.tolist())
            checked[opt.key], found = check_option(f"grid.{opt.key}", value, opt)
            if found:
                problems.append(found)
        if problems:
            raise ConfigError(" | ".join(problems))
        shape, extent = checked["shape"], checked["extent"]
        cells = [e / n for e, n in zip(extent, shape, strict=True)]
        if not all(MIN_CELL_SIZE <= h <= MAX_CELL_SIZE for h in cells):
            raise ConfigError(
                f"grid.extent = {list(extent)} gives cells of dy = {cells[0]:.3g}, dx = "
                f"{cells[1]:.3g} on a {shape[0]} x {shape[1]} grid; allowed: a cell size "
                f"(extent / shape) in [{MIN_CELL_SIZE:g}, {MAX_CELL_SIZE:g}]; fix: rescale "
                f"the lengths (e.g. extent = [1.0, 1.0] with [units] length_scale)")
        object.__setattr__(self, "shape", shape)
        object.__setattr__(self, "extent", extent)

    @classmethod
    def square(cls, n: int, length: float = 1.0) -> Grid:
        """An ``n x n`` grid on ``[0, length]^2``."""
        return cls(shape=(n, n), extent=(length, length))

    @property
    def ny(self) -> int:
        return self.shape[0]

    @property
    def nx(self) -> int:
        return self.shape[1]

    @property
    def dy(self) -> float:
        return self.extent[0] / self.shape[0]

    @property
    def dx(self) -> float:
        return self.extent[1] / self.shape[1]

    @property
    def cell_area(self) -> float:
        return self.dx * self.dy

    @property
    def size(self) -> int:
        return self.shape[0] * self.shape[1]

    @cached_property
    def x(self) -> np.ndarray:
        """Cell-centre x coordinates, shape ``(nx,)``."""
        return (np.arange(self.nx) + 0.5) * self.dx

    @cached_property
    def y(self) -> np.ndarray:
        """Cell-centre y coordinates, shape ``(ny,)``."""
        return (np.arange(self.ny) + 0.5) * self.dy

    def meshgrid(self) -> tuple[np.ndarray, np.ndarray]:
        """``(Y, X)`` arrays of cell-centre coordinates, each of shape ``(ny, nx)``."""
        return np.meshgrid(self.y, self.x, indexing="ij")

    def integrate(self, values: np.ndarray) -> float:
        """The integral of a cell-average field over the domain."""
        return float(np.sum(values) * self.cell_area)


# --------------------------------------------------------------------------- memory


def format_bytes(n: float) -> str:
    """``1536`` -> ``"1.5 KiB"``."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.3g} {unit}"
        n /= 1024
    return f"{n:.3g} TiB"  # pragma: no cover


def _meminfo_available() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _cgroup_available() -> int | None:
    """What the memory cgroup of this process still allows (v2, then v1), if limited."""
    for limit, usage in (("memory.max", "memory.current"),
                         ("memory/memory.limit_in_bytes", "memory/memory.usage_in_bytes")):
        try:
            top = Path("/sys/fs/cgroup", limit).read_text().strip()
            used = Path("/sys/fs/cgroup", usage).read_text().strip()
            if top.isdigit() and int(top) < 2**60:
                return max(0, int(top) - int(used))
        except (OSError, ValueError):
            continue
    return None


def _address_space_available() -> int | None:
    """What ``RLIMIT_AS`` (``ulimit -v``) still allows this process to map."""
    if resource is None:  # pragma: no cover
        return None
    try:
        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft == resource.RLIM_INFINITY:
            return None
        pages = int(Path("/proc/self/statm").read_text().split()[0])
        return max(0, soft - pages * os.sysconf("SC_PAGE_SIZE"))
    except (OSError, ValueError, IndexError):
        return None


def available_memory() -> int | None:
    """Bytes this process can still allocate: ``MemAvailable`` of ``/proc/meminfo``
    (else ``os.sysconf``), lowered by a memory cgroup's limit and by ``RLIMIT_AS``;
    None when nothing can be read."""
    found = [v for v in (_meminfo_available(), _cgroup_available(),
                         _address_space_available()) if v is not None]
    return min(found) if found else None


def memory_check_enabled() -> bool:
    """False when the environment variable :data:`MEMORY_CHECK_ENV` switches it off."""
    value = os.environ.get(MEMORY_CHECK_ENV, "1").strip().lower()
    return value not in ("0", "off", "false", "no")


def check_memory(needed: int, what: str, fix: str) -> None:
    """Refuse, before anything is allocated, a job of about ``needed`` bytes that does not
    fit into :func:`available_memory`: a :class:`ConfigError` naming ``what``, the estimate,
    the available memory, ``fix`` and the override (``PDE_META_MEMORY_CHECK=0``)."""
    if not memory_check_enabled():
        return
    available = available_memory()
    if available is None or needed <= available:
        return
    raise ConfigError(f"{what} needs about {format_bytes(needed)} of memory, but only "
                      f"{format_bytes(available)} is available; allowed: an estimate within "
                      f"the available memory; fix: {fix}, or set {MEMORY_CHECK_ENV}=0 to "
                      f"run it anyway")
