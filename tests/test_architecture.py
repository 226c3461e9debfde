"""The package's layers (docs/architecture.md): every import inside numnet goes to the same layer or one below.

Module-level imports must point down. An import inside a function (made when it runs, to keep an optional extra
or a heavy module out of ``import numnet``) may also point down; the few that point UP are listed in
``LAZY_UPWARD`` with the reason, so a new one is a decision, not an accident. ``if TYPE_CHECKING:`` imports are
annotations only and are not counted. A lazy ``import numnet`` (the package itself) is allowed anywhere.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numnet

ROOT = Path(numnet.__file__).parent

# Lowest first; a module belongs to the first layer with a matching prefix (longest prefix wins).
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("numnet.errors", "numnet.dtypes", "numnet._dims", "numnet._validation", "numnet.kernels",
              "numnet._runtime", "numnet._argtypes", "numnet._command", "numnet.ops.layout", "numnet.ops.im2col",
              "numnet.ops.workspace", "numnet.device", "numnet.cuda", "numnet.accelerator",
              "numnet.backends", "numnet.distributed._comm")),
    ("autograd", ("numnet.autograd", "numnet._grad_mode")),
    ("ops", ("numnet.ops",)),
    ("tensor", ("numnet.tensor", "numnet._tensor_", "numnet.creation", "numnet.functions", "numnet.random",
                "numnet.testing", "numnet.linalg")),
    ("functional", ("numnet.functional", "numnet.metrics", "numnet.io")),
    ("nn", ("numnet.nn",)),
    ("models, optim, onnx, distributed", ("numnet.models", "numnet.optim", "numnet.onnx", "numnet.distributed")),
    ("data", ("numnet.data", "numnet.datasets", "numnet.transforms", "numnet.utils")),
    ("train", ("numnet.train", "numnet._train_", "numnet.callbacks")),
    ("viz, explore, lesson", ("numnet.viz", "numnet.explore", "numnet.basics", "numnet.lesson")),
    ("cli", ("numnet.commands", "numnet.cli", "numnet.viz.cli", "numnet.bench", "numnet.__main__")),
]

LAZY_UPWARD = {
    ("numnet._validation", "numnet.tensor"): "isinstance checks against Tensor; tensor.py itself uses _validation",
    ("numnet.autograd", "numnet.tensor"): "Function.apply wraps its result in a Tensor; tensor.py imports autograd",
    ("numnet.autograd", "numnet.testing"): "autograd.gradcheck (PyTorch's name) wraps testing.gradcheck",
    ("numnet.ops.pool", "numnet.tensor"): "max pooling with return_indices returns a Tensor and the index array",
    ("numnet.io.model_files", "numnet.models"): "load_model rebuilds a model from the zoo registry by its name",
}


def _layer(module: str) -> int:
    best, rank = -1, None
    for i, (_, prefixes) in enumerate(LAYERS):
        for p in prefixes:
            if (module == p or module.startswith(p + ".") or (p.endswith("_") and module.startswith(p))) \
                    and len(p) > best:
                best, rank = len(p), i
    if rank is None:
        raise AssertionError(f"{module} is in no layer of tests/test_architecture.py (add it, and to "
                             f"docs/architecture.md)")
    return rank


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(tree: ast.Module):
    """(imported module, at module level?) for each numnet import, skipping ``if TYPE_CHECKING:`` blocks."""
    def visit(node: ast.AST, top: bool):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.Import):
                for a in child.names:
                    if a.name.split(".")[0] == "numnet":
                        yield a.name, top
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                if child.module == "numnet":
                    for a in child.names:
                        yield ("numnet." + a.name if (ROOT / a.name).exists() or (ROOT / f"{a.name}.py").exists()
                               else "numnet"), top
                elif child.module.startswith("numnet."):
                    yield child.module, top
            inner = top and not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            yield from visit(child, inner)

    yield from visit(tree, True)


def test_every_import_points_down_the_layers():
    problems = []
    for path in sorted(ROOT.rglob("*.py")):
        me = _module_name(path)
        if me == "numnet":
            continue  # the package re-exports everything
        mine = _layer(me)
        for target, top in _imports(ast.parse(path.read_text())):
            if target == "numnet":
                if top and mine < len(LAYERS) - 1:
                    problems.append(f"{me} imports the numnet package at module level")
                continue
            theirs = _layer(target)
            if theirs <= mine or target.startswith(me + "."):
                continue
            if not top and (me, target) in LAZY_UPWARD:
                continue
            where = "at module level" if top else "inside a function"
            problems.append(f"{me} ({LAYERS[mine][0]}) imports {target} ({LAYERS[theirs][0]}) {where}")
    assert not problems, "imports against the layers of docs/architecture.md:\n" + "\n".join(problems)


def test_the_allowed_upward_imports_still_exist():
    """An entry of LAZY_UPWARD that no longer happens is removed, so the list stays the truth."""
    seen = set()
    for path in ROOT.rglob("*.py"):
        me = _module_name(path)
        for target, _ in _imports(ast.parse(path.read_text())):
            seen.add((me, target))
    assert set(LAZY_UPWARD) <= seen, set(LAZY_UPWARD) - seen


def test_layers_doc_lists_every_layer():
    doc = (ROOT.parent / "docs" / "architecture.md").read_text()
    for name, prefixes in LAYERS:
        for p in prefixes:
            shown = p.removeprefix("numnet.").rstrip("_").replace(".", "/")
            assert shown in doc, f"docs/architecture.md does not mention {shown} (layer {name})"
