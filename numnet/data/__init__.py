"""Data loading: datasets, batching, transforms, and the IDX reader behind the offline image sets.

>>> import numpy as np
>>> from numnet.data import DataLoader, TensorDataset
>>> loader = DataLoader(TensorDataset(np.zeros((6, 2), np.float32), np.arange(6)), batch_size=4)
>>> [tuple(x.shape) for x, y in loader]
[(4, 2), (2, 2)]
"""

from numnet.data import transforms
from numnet.data.dataloader import DataLoader, default_collate
from numnet.data.dataset import Dataset, Subset, TensorDataset, random_split
from numnet.data.idx import read_idx, read_idx_images, read_idx_labels

__all__ = [
    "DataLoader",
    "Dataset",
    "Subset",
    "TensorDataset",
    "default_collate",
    "random_split",
    "read_idx",
    "read_idx_images",
    "read_idx_labels",
    "transforms",
]
