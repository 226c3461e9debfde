"""Differentiable primitives: each op's forward and its vector-Jacobian product side by side.

One file per family: ``elementwise``, ``reduce``, ``shape``, ``linalg``, ``select`` (gather/scatter, sorting, masks,
norms, einsum), ``activation``, ``loss``, ``conv``, ``pool``, ``normalization``; each primitive is a ``Function`` subclass named ``<Name>Op``. Tensor methods and
``numnet.functional`` call these; users normally don't. Three plain-NumPy helpers serve the conv and pooling kernels:
``im2col`` (conv geometry and the per-layout column copies), ``layout`` (batch-innermost memory and the tiled copy
back to C order) and ``workspace`` (reused buffers for arrays above glibc's mmap threshold). Kernel choices are
read from :mod:`numnet.kernels`, never passed as op arguments.
"""
