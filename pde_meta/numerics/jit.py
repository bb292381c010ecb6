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
* a kernel that a parallel loop calls is compiled once, as a C function with a fixed
  symbol name (:func:`native`), and called through that name (:func:`native_call`).
  numba otherwise links a callee's code into every caller and optimises and compiles it
  again at each level (callee, parallel loop body, kernel, time loop): four times the
  work for the largest loops;
* LLVM may emit up to :data:`MEMORY_CHECKS` run-time overlap checks to vectorise a loop
  (:data:`MEMORY_CHECKS`): elementwise loops over several rows vectorise, and vector code
  of elementwise arithmetic gives the same bits as scalar code;
* OpenMP threads wait passively (``OMP_WAIT_POLICY=PASSIVE`` unless the user set it):
  with the default spinning, a step on a machine whose cores are busy with other work
  (batch jobs, sweeps, a test suite) waits for a descheduled thread at every parallel
  region and runs up to 50 times slower; sleeping costs a few microseconds per region.
"""

import hashlib
import os
from pathlib import Path

import llvmlite.binding
import numba
from llvmlite import ir
from numba.core import cgutils, types
from numba.core.errors import TypingError
from numba.extending import intrinsic


def kernel_sources() -> list[Path]:
    """Every source file whose code numba compiles: this package and each model's kernels."""
    package = Path(__file__).resolve().parents[1]
    return sorted([*Path(__file__).parent.glob("*.py"),
                   *package.glob("models/*/kernels/*.py")])


def _drop_stale_cache() -> None:
    """Remove cached machine code when any kernel source changed.

    numba checks only the source file of the cached function itself, so a kernel that
    inlines a changed helper from another file would keep its stale code. The cache here
    is keyed on all kernel sources together instead (:func:`kernel_sources`).
    """
    sources = kernel_sources()
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sources:
        digest.update(str(path.relative_to(package)).encode() + path.read_bytes())
    stamp = Path(__file__).parent / "__pycache__" / "kernels.sha256"
    try:
        if stamp.is_file() and stamp.read_text() == digest.hexdigest():
            return
        for folder in sorted({path.parent / "__pycache__" for path in sources}):
            folder.mkdir(exist_ok=True)
            for path in folder.glob("*.nb[ic]"):
                path.unlink(missing_ok=True)
        stamp.write_text(digest.hexdigest())
    except OSError:  # read-only install: numba falls back to its own cache location
        pass


_drop_stale_cache()
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # read when the OpenMP layer loads

#: comparisons LLVM's loop vectoriser may emit to prove at run time that a loop's arrays
#: do not overlap (its default, 8, gives up on a loop that writes two rows and reads five)
MEMORY_CHECKS = 64
llvmlite.binding.set_option("pde_meta", f"-runtime-memory-check-threshold={MEMORY_CHECKS}")

OPTIONS = {"cache": True, "nogil": True, "fastmath": False, "error_model": "numpy"}


def jit(function):
    """Compile a serial kernel with the package policy."""
    return numba.njit(**OPTIONS)(function)


def jit_internal(function):
    """Compile a helper that only compiled code calls: no Python entry point is built."""
    return numba.njit(no_cpython_wrapper=True, no_cfunc_wrapper=True, **OPTIONS)(function)


def jit_parallel(function):
    """Compile a kernel that uses ``numba.prange`` with the package policy."""
    return numba.njit(parallel=True, **OPTIONS)(function)


prange = numba.prange


def _flat_types(arg_types):
    """C argument types for ``arg_types``: an array becomes its data pointer and shape."""
    flat = []
    for t in arg_types:
        if isinstance(t, types.Array):
            flat.append(types.voidptr)
            flat.extend([types.intp] * t.ndim)
        else:
            flat.append(t)
    return flat


def native(symbol, *arg_types):
    """Compile a kernel as a C function named ``symbol``, for :func:`native_call`.

    ``arg_types`` are numba types; the decorated function receives each array argument
    flattened to a data pointer (``void *``) followed by its shape; rebuild it with
    ``numba.carray(pointer, shape, dtype)``.
    Arrays must be C-contiguous. The function is compiled (or loaded from the cache) at
    import, so that compiled callers loaded from the cache find the symbol.
    """
    signature = types.void(*_flat_types(arg_types))

    def decorate(function):
        options = {k: v for k, v in OPTIONS.items() if k != "nogil"}
        compiled = numba.cfunc(signature, **options)(function)
        llvmlite.binding.add_symbol(symbol, compiled.address)
        return compiled

    return decorate


def native_call(symbol, *arg_types):
    """An intrinsic that calls the :func:`native` function ``symbol`` from compiled code.

    Arguments are checked against ``arg_types`` when the caller is compiled: arrays must
    match dtype, dimensions and C layout; scalars are converted.
    """
    flat = _flat_types(arg_types)

    def typer(args):
        for k, (given, wanted) in enumerate(zip(args, arg_types, strict=True)):
            if isinstance(wanted, types.Array) and not (
                    isinstance(given, types.Array) and given.dtype == wanted.dtype
                    and given.ndim == wanted.ndim and given.layout == "C"):
                raise TypingError(f"{symbol}: argument {k} must be {wanted}, got {given}")

        def codegen(context, builder, signature, values):
            flat_values = []
            for given, wanted, value in zip(signature.args, arg_types, values, strict=True):
                if isinstance(wanted, types.Array):
                    array = context.make_array(given)(context, builder, value)
                    flat_values.append(builder.bitcast(array.data, cgutils.voidptr_t))
                    flat_values.extend(cgutils.unpack_tuple(builder, array.shape, wanted.ndim))
                else:
                    flat_values.append(context.cast(builder, value, given, wanted))
            fnty = ir.FunctionType(ir.VoidType(), [context.get_value_type(t) for t in flat])
            function = cgutils.get_or_insert_function(builder.module, fnty, symbol)
            builder.call(function, flat_values)
            return context.get_dummy_value()

        return types.void(*args), codegen

    # numba intrinsics need a fixed number of named arguments
    names = ", ".join(f"a{k}" for k in range(len(arg_types)))
    namespace = {"typer": typer}
    exec(f"def call(typingctx, {names}):\n    return typer(({names},))", namespace)
    call = namespace["call"]
    call.__name__ = call.__qualname__ = f"call_{symbol}"
    return intrinsic(call)


@intrinsic
def float_bits(typingctx, x):
    """The IEEE-754 bit pattern of a float64, as an int64 (no conversion)."""
    if x != types.float64:
        raise TypingError(f"float_bits needs a float64, got {x}")

    def codegen(context, builder, signature, values):
        return builder.bitcast(values[0], ir.IntType(64))

    return types.int64(x), codegen


@intrinsic
def bits_float(typingctx, x):
    """The float64 whose IEEE-754 bit pattern is the int64 ``x`` (inverse of float_bits)."""
    if x != types.int64:
        raise TypingError(f"bits_float needs an int64, got {x}")

    def codegen(context, builder, signature, values):
        return builder.bitcast(values[0], ir.DoubleType())

    return types.float64(x), codegen
