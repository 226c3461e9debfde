"""Data loading: datasets, samplers, batching (with worker processes), transforms, image folders, array data sets,
and the IDX reader behind the offline image sets. :mod:`numnet.utils.data` holds the same objects under PyTorch's
name.

>>> import numpy as np
>>> from numnet.data import DataLoader, TensorDataset
>>> loader = DataLoader(TensorDataset(np.zeros((6, 2), np.float32), np.arange(6)), batch_size=4)
>>> [tuple(x.shape) for x, y in loader]
[(4, 2), (2, 2)]
"""

from numnet.data import transforms
from numnet.data.dataloader import DataLoader, WorkerInfo, default_collate, default_convert, get_worker_info
from numnet.data.dataset import ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset, random_split
from numnet.data.idx import read_idx, read_idx_images, read_idx_labels
from numnet.data.sampler import (BatchSampler, DistributedSampler, RandomSampler, Sampler, SequentialSampler,
                                 SubsetRandomSampler, WeightedRandomSampler)

__all__ = [
    "BatchSampler",
    "DistributedSampler",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "IterableDataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "WorkerInfo",
    "default_collate",
    "default_convert",
    "get_worker_info",
    "random_split",
    "read_idx",
    "read_idx_images",
    "read_idx_labels",
    "transforms",
]
