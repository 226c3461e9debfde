"""torchvision-compatible image transforms on NumPy, with a vectorised batch path (docs/transforms.md).

A transform takes a PIL image, a numnet Tensor or a NumPy array laid out ``(..., C, H, W)`` (as torchvision does on
tensors; only :class:`ToTensor`/:class:`ToPILImage` read ``(H, W, C)`` arrays) and returns the same kind. The image
sets in :mod:`numnet.datasets` hand a transform a float32 ``(C, H, W)`` array. Transforms whose ``batched``
attribute is True also accept a ``(N, C, H, W)`` batch, random ones drawing their parameters per sample; datasets and
the DataLoader use that to transform whole batches. Randomness comes from ``numnet.random.default_generator()``,
looked up at each call, so ``numnet.manual_seed`` reproduces augmentations. ``numnet.transforms`` is this package.
"""

from numnet.data.transforms import functional
from numnet.data.transforms._color import ColorJitter, GaussianBlur, Grayscale, RandomGrayscale
from numnet.data.transforms._compose import Compose, Lambda, RandomApply, RandomChoice, RandomOrder, is_batched
from numnet.data.transforms._geometry import (CenterCrop, Pad, RandomAffine, RandomCrop, RandomHorizontalFlip,
                                               RandomResizedCrop, RandomRotation, RandomVerticalFlip, Resize)
from numnet.data.transforms._tensor import (ConvertImageDtype, Normalize, PILToTensor, RandomErasing, ToPILImage,
                                             ToTensor)
from numnet.data.transforms.functional import InterpolationMode

__all__ = [
    "CenterCrop", "ColorJitter", "Compose", "ConvertImageDtype", "GaussianBlur", "Grayscale", "InterpolationMode",
    "Lambda", "Normalize", "PILToTensor", "Pad", "RandomAffine", "RandomApply", "RandomChoice", "RandomCrop", "RandomErasing",
    "RandomGrayscale", "RandomHorizontalFlip", "RandomOrder", "RandomResizedCrop", "RandomRotation", "RandomVerticalFlip", "Resize",
    "ToPILImage", "ToTensor", "functional", "is_batched",
]
