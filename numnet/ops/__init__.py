"""Differentiable primitives: each op's forward and its vector-Jacobian product side by side.

One file per family: ``elementwise``, ``reduce``, ``shape``, ``linalg``, ``activation``, ``loss``, ``conv``,
``pool``, ``normalization``. Tensor methods and ``numnet.functional`` call these; users normally don't.
"""
