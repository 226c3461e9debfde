"""The examples in numnet.optim's docstrings run and print what they say."""

from __future__ import annotations

import doctest

import pytest

import numnet.optim
from numnet.optim import adam, lr_scheduler, optimizer, rmsprop, sgd


@pytest.mark.parametrize("module", [numnet.optim, optimizer, sgd, adam, rmsprop, lr_scheduler],
                         ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0, f"{module.__name__}: {result}"
