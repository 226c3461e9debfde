"""Devices, PyTorch's way: numnet has exactly one, the CPU.

``numnet.device("cpu")``, ``tensor.device``, ``x.to(device)`` and ``model.to(device)`` exist so that a PyTorch script's
device lines run unchanged. Every other device name (``"cuda"``, ``"mps"``, ``"cuda:0"``...) is refused with a
:class:`~numnet.errors.DeviceError` that says which devices exist, never silently mapped to the CPU: a script that
asks for a GPU explicitly should learn that it did not get one. ``numnet.cuda.is_available()``,
``numnet.backends.mps.is_available()`` and ``numnet.accelerator.is_available()`` answer ``False``, so the usual
``device = "cuda" if torch.cuda.is_available() else "cpu"`` picks the CPU.
"""

from __future__ import annotations

from typing import Any

from numnet.errors import DeviceError, DTypeError

AVAILABLE = ("cpu",)


class device:  # noqa: N801 - PyTorch's name
    """A device: ``device("cpu")``, ``device("cpu", 0)``, ``device("cpu:0")`` or ``device(other_device)``."""

    __slots__ = ("type", "index")

    def __init__(self, type: Any = "cpu", index: int | None = None) -> None:  # noqa: A002 - PyTorch's name
        if isinstance(type, device):
            self.type, self.index = type.type, type.index if index is None else index
            return
        if not isinstance(type, str):
            raise DTypeError(f"device: expected a device name such as 'cpu', got {type!r}")
        name, _, idx = type.partition(":")
        if idx:
            if not idx.isdigit():
                raise DeviceError(f"device: expected a device index after ':', got {type!r}")
            index = int(idx)
        if name != "cpu":
            raise DeviceError(f"device: numnet runs on the CPU only (available devices: "
                              f"{', '.join(repr(d) for d in AVAILABLE)}), got {type!r}")
        if index is not None and (isinstance(index, bool) or not isinstance(index, int) or index < 0):
            raise DeviceError(f"device: expected a non-negative device index, got {index!r}")
        self.type, self.index = name, index

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            try:
                other = device(other)
            except DeviceError:
                return False
        return isinstance(other, device) and other.type == self.type and other.index == self.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __repr__(self) -> str:
        return f"device(type={self.type!r})" if self.index is None else \
            f"device(type={self.type!r}, index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"


CPU = device("cpu")


def as_device(value: Any, op: str = "device") -> device:
    """``None``, a name or a :class:`device` → the CPU device, or a DeviceError naming ``op``."""
    if value is None or value is CPU:
        return CPU
    if isinstance(value, device):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        raise DeviceError(f"{op}: numnet runs on the CPU only (available devices: 'cpu'), got device {value!r} "
                          f"(an integer means a CUDA device in PyTorch)")
    try:
        return device(value)
    except DeviceError as e:
        raise DeviceError(f"{op}: {str(e).removeprefix('device: ')}") from None
    except DTypeError as e:
        raise DTypeError(f"{op}: {str(e).removeprefix('device: ')}") from None


def is_device_like(value: Any) -> bool:
    """True for what ``Tensor.to``/``Module.to`` should read as a device: a :class:`device` or a device name."""
    return isinstance(value, device) or (isinstance(value, str) and value.partition(":")[0] in
                                         ("cpu", "cuda", "mps", "xpu", "meta", "hip", "xla", "mtia", "npu"))
