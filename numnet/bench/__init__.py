"""Benchmarks: numnet vs PyTorch vs Dezero in one run (``numnet bench`` / ``make bench``); see ``run.py``."""
