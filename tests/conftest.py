import os

from hypothesis import settings

settings.register_profile("numnet", deadline=None, derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "numnet"))
collect_ignore = ["pytorch_scripts"]  # scripts run by tests/test_pytorch_scripts.py, not test modules
