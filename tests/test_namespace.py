"""numnet's public namespace (numnet/__init__.py): ``__all__`` is exactly what ``from numnet import *`` gives, every
name in it exists, and every public function, class and dtype at top level is listed."""

from __future__ import annotations

import types

import numnet


def test_star_import_gives_exactly_all():
    namespace: dict = {}
    exec("from numnet import *", namespace)  # noqa: S102 - the statement under test
    namespace.pop("__builtins__", None)
    assert sorted(namespace) == sorted(numnet.__all__)


def test_every_name_in_all_exists_once():
    assert len(set(numnet.__all__)) == len(numnet.__all__)
    missing = [name for name in numnet.__all__ if not hasattr(numnet, name)]
    assert missing == []


def test_all_lists_every_public_top_level_name():
    """Functions, classes and dtypes at top level are public API; submodules are listed deliberately (so a new
    submodule import does not change ``__all__`` by accident), and nothing stray (``annotations``, ``np``) leaks."""
    public = {name for name, value in vars(numnet).items()
              if not name.startswith("_") and not isinstance(value, types.ModuleType)}
    assert public - set(numnet.__all__) == set(numnet._SHORT_DTYPE_NAMES)
    assert "annotations" not in numnet.__all__ and "np" not in numnet.__all__


def test_listed_submodules_are_subpackages_users_reach():
    modules = {name for name in numnet.__all__ if isinstance(getattr(numnet, name), types.ModuleType)}
    assert {"functional", "models", "nn", "optim"} <= modules  # "kernels" joins them at merge
    assert "random" not in numnet.__all__ and "io" not in numnet.__all__  # they would shadow the standard library


def test_public_names_stay_importable_from_their_modules():
    from numnet.creation import cat, pad, stack, tensor, where  # noqa: F401
    from numnet.dtypes import promote_types, result_type
    from numnet.tensor import MaxResult, Tensor  # noqa: F401
    from numnet.tensor import promote_types as tensor_promote_types
    from numnet.tensor import result_type as tensor_result_type

    assert numnet.Tensor is Tensor and numnet.tensor is tensor and numnet.cat is cat
    assert tensor_promote_types is promote_types and tensor_result_type is result_type
    assert numnet.max(numnet.tensor([[1.0, 3.0]]), 1).__class__ is MaxResult
