"""The one place for Numba compiler flags.

Every kernel in ``engine/`` is decorated with ``@njit(**NJIT)`` so that caching, GIL release and
the error model are chosen once. ``fastmath`` stays off: board logic is integer-only and exact.
"""

NJIT = dict(cache=True, nogil=True, boundscheck=False, error_model="numpy")
