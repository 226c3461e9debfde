"""The im2col fills agree value for value: the strided copy used for small inputs and the per-offset loops used
for large ones (both layouts, padding, stride, dilation, NaN passed through)."""

import numpy as np
import pytest

from numnet.ops import conv as C
from numnet.ops import im2col as I

CASES = [((1, 1, 28, 28), 5, (2, 2, 2, 2), 1, 1), ((1, 6, 14, 14), 5, (0, 0, 0, 0), 1, 1),
         ((2, 3, 9, 8), 3, (1, 2, 0, 1), 2, 2), ((1, 16, 16, 16), 3, (1, 1, 1, 1), 2, 1),
         ((3, 4, 7, 9), 2, (0, 1, 1, 0), 1, 2), ((2, 2, 5, 5), 5, (3, 3, 3, 3), 1, 1)]


@pytest.mark.parametrize("shape,k,pads,stride,dil", CASES)
@pytest.mark.parametrize("layout", ["batched", "chwn"])
def test_strided_fill_matches_offset_loops(shape, k, pads, stride, dil, layout):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    x[0, 0, 0, 0] = np.nan
    g = I.conv_geometry(x.shape, (4, shape[1], k, k), (stride, stride), pads, (dil, dil), 1)
    lay = C._LAYOUTS[layout]
    if layout == "batched":
        src, view = x, (lambda o: o.transpose(2, 3, 0, 1, 4, 5))
    else:
        src, view = lay.source(x).transpose(0, 3, 1, 2), (lambda o: o.transpose(1, 2, 0, 5, 3, 4))
    fills = [I._copy_windows, I._copy_strided] + ([I._copy_flat_shifts] if layout == "batched" and I._is_flat(g)
                                                   else [])
    results = []
    for fill in fills:
        out = np.full(lay.col_shape(g), 7.0, dtype=np.float32)
        fill(src, view(out), g)
        results.append(out)
    for r in results[1:]:
        np.testing.assert_array_equal(r, results[0])


def test_small_threshold_picks_the_strided_fill():
    small = I.conv_geometry((1, 1, 28, 28), (6, 1, 5, 5), (1, 1), (2, 2, 2, 2), (1, 1), 1)
    big = I.conv_geometry((64, 32, 28, 28), (32, 32, 3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1)
    assert I._small(small) and not I._small(big)
