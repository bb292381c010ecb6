"""STREAM-style triad bandwidth, ``a[:] = b + s * c``, as a numba ``parallel=True`` kernel.

The figure of merit follows STREAM: bytes moved per second counting the three arrays
once each, **24 bytes per element** (read ``b``, read ``c``, write ``a``). On
write-allocate caches the store to ``a`` first reads the line, so the hardware actually
moves 32 bytes per element; that figure is returned alongside (``bytes_per_s_wa``) but
:func:`triad_bandwidth` reports the 24-byte (STREAM) convention unless asked otherwise.

Method: three float64 arrays of ``n_elements`` each (default 8 Mi elements = 64 MiB per
array, 192 MiB in all, far beyond any cache), initialised in parallel so pages are
first touched by the threads that use them; one untimed warm-up call (which also JIT
compiles); then the best (minimum) time of ``repeats`` calls.
"""

from __future__ import annotations

import argparse
import json
import math
import time

import numba as nb
import numpy as np

DEFAULT_ELEMENTS = 8 * 1024 * 1024
"""8 Mi float64 elements = 64 MiB per array."""

BYTES_STREAM = 24
"""Bytes per element counted by STREAM for the triad (2 reads + 1 write)."""

BYTES_WRITE_ALLOCATE = 32
"""Bytes per element actually moved with write-allocate (2 reads + 1 RFO + 1 write)."""


@nb.njit(parallel=True, cache=False)
def _fill(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> None:
    for i in nb.prange(a.shape[0]):
        a[i] = 0.0
        b[i] = 1.0
        c[i] = 2.0


@nb.njit(parallel=True, cache=False)
def _triad(a: np.ndarray, b: np.ndarray, c: np.ndarray, s: float) -> None:
    for i in nb.prange(a.shape[0]):
        a[i] = b[i] + s * c[i]


def measure_triad(
    n_threads: int | None = None,
    n_elements: int = DEFAULT_ELEMENTS,
    repeats: int = 10,
) -> dict:
    """Run the triad and return timings and both bandwidth conventions.

    ``n_threads=None`` uses numba's current thread count (all cores by default). The
    previous thread count is restored afterwards.
    """
    if n_elements < 1:
        raise ValueError("n_elements must be positive")
    if repeats < 1:
        raise ValueError("repeats must be positive")
    previous = nb.get_num_threads()
    threads = previous if n_threads is None else int(n_threads)
    if not 1 <= threads <= nb.config.NUMBA_NUM_THREADS:
        raise ValueError(f"n_threads must be in [1, {nb.config.NUMBA_NUM_THREADS}], got {threads}")
    a = np.empty(n_elements)
    b = np.empty(n_elements)
    c = np.empty(n_elements)
    s = 3.0
    nb.set_num_threads(threads)
    try:
        _fill(a, b, c)
        _triad(a, b, c, s)  # warm-up (and compilation on first use)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            _triad(a, b, c, s)
            times.append(time.perf_counter() - start)
    finally:
        nb.set_num_threads(previous)
    if not np.all(a == 7.0):
        raise RuntimeError("triad kernel produced wrong values")
    best = min(times)
    return {
        "n_threads": threads,
        "n_elements": n_elements,
        "array_bytes": 8 * n_elements,
        "repeats": repeats,
        "best_s": best,
        "median_s": float(np.median(times)),
        "bytes_per_s": BYTES_STREAM * n_elements / best if best > 0 else math.inf,
        "bytes_per_s_wa": BYTES_WRITE_ALLOCATE * n_elements / best if best > 0 else math.inf,
    }


def triad_bandwidth(
    n_threads: int | None = None,
    n_elements: int = DEFAULT_ELEMENTS,
    repeats: int = 10,
    write_allocate: bool = False,
) -> float:
    """Best triad bandwidth in bytes/s.

    Counts 24 bytes per element (STREAM convention) by default; ``write_allocate=True``
    counts 32 bytes per element instead.
    """
    res = measure_triad(n_threads=n_threads, n_elements=n_elements, repeats=repeats)
    return res["bytes_per_s_wa"] if write_allocate else res["bytes_per_s"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--threads",
        type=int,
        nargs="*",
        default=None,
        help="thread counts to measure (default: 1 and all)",
    )
    parser.add_argument("--elements", type=int, default=DEFAULT_ELEMENTS)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args(argv)
    counts = args.threads or sorted({1, nb.config.NUMBA_NUM_THREADS})
    for k in counts:
        res = measure_triad(n_threads=k, n_elements=args.elements, repeats=args.repeats)
        res["GB_per_s"] = res["bytes_per_s"] / 1e9
        res["GB_per_s_wa"] = res["bytes_per_s_wa"] / 1e9
        print(json.dumps(res))


if __name__ == "__main__":
    main()
