"""Plain-NumPy kernels for ONNX operators (opset-17 semantics).

:func:`numnet.onnx.export_numpy` writes a standalone ``model.py`` that contains ``import numpy as np``, the source
of exactly the kernels the model uses (see :func:`source_for`) and straight-line code such as::

    v3 = Conv(v2, W["conv1.weight"], W["conv1.bias"], strides=[1, 1], pads=[2, 2, 2, 2], dilations=[1, 1], group=1)

Conventions, so the generated code reads like the ONNX graph:

- one top-level function per op, named exactly as the ONNX op type;
- ONNX inputs are positional arrays in ONNX order (optional ones default to None), including those opset 13-17
  takes as tensors (Reshape's shape, Pad's pads, Slice's starts/ends/axes/steps, Clip's min/max, ...);
- ONNX attributes are keyword-only, with ONNX's names and defaults;
- private helpers start with ``_``; every kernel and helper only uses ``np`` and other names defined in the two
  kernel files (``_kernels_nn``, ``_kernels_tensor``; each imports only NumPy), so
  :func:`source_for` can copy them into a file that needs nothing but NumPy.

Spatial ops (Conv, ConvTranspose, the pools) accept any number of spatial dimensions; 2-D is what the exporter uses.
"""


from numnet.onnx import _kernels_nn, _kernels_tensor
from numnet.onnx._kernels_nn import *  # noqa: F401,F403  (the kernels, by their ONNX names)
from numnet.onnx._kernels_tensor import *  # noqa: F401,F403



# ----------------------------------------------------------------------------------------------------------------
# Registry and source extraction
# ----------------------------------------------------------------------------------------------------------------

SOURCES = (_kernels_nn, _kernels_tensor)  # the kernel files, in the order source_for copies from them
KERNELS = {name: obj for mod in SOURCES for name, obj in vars(mod).items() if callable(obj) and name[:1].isupper()}


def source_for(op_types):
    """Standalone Python source for the kernels of ``op_types``: ``import numpy as np``, then every private helper
    (function or constant) they use, transitively, then the kernels themselves, each group in this module's
    order. Raises KeyError naming any op type without a kernel."""
    import ast  # only needed here, not by the kernels, so not at the top

    wanted = set(op_types)
    unknown = sorted(wanted - set(KERNELS))
    if unknown:
        raise KeyError(f"no NumPy kernel for ONNX op type(s): {', '.join(unknown)}")
    # Top-level definitions in file order: name -> (source text, names it uses).
    defs = {}
    for mod in SOURCES:
        with open(mod.__file__, encoding="utf-8") as f:
            text = f.read()
        lines = text.splitlines(keepends=True)
        for node in ast.parse(text).body:
            if isinstance(node, ast.FunctionDef):
                name = node.name
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                name = node.targets[0].id
            else:
                continue
            used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            defs[name] = ("".join(lines[node.lineno - 1 : node.end_lineno]).rstrip(), used)
    needed = set()
    todo = list(wanted)
    while todo:
        for name in defs[todo.pop()][1]:
            if name.startswith("_") and name in defs and name not in needed:
                needed.add(name)
                todo.append(name)
    helpers = [defs[name][0] for name in defs if name in needed]
    kernels = [defs[name][0] for name in defs if name in wanted]
    return "\n\n\n".join(["import numpy as np"] + helpers + kernels) + "\n"
