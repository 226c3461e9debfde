"""Root fixes found by the API fuzzer (issue 13), one test per rule, against PyTorch where it defines the result."""

import numpy as np
import pytest
import torch

import numnet
import numnet.functional as F
import numnet.transforms as T
from numnet import nn
from numnet.data import ConcatDataset, RandomSampler, random_split
from numnet.errors import ArgumentError, DTypeError, NumnetError, ShapeError


def test_subtraction_with_bool_is_refused_as_in_torch():
    x = numnet.ones(2, 3)
    for call in (lambda: x - True, lambda: True - x, lambda: numnet.tensor([True]) - numnet.tensor([False])):
        with pytest.raises(DTypeError, match="sub: subtraction with a bool"):
            call()
    with pytest.raises(RuntimeError):
        torch.ones(2) - True
    assert (x - 1).sum().item() == 0


def test_integer_to_negative_integer_power_is_refused():
    with pytest.raises(ArgumentError, match="pow: integers to negative integer powers"):
        numnet.tensor([1, 2]) ** -1
    assert numnet.tensor([2]).pow(2).tolist() == [4] and numnet.tensor([2.0]).pow(-1).tolist() == [0.5]


def test_keepdim_without_int_dim_is_refused():
    x = numnet.ones(2, 3)
    for call in (lambda: x.max(None, True), lambda: x.min(x, True)):
        with pytest.raises(ArgumentError, match="keepdim=True needs an int dim"):
            call()


@pytest.mark.parametrize("alpha", [1.0, 2.0, 1e6, 2.0 ** 63])
def test_celu_and_elu_keep_precision_for_any_alpha(alpha):
    x = np.linspace(-3, 2, 11).astype(np.float32)
    np.testing.assert_allclose(F.celu(numnet.tensor(x), alpha).numpy(), torch.celu(torch.tensor(x), alpha).numpy(),
                               rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(F.elu(numnet.tensor(x), alpha).numpy(), torch.nn.functional.elu(torch.tensor(x),
                                                                                                alpha).numpy(),
                               rtol=1e-6, atol=1e-6)


def test_fill_values_must_fit_the_dtype():
    with pytest.raises(ArgumentError, match="full: expected fill_value to be a number in \\[0, 255\\]"):
        numnet.full((2,), 300, dtype=numnet.uint8)
    with pytest.raises(ArgumentError, match="fill_: expected value to be a finite number for dtype int64"):
        numnet.zeros(2, dtype=numnet.int64).fill_(float("nan"))
    with pytest.raises(ArgumentError, match="masked_fill"):
        numnet.ones(2).masked_fill(numnet.tensor([True, False]), 10 ** 400)
    with pytest.raises(ArgumentError, match="as_tensor"):
        numnet.as_tensor([1.0, float("inf")], dtype=numnet.int64)


def test_results_too_large_for_memory_are_refused_before_allocating():
    x = numnet.ones(1, 2, 4, 4)
    for call in (lambda: F.pad(x, (2 ** 62, 1)), lambda: F.pad(x, (2 ** 62, 1, 0, 0), mode="replicate"),
                 lambda: x.repeat(2 ** 40, 2 ** 40, 1, 1)):
        with pytest.raises(ShapeError, match="more elements than an array can hold"):
            call()


def test_sizes_are_ints_in_repeat_tile_roll():
    x = numnet.ones(2, 3)
    for call in (lambda: x.repeat(None, 1), lambda: x.tile((1.9, 1)), lambda: x.roll(None)):
        with pytest.raises(DTypeError):
            call()


def test_where_needs_a_bool_condition():
    x = numnet.ones(2)
    for cond in (None, numnet.tensor([1.0, 0.0]), [True, False]):
        with pytest.raises(DTypeError, match="where: expected condition to be a bool Tensor"):
            numnet.where(cond, x, 0.0)
        with pytest.raises(DTypeError, match="where: expected condition to be a bool Tensor"):
            x.where(cond, 0.0)


def test_flags_must_be_bools():
    x = numnet.ones(1, 1, 4, 4)
    for call in (lambda: F.max_pool2d(x, 2, ceil_mode=None), lambda: F.alpha_dropout(x, 0.5, [1, 2]),
                 lambda: F.batch_norm(x, numnet.zeros(1), numnet.ones(1), training=-1),
                 lambda: F.relu(x, inplace="yes")):
        with pytest.raises(DTypeError, match="expected .* to be True or False"):
            call()


def test_two_d_images_stay_two_d_as_in_torchvision():
    from tests.tv_transforms_ref import torchvision_transforms
    tvt = torchvision_transforms()
    img = np.arange(12, dtype=np.float32).reshape(3, 4)
    for ours, theirs in ((T.Pad(1), tvt.Pad(1)), (T.RandomHorizontalFlip(1.0), tvt.RandomHorizontalFlip(1.0)),
                         (T.RandomVerticalFlip(1.0), tvt.RandomVerticalFlip(1.0))):
        np.testing.assert_array_equal(ours(numnet.tensor(img)).numpy(), theirs(torch.tensor(img)).numpy())


def test_data_arguments_are_checked_by_kind():
    cases = [(lambda: ConcatDataset(None), DTypeError), (lambda: random_split(None, [1]), DTypeError),
             (lambda: random_split([1, 2], None), DTypeError), (lambda: RandomSampler(None), DTypeError),
             (lambda: nn.ModuleList(-1), DTypeError), (lambda: nn.Parameter(1.5), DTypeError),
             (lambda: nn.Parameter(numnet.ones(2), float("nan")), DTypeError),
             (lambda: T.ConvertImageDtype(None), DTypeError), (lambda: T.Compose(None), DTypeError),
             (lambda: T.RandomAffine((1.9, 1)), ArgumentError), (lambda: T.GaussianBlur(None), DTypeError),
             (lambda: nn.Upsample(scale_factor=-10 ** 400), ArgumentError)]
    for call, exc in cases:
        with pytest.raises(exc):
            call()


def test_missing_image_folder_is_numnets_error_and_a_file_not_found_error():
    from numnet.datasets import ImageFolder
    with pytest.raises(FileNotFoundError, match="is not a folder") as info:
        ImageFolder("/nonexistent/numnet-folder")
    assert isinstance(info.value, NumnetError)


@pytest.mark.parametrize("state", [{"last_epoch": -5}, {"last_epoch": "a"}, {"step_size": 0},
                                   {"gamma": float("nan")}, {"base_lrs": [1, 2, 3]}, {"_last_lr": None}])
def test_scheduler_state_is_checked_before_anything_is_set(state):
    from numnet.optim.lr_scheduler import StepLR
    opt = numnet.optim.SGD([numnet.zeros(2, requires_grad=True)], lr=0.1)
    sched = StepLR(opt, 2)
    before = dict(sched.state_dict())
    with pytest.raises(ArgumentError, match="StepLR.load_state_dict: expected state"):
        sched.load_state_dict({**before, **state})
    assert sched.state_dict() == before  # all or nothing
