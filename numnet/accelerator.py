"""``numnet.accelerator``: PyTorch's device-agnostic accelerator API; numnet has none, so the CPU is used."""

from __future__ import annotations

from numnet.device import device


def is_available() -> bool:
    """Always False: no accelerator (CUDA, MPS, XPU...) is available to numnet."""
    return False


def current_accelerator(check_available: bool = False) -> device | None:
    """None, as PyTorch answers on a machine without an accelerator."""
    return None


def device_count() -> int:
    """Always 0."""
    return 0
