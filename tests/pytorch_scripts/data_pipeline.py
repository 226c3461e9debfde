# torch.utils.data as scripts use it: a Dataset subclass, random_split, Subset, ConcatDataset, samplers,
# DataLoader with workers and a custom collate_fn. Only facts that do not depend on the random numbers are compared.
# tolerance: *=rel:0
import numpy as np
import torch
from torch.utils.data import (BatchSampler, ConcatDataset, DataLoader, Dataset, RandomSampler, SequentialSampler,
                              Subset, TensorDataset, WeightedRandomSampler, random_split)


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return torch.tensor([float(i)]), i * i


ds = Squares(20)
train, val = random_split(ds, [0.75, 0.25], generator=torch.Generator().manual_seed(0))
print("METRIC split_sizes", len(train) * 100 + len(val))
print("METRIC split_disjoint", float(len(set(train.indices) | set(val.indices)) == 20))
loader = DataLoader(ds, batch_size=6, shuffle=False, num_workers=2)
batches = list(loader)
print("METRIC n_batches", len(batches))
print("METRIC workers_in_order", float(torch.cat([b[0] for b in batches]).flatten().tolist() == list(range(20))))
print("METRIC target_sum", sum(int(b[1].sum()) for b in batches))
print("METRIC last_batch", len(batches[-1][1]))
dl = DataLoader(ds, batch_size=6, drop_last=True, shuffle=True)
print("METRIC drop_last", len(dl))
print("METRIC seen_shuffled", sum(len(b[1]) for b in dl))
concat = ConcatDataset([ds, Subset(ds, [1, 2, 3])])
print("METRIC concat_len", len(concat))
print("METRIC concat_item", concat[21][1])
print("METRIC sequential", sum(SequentialSampler(range(5))))
print("METRIC random_perm", float(sorted(RandomSampler(range(7))) == list(range(7))))
print("METRIC weighted_len", len(list(WeightedRandomSampler([0.1, 0.9, 0.0], num_samples=9))))
print("METRIC weighted_zero", float(2 not in list(WeightedRandomSampler([0.1, 0.9, 0.0], num_samples=50))))
print("METRIC batch_sampler", len(list(BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=False))))


def collate(samples):
    xs, ys = zip(*samples)
    return torch.stack(xs), torch.tensor(ys)


custom = next(iter(DataLoader(ds, batch_size=4, collate_fn=collate)))
print("METRIC collate", custom[1].sum().item())
td = TensorDataset(torch.tensor(np.arange(10, dtype=np.float32)), torch.arange(10))
print("METRIC tensordataset", sum(float(x.sum()) for x, _ in DataLoader(td, batch_size=3)))
