"""A seeded fuzzer over the command line (issue 13): every command of ``numnet`` with its options drawn from good
values and a pool of bad ones. Each call must end in success (status 0) or in one line ``numnet: error: ...`` with
status 2 — never a traceback, never an exception out of ``main``. The good values are tiny (a folder of six 8×8
PNGs, a 64-input MLP), so a call that succeeds trains or evaluates in well under a second.
``pytest -s`` prints the counts by outcome; ``NUMNET_FUZZ_EXAMPLES=<n>`` sets the examples per command (default 25).
"""

from __future__ import annotations

import contextlib
import io as _io
import os
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import numnet
from numnet.cli import main

EXAMPLES = int(os.environ.get("NUMNET_FUZZ_EXAMPLES", "25"))
COUNTS: Counter = Counter()
BAD = ["a", "", "-1", "0", "2.9", "nan", "inf", "-inf", "1e400", "99999999999999999999999", "/nonexistent/x",
       "<dir>", "<model>", "-", "--", "ü"]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Paths the good values point at: an image folder, a model file, one PNG, a history CSV, a scratch folder."""
    from PIL import Image

    from numnet.io.model_card import card_metadata

    root = tmp_path_factory.mktemp("cli-fuzz")
    rng = np.random.default_rng(0)
    for cls in ("a", "b"):
        (root / "images" / cls).mkdir(parents=True)
        for i in range(3):
            Image.fromarray(rng.integers(0, 256, (8, 8)).astype(np.uint8)).save(root / "images" / cls / f"{i}.png")
    model = numnet.models.get_model("mlp", in_features=64, hidden=[8], num_classes=2)
    numnet.io.save_model(model, root / "model.safetensors",
                         metadata=card_metadata(input_shape=(1, 8, 8), classes=["a", "b"]))
    numnet.io.save_model(numnet.models.get_model("lenet5"), root / "conv.safetensors",
                         metadata=card_metadata(input_shape=(1, 28, 28), classes=[str(i) for i in range(10)]))
    (root / "history.csv").write_text("epoch,loss,accuracy,val_loss,val_accuracy,lr\n1,1.0,0.5,1.1,0.4,0.1\n")
    (root / "out").mkdir()
    return {"<images>": str(root / "images"), "<model>": str(root / "model.safetensors"),
            "<conv>": str(root / "conv.safetensors"),
            "<png>": str(root / "images" / "a" / "0.png"), "<history>": str(root / "history.csv"),
            "<out>": str(root / "out"), "<dir>": str(root), "<csv>": str(root / "out" / "p.csv")}


# command: (fixed arguments, {option: [good values]}); a value may be a tuple (an option with several words) and
# a flag's good value is True (present). "<...>" names a path of the world fixture.
COMMANDS = {
    "train": (["--data", "<images>", "--model", "mlp", "--quiet", "--overwrite", "--out", "<out>"],
              {"--epochs": ["1"], "--batch-size": ["4", "2"], "--lr": ["0.05", "0.1"], "--momentum": ["0.9", "0"],
               "--weight-decay": ["0", "5e-4"], "--image-size": [("8", "8")], "--channels": ["1"],
               "--val-split": ["0.25", "0.5"], "--augment": ["none", "flip"], "--optimizer": ["sgd", "adam"],
               "--scheduler": ["none", "cosine"], "--seed": ["0", "3"], "--limit": ["6", "4"]}),
    "evaluate": (["<model>", "--data", "<images>"], {"--batch-size": ["2", "6"], "--limit": ["4", "6"],
                                                     "--split": ["test"]}),
    "predict": (["<model>", "<png>"], {"--top": ["1", "2"], "--size": [("8", "8")], "--invert": ["auto", "no"],
                                       "--csv": ["<csv>"]}),
    "summary": (["--model", "<model>"], {"--input-shape": [("1", "8", "8")]}),
    "summary-by-name": (["--model", "lenet5"], {"--input-shape": [("1", "28", "28"), ("1", "32", "32")]}),
    "plot curves": (["<history>", "--out", "<out>/c.png"], {}),
    "plot filters": (["<conv>", "--out", "<out>/f.png"], {}),
}


def _argv(world, command, fixed, chosen):
    words = ["summary"] if command == "summary-by-name" else command.split()
    for a in fixed:
        words.append(world.get(a, a.replace("<out>", world["<out>"])))
    for opt, value in chosen:
        if value is None:
            continue
        words.append(opt)
        for v in value if isinstance(value, tuple) else (value,):
            words.append(world.get(v, v))
    return words


def _options(options):
    """Each option absent, good or (a third of the time) a bad value; one fixed argument may be replaced too."""
    parts = []
    for opt, good in options.items():
        parts.append(st.tuples(st.just(opt), st.one_of(st.none(), st.sampled_from(good), st.sampled_from(BAD))))
    return st.tuples(*parts) if parts else st.just(())


@pytest.fixture(autouse=True)
def _in_scratch_folder(tmp_path, monkeypatch):
    """A bad word drawn for an output path ("-1", "ü") is a valid relative path: it must land in a scratch folder,
    not in the checkout."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="module", autouse=True)
def _report():
    yield
    print("\nCLI fuzz counts: " + ", ".join(f"{k}={v}" for k, v in sorted(COUNTS.items())))


@pytest.mark.parametrize("command", list(COMMANDS))
def test_command(world, command):
    fixed, options = COMMANDS[command]
    failures: list[str] = []

    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(_options(options), st.one_of(st.none(), st.tuples(st.integers(0, max(len(fixed) - 1, 0)),
                                                             st.sampled_from(BAD))))
    def check(chosen, swap):
        args = list(fixed)
        if swap is not None and args:
            args[swap[0]] = swap[1]
        argv = _argv(world, command, args, chosen)
        out, err = _io.StringIO(), _io.StringIO()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                status = main(argv)
        except BaseException as exc:  # noqa: BLE001 — anything escaping main is the failure we look for
            COUNTS["raw"] += 1
            failures.append(f"{argv}: {type(exc).__name__}: {exc}"[:300])
            return
        text = err.getvalue()
        if status == 0:
            COUNTS["ok-run"] += 1
        elif status == 2 and text.startswith("numnet: error:") and text.count("\n") == 1 and "Traceback" not in text:
            COUNTS["ok-error"] += 1
        else:
            COUNTS["bad-exit"] += 1
            failures.append(f"{argv}: status {status}: {text[-300:]}")
        COUNTS["calls"] += 1

    check()
    assert not failures, "\n".join(dict.fromkeys(failures))


@pytest.mark.parametrize("command", list(COMMANDS))
def test_good_values_run(world, command):
    """The good values are good: with all of them the command succeeds (so the fuzzer explores real calls)."""
    fixed, options = COMMANDS[command]
    argv = _argv(world, command, fixed, [(opt, good[0]) for opt, good in options.items()])
    err = _io.StringIO()
    with contextlib.redirect_stdout(_io.StringIO()), contextlib.redirect_stderr(err):
        status = main(argv)
    assert status == 0, (argv, err.getvalue())
