"""The one place that owns Numba options for every airbridge kernel.

Every kernel module in ``radar/_kernels``, ``tracker/_kernels`` and ``scenarios``
decorates its functions with :func:`kernel` from here, never with ``numba.njit``
directly, so that the options below hold everywhere:

* ``cache=True`` by default (compiled code is written next to the module in
  ``__pycache__``); set ``AIRBRIDGE_NUMBA_CACHE=0`` to disable caching (for
  example on a read-only install).
* ``error_model="numpy"``: division by zero gives inf/NaN instead of raising,
  so hot loops can return status codes instead of exceptions.
* no ``fastmath``: covariance updates need IEEE semantics (no reassociation,
  NaN/inf honoured).

Importing this module imports Numba, so only kernel modules import it; the CLI
imports kernels lazily, which keeps ``airbridge --help`` instant.
"""
from __future__ import annotations

import os

import numba

CACHE = os.environ.get("AIRBRIDGE_NUMBA_CACHE", "1").strip().lower() not in ("0", "false", "no", "off")

_BASE_OPTIONS = dict(nopython=True, cache=CACHE, error_model="numpy", fastmath=False, nogil=True)


def kernel(*args, parallel: bool = False, **extra):
    """Decorate a Numba kernel with the project's options.

    Use as ``@kernel`` or ``@kernel(parallel=True)``.
    """
    options = dict(_BASE_OPTIONS)
    options.update(extra)
    options["parallel"] = parallel
    if args and callable(args[0]) and len(args) == 1:
        return _register(numba.jit(**options)(args[0]))
    deco = numba.jit(*args, **options)
    return lambda fn: _register(deco(fn))


_DISPATCHERS: list = []


def _register(dispatcher):
    _DISPATCHERS.append(dispatcher)
    return dispatcher


def compilations() -> int:
    """How many kernel specialisations this process has compiled so far (cache misses; 0 means every
    kernel called so far came from the on-disk cache)."""
    return sum(sum(d.stats.cache_misses.values()) for d in _DISPATCHERS)


def fresh_modules() -> set[str] | None:
    """Modules (``__module__`` names) of the kernels imported so far that have at least one kernel whose
    on-disk cache holds code for this source file, this Numba and this CPU: their kernels load in
    milliseconds, while a module missing here compiles on first use (empty cache, edited source, other
    Numba version or CPU).  Cheap: reads the cache index files, compiles nothing.  None if the cache
    cannot be inspected (caching off, or a Numba whose cache layout differs)."""
    if not CACHE:
        return None
    fresh: set[str] = set()
    magic = None
    try:
        for d in _DISPATCHERS:
            module = d.py_func.__module__
            index = d._cache._cache_file
            if module in fresh or not os.path.exists(index._index_path):
                continue
            if magic is None:
                magic = d.targetctx.codegen().magic_tuple()
            if any(key[1] == magic for key in index._load_index()):
                fresh.add(module)
    except Exception:  # noqa: BLE001 - private Numba API: unknown means "cannot tell"
        return None
    return fresh


prange = numba.prange


def fork_safe_threading() -> bool:
    """Make forked worker processes safe for parallel kernels, if still possible; True if they are.

    GNU OpenMP (Numba's ``omp`` layer on Linux, its default choice when TBB is absent) is not
    fork-safe: a child forked after the parent ran a parallel kernel may hang in its next one.  If no
    parallel kernel has run in this process yet, select the ``forksafe`` layer (TBB if installed, else
    Numba's ``workqueue``); the choice is made once per process, so afterwards only report whether the
    layer in use is fork-safe."""
    try:
        layer = numba.threading_layer()
    except ValueError:  # not chosen yet
        numba.config.THREADING_LAYER = "forksafe"
        return True
    return layer in ("tbb", "workqueue")


def set_threads(n: int | None) -> None:
    """Set the number of Numba threads (``None`` leaves the default)."""
    if n is not None:
        numba.set_num_threads(max(1, min(int(n), numba.config.NUMBA_NUM_THREADS)))


def get_threads() -> int:
    return numba.get_num_threads()


# ---------------------------------------------------------------------------------------------
# Borrowed arrays: an array view without an owner, for the hot loops of long kernels.
#
# Numba reference-counts every array variable: each assignment, each argument of an inlined helper
# and each argument of a called kernel costs an atomic increment and decrement of the array's
# owner (``NRT_incref`` / ``NRT_decref``, ``lock inc`` / ``lock dec``).  In the tracker's per-plot
# path (about 140 array arguments per IMM update) those atomics were about a quarter of the run
# time (``perf``: 15 % of all samples at the two ``lock`` instructions).  A *borrowed* view has a
# NULL owner, so its increments and decrements are a test and a branch.  The data must outlive the
# view: borrow only arrays owned by the caller of the kernel, or keep the owner alive with
# :func:`keep_alive` after the last use of the view.
from numba import types as _types  # noqa: E402
from numba.extending import intrinsic as _intrinsic  # noqa: E402


@_intrinsic
def borrow(typingctx, arr):
    """A view of ``arr`` (same data, shape, strides) that does not own it (NULL meminfo)."""
    if not isinstance(arr, _types.Array):
        return None

    def codegen(context, builder, sig, args):
        src = context.make_array(sig.args[0])(context, builder, args[0])
        out = context.make_array(sig.return_type)(context, builder)
        context.populate_array(out, data=src.data, shape=src.shape, strides=src.strides, itemsize=src.itemsize,
                               meminfo=None)
        return out._getvalue()

    return arr(arr), codegen


@numba.njit(cache=CACHE)
def keep_alive(*arrays):
    """A use of ``arrays`` (no operation): the owners of borrowed views stay alive up to this call."""
    return len(arrays)
