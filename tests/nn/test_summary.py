"""model.summary(): shapes, parameter counts and MACs against hand computations."""

from __future__ import annotations

import numpy as np
import pytest

from numnet import models, nn
from numnet.errors import ArgumentError, ShapeError


def test_lenet5_summary_numbers():
    printed = []
    s = models.LeNet5().summary((1, 28, 28), print_fn=printed.append)
    assert isinstance(s, nn.Summary) and printed == [str(s)]
    assert s.total_params == s.trainable_params == 61_706 and s.non_trainable_params == 0
    conv1 = 6 * 28 * 28 * 25          # 117,600
    conv2 = 16 * 10 * 10 * 150        # 240,000
    fc = 400 * 120 + 120 * 84 + 84 * 10  # 58,920
    assert s.total_macs == conv1 + conv2 + fc == 416_520
    by_name = {r.name: r for r in s.rows}
    assert [r.name for r in s.rows] == [f"features.{i}" for i in range(6)] + [f"classifier.{i}" for i in range(6)]
    assert by_name["features.0"].macs == conv1 and by_name["features.0"].num_params == 156
    assert by_name["features.0"].output_shape == (1, 6, 28, 28)
    assert by_name["features.3"].macs == conv2 and by_name["features.3"].output_shape == (1, 16, 10, 10)
    assert by_name["features.5"].output_shape == (1, 16, 5, 5) and by_name["features.5"].macs == 0
    assert by_name["classifier.0"].class_name == "Flatten" and by_name["classifier.0"].output_shape == (1, 400)
    assert by_name["classifier.1"].macs == 48_000 and by_name["classifier.1"].num_params == 48_120
    assert sum(r.num_params for r in s.rows) == 61_706
    assert s.input_shape == (1, 1, 28, 28) and s.output_shape == (1, 10)
    text = str(s)
    assert "features.3 (Conv2d)" in text and "(1, 16, 10, 10)" in text
    assert "Total params: 61,706" in text and "Total MACs: 416,520" in text and "240,000" in text


def test_summary_with_batch_groups_and_stride():
    net = nn.Sequential(nn.Conv2d(4, 8, 3, stride=2, padding=1, groups=2), nn.BatchNorm2d(8), nn.ReLU(),
                        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 3))
    s = net.summary((5, 4, 16, 16), print_fn=None, includes_batch=True)
    # conv: N·C_out·H_out·W_out·(C_in/groups)·kH·kW
    assert s.rows[0].macs == 5 * 8 * 8 * 8 * 2 * 9
    assert s.rows[-1].macs == 5 * 8 * 3
    assert s.total_macs == 5 * 8 * 8 * 8 * 2 * 9 + 5 * 8 * 3
    assert s.total_params == (8 * 2 * 9 + 8) + 16 + (24 + 3)
    assert s.rows[1].class_name == "BatchNorm2d" and s.rows[1].macs == 0


def test_summary_runs_in_eval_mode_and_restores_state():
    net = models.VGGSmall(width=4)
    net.train()
    net.features.eval()
    before = {k: v._data.copy() for k, v in net.state_dict().items()}
    s = net.summary((1, 28, 28), print_fn=None)
    assert net.training and not net.features.training and net.classifier.training
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v._data, before[k], err_msg=k)
    assert all(m._forward_hooks == {} for m in net.modules())
    assert s.total_params == net.num_parameters()
    assert s.output_shape == (1, 10)


def test_summary_of_a_leaf_shared_modules_and_frozen_parameters():
    s = nn.Linear(3, 2).summary(3, print_fn=None)
    assert s.rows[0].name == "" and str(s).count("Linear") >= 1 and s.total_macs == 6
    lin = nn.Linear(4, 4)
    net = nn.Sequential(lin, nn.ReLU(), lin)
    s = net.summary((4,), print_fn=None)
    assert [r.num_params for r in s.rows] == [20, 0, 0]  # the second call of the shared layer adds no parameters
    assert s.total_macs == 32 and s.total_params == 20
    lin.requires_grad_(False)
    s = net.summary((4,), print_fn=None)
    assert s.trainable_params == 0 and s.non_trainable_params == 20


def test_summary_errors():
    with pytest.raises(ArgumentError, match="input_shape"):
        models.LeNet5().summary((1, 0, 28), print_fn=None)
    with pytest.raises(ArgumentError, match="input_shape"):
        models.LeNet5().summary("28x28", print_fn=None)
    with pytest.raises(ShapeError, match=r"^features.0 \(Conv2d"):
        models.LeNet5().summary((3, 28, 28), print_fn=None)
    net = models.LeNet5()
    with pytest.raises(ShapeError):
        net.summary((1, 8, 8), print_fn=None)
    assert all(m._forward_hooks == {} for m in net.modules()) and net.training  # cleaned up after a failure


def test_summary_default_dtype_follows_the_model():
    net = nn.Linear(2, 2).double()
    assert net.summary((2,), print_fn=None).total_macs == 4
    net = nn.Sequential(nn.ReLU())  # no parameters: float32 zeros
    assert net.summary((2, 2), print_fn=None).output_shape == (1, 2, 2)
    assert "Total params: 0" in str(net.summary((2,), print_fn=None))
    assert "Summary(Sequential" in repr(net.summary((2,), print_fn=None))
