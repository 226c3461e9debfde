"""PyTorch's ``torch.utils`` names: :mod:`numnet.utils.data` is :mod:`numnet.data` under PyTorch's path."""

from numnet.utils import data

__all__ = ["data"]
