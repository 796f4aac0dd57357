"""Feature planes: the input encodings of the nets, computed from a ``Board``.

``registry`` holds the registry (``FEATURES``, ``register``, ``encode``, ``n_planes``) and the
AlphaGo Zero / simple / liberty planes; ``lee`` adds the AlphaGo Lee sets ``"aglee48"`` and
``"aglee49"`` on import (here, so that every set is known after ``import engine.features``);
``_kernels_features`` holds their Numba kernels and the ladder reader.
"""

from engine.features import lee  # noqa: F401  (registers "aglee48" and "aglee49")
from engine.features.registry import (
    DEFAULT,
    FEATURES,
    KOMI_SCALE,
    FeatureFn,
    encode,
    has_komi_plane,
    komi_plane_values,
    n_planes,
    own_komi,
    register,
    stored_set,
)

__all__ = [
    "DEFAULT",
    "FEATURES",
    "KOMI_SCALE",
    "FeatureFn",
    "encode",
    "has_komi_plane",
    "komi_plane_values",
    "n_planes",
    "own_komi",
    "register",
    "stored_set",
]
