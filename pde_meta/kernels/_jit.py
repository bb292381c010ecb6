"""The one place that sets the numba compilation policy for every kernel.

* ``cache=True``: compiled machine code is stored next to the sources, so a process
  compiles each kernel once, ever (not once per run);
* ``fastmath=False``: no re-association or FMA contraction, so a face flux computed from
  either side of the face is the same number (exact conservation) and results do not
  depend on vectorisation or thread count;
* ``error_model="numpy"``: division by zero gives inf/nan like numpy instead of raising,
  which keeps the inner loops free of checks;
* ``parallel=True`` only for the kernels that loop over rows or column blocks; every
  parallel loop writes disjoint memory and reductions are exact (max), so results are
  bitwise identical for any number of threads;
* OpenMP threads wait passively (``OMP_WAIT_POLICY=PASSIVE`` unless the user set it):
  with the default spinning, a step on a machine whose cores are busy with other work
  (batch jobs, sweeps, a test suite) waits for a descheduled thread at every parallel
  region and runs up to 50 times slower; sleeping costs a few microseconds per region.
"""

import hashlib
import os
from pathlib import Path

import numba


def _drop_stale_cache() -> None:
    """Remove cached machine code when any kernel source changed.

    numba checks only the source file of the cached function itself, so a kernel that
    inlines a changed helper from another file would keep its stale code. The cache here
    is keyed on all kernel sources together instead.
    """
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted(here.glob("*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    cache = here / "__pycache__"
    stamp = cache / "kernels.sha256"
    try:
        if stamp.is_file() and stamp.read_text() == digest.hexdigest():
            return
        cache.mkdir(exist_ok=True)
        for path in cache.glob("*.nb[ic]"):
            path.unlink(missing_ok=True)
        stamp.write_text(digest.hexdigest())
    except OSError:  # read-only install: numba falls back to its own cache location
        pass


_drop_stale_cache()
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # read when the OpenMP layer loads

OPTIONS = {"cache": True, "nogil": True, "fastmath": False, "error_model": "numpy"}


def jit(function):
    """Compile a serial kernel with the package policy."""
    return numba.njit(**OPTIONS)(function)


def jit_parallel(function):
    """Compile a kernel that uses ``numba.prange`` with the package policy."""
    return numba.njit(parallel=True, **OPTIONS)(function)


prange = numba.prange
