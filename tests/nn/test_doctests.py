"""The examples in numnet.nn's and numnet.models' docstrings run and print what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["numnet.nn", "numnet.nn.module", "numnet.nn.container", "numnet.nn.conv", "numnet.nn.linear",
           "numnet.nn.activation", "numnet.nn.normalization", "numnet.nn.pooling", "numnet.nn.loss",
           "numnet.nn.init", "numnet.nn.summary", "numnet.models"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"no examples found in {name}"
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {name}"
