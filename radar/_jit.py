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
        return numba.jit(**options)(args[0])
    return numba.jit(*args, **options)


prange = numba.prange


def set_threads(n: int | None) -> None:
    """Set the number of Numba threads (``None`` leaves the default)."""
    if n is not None:
        numba.set_num_threads(max(1, min(int(n), numba.config.NUMBA_NUM_THREADS)))


def get_threads() -> int:
    return numba.get_num_threads()
