"""``numnet.cuda``: numnet has no CUDA device; these answer as PyTorch does on a machine without one."""

from __future__ import annotations


def is_available() -> bool:
    """Always False: numnet computes on the CPU."""
    return False


def device_count() -> int:
    """Always 0."""
    return 0


def manual_seed(seed: int) -> None:
    """Accepted and ignored (there is no CUDA generator), as PyTorch does without a GPU."""


def manual_seed_all(seed: int) -> None:
    """Accepted and ignored, as PyTorch does without a GPU."""


def synchronize() -> None:
    """Nothing to wait for."""


def empty_cache() -> None:
    """Nothing to free."""
