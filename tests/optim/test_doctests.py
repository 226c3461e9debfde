"""The examples in numnet.optim's docstrings run and print what they say."""

from __future__ import annotations

import doctest

import pytest

import numnet.optim
from numnet.optim import adadelta, adagrad, adam, adamax, asgd, nadam, optimizer, radam, rmsprop, rprop, sgd
from numnet.optim.lr_scheduler import _composite, _cyclic, _lambda, _plateau, _step


@pytest.mark.parametrize("module", [numnet.optim, optimizer, sgd, adam, rmsprop, adadelta, adagrad, adamax, nadam,
                                    radam, asgd, rprop, _step, _lambda, _cyclic, _plateau,
                                    _composite],
                         ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0, f"{module.__name__}: {result}"
