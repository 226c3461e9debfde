"""The ``numnet`` command line: ``numnet lesson``, help, and one-line errors with exit status 2 (no traceback)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import numnet.cli as cli
from numnet.cli import Command, main
from numnet.errors import DataNotFoundError, ShapeError

LESSON_NUMBERS = [
    "0.6034832498647263",
    "[0.39513082 0.19707849 0.59902616]",
    "0.09026164910025532",
    "[[8. 8. 8.]",
    "[[ 6  8]",
    "[14 16]]",
    "[[ 3.5  5.5]",
    "[11.5 13.5]]",
]
REPO = Path(__file__).resolve().parents[1]


def _console_script() -> Path:
    script = Path(sys.executable).with_name("numnet")
    assert script.exists(), f"{script} missing: run `cd {REPO} && .venv/bin/pip install -e . --no-deps -q`"
    return script


def _check_lesson_output(out: str) -> None:
    for number in LESSON_NUMBERS:
        assert number in out, number
    for heading in ("1. The neuron", "4. One weight update", "5. Convolution", "8. Backpropagation by the chain rule"):
        assert heading in out


def test_lesson_in_process(capsys):
    assert main(["lesson"]) == 0
    captured = capsys.readouterr()
    _check_lesson_output(captured.out)
    assert captured.err == ""


def test_lesson_via_installed_console_script():
    proc = subprocess.run([str(_console_script()), "lesson"], capture_output=True, text=True, timeout=60, cwd="/")
    assert proc.returncode == 0, proc.stderr
    _check_lesson_output(proc.stdout)
    assert proc.stderr == ""


def test_python_dash_m_numnet():
    proc = subprocess.run(
        [sys.executable, "-m", "numnet", "nonsense"], capture_output=True, text=True, timeout=60, cwd=REPO
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith("numnet: error: ") and proc.stderr.count("\n") == 1


def test_unknown_subcommand_is_one_line_exit_2(capsys):
    assert main(["nonsense"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("numnet: error: ")
    assert "nonsense" in lines[0] and "lesson" in lines[0]


def test_unknown_subcommand_via_console_script():
    proc = subprocess.run([str(_console_script()), "trian"], capture_output=True, text=True, timeout=60, cwd="/")
    assert proc.returncode == 2
    assert proc.stderr.startswith("numnet: error: ") and proc.stderr.count("\n") == 1
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("argv", [[], ["lesson", "--bogus"], ["lesson", "extra"], ["--bogus"]])
def test_bad_arguments_are_one_line_exit_2(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("numnet: error: ") and err.count("\n") == 1


def test_help(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "usage: numnet" in out and "lesson" in out
    assert main(["lesson", "--help"]) == 0
    assert "usage: numnet lesson" in capsys.readouterr().out


def test_every_registry_uses_the_one_command_type():
    from numnet import _command, commands, explore
    from numnet.viz import cli as viz_cli

    assert Command is _command.Command
    assert all(type(c) is Command for c in cli._COMMANDS)
    registered = commands.COMMANDS + viz_cli._SUBCOMMANDS + [viz_cli.COMMAND, explore.COMMAND]
    assert all(type(c) is Command for c in registered)
    assert [c.name for c in commands.COMMANDS] == ["train", "evaluate", "predict", "summary", "export"]


def test_every_registered_command_has_help(capsys):
    names = [c.name for c in cli._COMMANDS]
    assert "lesson" in names and len(names) == len(set(names))
    for name in names:
        assert main([name, "--help"]) == 0
        assert f"usage: numnet {name}" in capsys.readouterr().out


@pytest.mark.parametrize(
    "exc",
    [
        ShapeError("conv2d: expected input (N, C, H, W), got (3, 3)"),
        DataNotFoundError("fashion-mnist not found in data/;\nrun `make data`"),
        FileNotFoundError(2, "No such file or directory", "missing.safetensors"),
        ValueError("--lr must be positive"),
        OSError("disk full"),
    ],
)
def test_command_errors_are_one_line_exit_2(monkeypatch, capsys, exc):
    def add_arguments(parser):
        parser.add_argument("--path")

    def run(args):
        raise exc

    monkeypatch.setattr(cli, "_COMMANDS", cli._COMMANDS + [Command("boom", "always fails", add_arguments, run)])
    assert main(["boom", "--path", "x"]) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("numnet: error: ")
    assert "Traceback" not in captured.err
    first_word = str(exc).split()[0]
    assert first_word in lines[0]


def test_a_new_command_is_one_list_entry(monkeypatch, capsys):
    seen = {}

    def add_arguments(parser):
        parser.add_argument("--epochs", type=int, default=1)

    def run(args):
        seen["epochs"] = args.epochs
        return 0

    monkeypatch.setattr(cli, "_COMMANDS", cli._COMMANDS + [Command("fake-train", "train a model", add_arguments, run)])
    assert main(["fake-train", "--epochs", "3"]) == 0
    assert seen == {"epochs": 3}
    assert main(["fake-train", "--epochs", "three"]) == 2  # a sub-parser's type error is one line too
    err = capsys.readouterr().err
    assert err.startswith("numnet: error: ") and err.count("\n") == 1 and "three" in err


def test_bench_without_its_reference_contenders_is_one_line_exit_2(monkeypatch, capsys):
    """`numnet bench` compares against torch and Dezero, test-time references that numnet never depends on: without
    one, a one-line error says what to install, instead of an ImportError traceback."""
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "dezero" else real(name, *a))
    assert main(["bench", "--quick"]) == 2
    err = capsys.readouterr().err
    assert "bench: the reference contenders are not installed: dezero" in err and "make bench" in err
    assert "Traceback" not in err
