"""The hostile-file corpus (tests/hostile_files.py) through every loader and the CLI: each file is refused with a
numnet error (the CLI: exit status 2 and one line, no traceback) by every loader it is hostile to, nothing is
executed, nothing hangs, the huge-allocation cases stay small in memory, and a refused checkpoint changes nothing.

``pytest -s`` prints the counts by outcome that docs/reliability.md states."""

from __future__ import annotations

import contextlib
import io as _io
import os
import signal
import subprocess
import sys
import time
import tracemalloc
from collections import Counter

import numpy as np
import pytest

import numnet
from numnet.cli import main
from numnet.errors import NumnetError

sys.path.insert(0, os.path.dirname(__file__))
from hostile_files import ALL, MARKER, generate, reference  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT = 10  # seconds per call: far more than any refusal takes
HUGE_PEAK = 64 * 2**20  # bytes traced while refusing a file that asks for a huge allocation

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs, symlinks and SIGALRM")


class _Hang(BaseException):
    pass


def _alarm(signum, frame):
    raise _Hang()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    cases = generate(folder)
    from PIL import Image

    image = folder.parent / "digit.png"
    Image.new("L", (28, 28), 0).save(image)
    return folder, cases, str(image)


def _cli(argv):
    out, err = _io.StringIO(), _io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([str(a) for a in argv])
    return status, err.getvalue()


def _loaders(image):
    from numnet.io import load_checkpoint, load_metadata, load_model
    from numnet.train import Trainer

    def state_dict(path, objs):
        objs[0].load_state_dict(numnet.load(path))

    def ckpt(path, objs):
        load_checkpoint(path, *objs)

    def trainer(path, objs):
        Trainer(objs[0], numnet.nn.CrossEntropyLoss(), objs[1], scheduler=objs[2]).load_checkpoint(path)

    return {
        "load": lambda p, o: numnet.load(p),
        "load_metadata": lambda p, o: load_metadata(p),
        "load_state_dict": state_dict,
        "load_model": lambda p, o: load_model(p),
        "load_checkpoint": ckpt,
        "trainer": trainer,
        "cli_summary": lambda p, o: _cli(["summary", "--model", p]),
        "cli_evaluate": lambda p, o: _cli(["evaluate", p, "--dataset", "mnist5k", "--limit", 8]),
        "cli_predict": lambda p, o: _cli(["predict", p, image]),
    }


def _snapshot(objs):
    model, opt, sched = objs
    return ([np.array(v.numpy()) for v in model.state_dict().values()],
            {id(p): {k: np.array(v) for k, v in s.items()} for p, s in opt.state.items()},
            [dict((k, v) for k, v in g.items() if k != "params") for g in opt.param_groups],
            dict(vars(sched)), numnet.random.get_rng_state())


def _same(a, b):
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b)
    return a is b or a == b


def _run(fn, path, objs, huge):
    """One call: (outcome, detail). Outcomes: refused, loaded, crash, hang, multi-line (CLI)."""
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, TIMEOUT)
    if huge:
        tracemalloc.start()
    try:
        result = fn(str(path), objs)
    except _Hang:
        return "hang", ""
    except NumnetError as e:
        return "refused", str(e)
    except Exception as e:  # noqa: BLE001 - a raw error is what this test looks for
        return "crash", f"{type(e).__name__}: {e}"[:300]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        if huge:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            if peak > HUGE_PEAK:
                return "memory", f"peak {peak:,} bytes"
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], int):  # the CLI
        status, err = result
        if status == 0:
            return "loaded", ""
        lines = err.splitlines()
        if status != 2 or len(lines) != 1 or not lines[0].startswith("numnet: error:") or "Traceback" in err:
            return "crash", f"status {status}: {err[:300]!r}"
        return "refused", lines[0]
    return "loaded", ""


def test_every_hostile_file_is_refused_cleanly(corpus, monkeypatch):
    folder, cases, image = corpus
    monkeypatch.chdir(folder)
    assert len(cases) >= 100
    loaders = _loaders(image)
    assert set(loaders) == ALL
    outcomes: Counter = Counter()
    by_loader: dict[str, Counter] = {name: Counter() for name in loaders}
    by_category: Counter = Counter()
    problems: list[str] = []
    t0 = time.perf_counter()
    for case in cases:
        by_category[case.category] += 1
        for name, fn in loaders.items():
            objs = reference()
            before = _snapshot(objs)
            outcome, detail = _run(fn, case.path, objs, case.huge)
            outcomes[outcome] += 1
            by_loader[name][outcome] += 1
            if outcome in ("crash", "hang", "memory"):
                problems.append(f"{case.name} / {name}: {outcome} {detail}")
            elif name in case.refuse and outcome != "refused":
                problems.append(f"{case.name} / {name}: expected a refusal, got {outcome}")
            if outcome == "refused" and name in ("load_checkpoint", "trainer", "load_state_dict"):
                if not _same(_snapshot(objs), before):
                    problems.append(f"{case.name} / {name}: refused, but the objects changed")
            if "\n" in detail and name.startswith("cli_"):
                problems.append(f"{case.name} / {name}: multi-line message {detail[:200]!r}")
    elapsed = time.perf_counter() - t0
    assert not os.path.exists(folder / MARKER), "a payload ran"
    print(f"\nhostile corpus: {len(cases)} files, {sum(outcomes.values())} loader calls in {elapsed:.1f}s")
    print("  by category: " + ", ".join(f"{k} {v}" for k, v in sorted(by_category.items())))
    print("  outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    for name, counts in by_loader.items():
        print(f"  {name:16s} " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    assert not problems, "\n".join(problems[:40])


@pytest.mark.parametrize("name", ["pickle_p2.pt", "deep_header.safetensors", "fifo.safetensors",
                                  "config_vgg_wide.safetensors", "trunc_model_9.safetensors"])
def test_cli_subprocess_refuses_in_one_line(corpus, name):
    folder, cases, image = corpus
    case = next(c for c in cases if c.name == name)
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    for argv in (["summary", "--model", case.path], ["predict", case.path, image]):
        proc = subprocess.run([sys.executable, "-m", "numnet", *map(str, argv)], env=env, capture_output=True,
                              text=True, timeout=60, cwd=folder)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.startswith("numnet: error:") and proc.stderr.count("\n") == 1, proc.stderr
        assert "Traceback" not in proc.stderr
    assert not os.path.exists(folder / MARKER)
