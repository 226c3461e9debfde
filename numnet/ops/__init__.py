"""Differentiable primitives: each op's forward and its vector-Jacobian product side by side.

One file per family: ``elementwise``, ``reduce``, ``shape``, ``linalg``, ``activation``, ``loss``, ``conv``,
``pool``, ``normalization``. Tensor methods and ``numnet.functional`` call these; users normally don't. Two helpers
serve the conv and pooling kernels: ``layout`` (batch-innermost memory and the tiled copy back to C order) and
``workspace`` (reused buffers for arrays above glibc's mmap threshold).
"""
