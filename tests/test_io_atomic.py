"""No stray temporary files: numnet.io.atomic removes its temp file on SIGTERM/SIGINT during a save, and the next
save into a folder removes those of writers that were killed outright (SIGKILL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from numnet import io
from numnet.io.atomic import remove_stale_temp_files

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# saves a ~8 MB file over and over; prints one line once the first save is done
# The writer restores Python's SIGINT handler: a process started in the background by a non-interactive shell
# (`make test &`) inherits SIGINT as ignored, and would then never see the signal this test sends.
WRITER = """
import signal, sys, numpy as np
signal.signal(signal.SIGINT, signal.default_int_handler)
from numnet import io
x = np.arange(2_000_000, dtype=np.float32)
out = sys.argv[1]
io.save({"x": x}, out)
print("ready", flush=True)
while True:
    io.save({"x": x}, out)
"""

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def _writer(folder):
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(folder / "big.safetensors")], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout.readline().strip() == "ready"
    return proc


def _temps(folder):
    return sorted(n for n in os.listdir(folder) if n.endswith(".tmp"))


def test_temp_name_carries_the_pid_and_stale_ones_are_removed(tmp_path):
    dead = _dead_pid()
    stale = tmp_path / f".model.safetensors.{dead}.abcd_123.tmp"
    live = tmp_path / f".model.safetensors.{os.getpid()}.zzzz9999.tmp"
    other = tmp_path / "notes.tmp"
    for p in (stale, live, other):
        p.write_bytes(b"x")
    io.save({"a": np.ones(2, np.float32)}, tmp_path / "model.safetensors")
    assert not stale.exists() and live.exists() and other.exists()
    assert remove_stale_temp_files(tmp_path) == []


def test_sigkill_mid_save_leaves_nothing_after_the_next_save(tmp_path):
    left = 0
    for i in range(5):
        proc = _writer(tmp_path)
        time.sleep(0.02 + 0.03 * i)
        proc.kill()
        proc.wait()
        left += len(_temps(tmp_path))
    io.save({"y": np.zeros(3, np.float32)}, tmp_path / "small.safetensors")
    assert sorted(os.listdir(tmp_path)) == ["big.safetensors", "small.safetensors"]
    assert np.array_equal(np.asarray(io.load(tmp_path / "big.safetensors")["x"]), np.arange(2_000_000, dtype=np.float32))
    print(f"\n{left} temp file(s) seen after 5 SIGKILLs, none after the next save")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_sigint_mid_save_remove_the_temp_file(tmp_path, sig):
    for i in range(3):
        proc = _writer(tmp_path)
        time.sleep(0.02 + 0.04 * i)
        proc.send_signal(sig)
        proc.wait(timeout=60)
        assert proc.returncode != 0
        assert _temps(tmp_path) == [], (sig, i)
    assert sorted(os.listdir(tmp_path)) == ["big.safetensors"]
