"""numnet.lesson: every section printed in order, with the lesson's numbers from basics and from the library."""

from __future__ import annotations

import io
import re

import pytest

from numnet.lesson import SECTIONS, print_lesson

HEADINGS = [
    "1. The neuron",
    "2. Sigmoid and its derivative",
    "3. ReLU",
    "4. One weight update",
    "5. Convolution",
    "6. Max pooling",
    "7. Average pooling",
    "8. Backpropagation by the chain rule",
]


@pytest.fixture(scope="module")
def text() -> str:
    buf = io.StringIO()
    print_lesson(file=buf)
    return buf.getvalue()


def _section(text: str, number: int) -> str:
    start = text.index(HEADINGS[number - 1])
    end = text.index(HEADINGS[number]) if number < len(HEADINGS) else len(text)
    return text[start:end]


def _value(section: str, label: str) -> str:
    """The text after ``label:`` on its line."""
    for line in section.splitlines():
        if line.startswith(label + ":"):
            return line[len(label) + 1:].strip()
    raise AssertionError(f"no line starting with {label!r} in:\n{section}")


def test_sections_in_order_with_headings(text):
    assert [title for title, _ in SECTIONS] == HEADINGS
    positions = [text.index(h + "\n" + "=" * len(h)) for h in HEADINGS]
    assert positions == sorted(positions)
    for number in range(1, 9):
        section = _section(text, number)
        assert "basics" in section or "by hand" in section
        assert "library" in section or "autograd" in section


def test_neuron_section(text):
    s = _section(text, 1)
    assert "σ(" in s and "x: [0.5 0.3 0.1]" in s and "w: [0.4 0.2 0.6]" in s
    assert _value(s, "basics   single_neuron(x, w, b)") == "0.6034832498647263"
    assert _value(s, "library  F.sigmoid((w * x).sum() + b)") == "0.6034832498647263"


def test_activation_sections(text):
    s = _section(text, 2)
    assert _value(s, "basics   sigmoid_derivative(z)") == _value(s, "library  z.grad after F.sigmoid(z).sum().backward()")
    assert "0.25" in _value(s, "basics   sigmoid_derivative(z)")
    assert _value(s, "basics   sigmoid(z)") == _value(s, "library  F.sigmoid(z)")
    r = _section(text, 3)
    assert _value(r, "basics   relu(z)") == "[0.  0.  0.  1.5 3. ]" == _value(r, "library  F.relu(z)")
    assert _value(r, "library  z.grad after F.relu(z).sum().backward()") == "[0. 0. 0. 1. 1.]"


def test_weight_update_section(text):
    s = _section(text, 4)
    assert "2(y − y_true)·σ'(z)·x" in s
    assert _value(s, "basics   new w") == "[0.39513082 0.19707849 0.59902616]"
    assert _value(s, "basics   new b") == "0.09026164910025532"
    assert _value(s, "library  loss.backward(); new w = w − α·w.grad") == "[0.39513082 0.19707849 0.59902616]"
    assert abs(float(_value(s, "library  new b = b − α·b.grad")) - 0.09026164910025532) <= 1e-15


def test_convolution_and_pooling_sections(text):
    eights = "    [[8. 8. 8.]\n     [8. 8. 8.]\n     [8. 8. 8.]]"
    conv = _section(text, 5)
    assert conv.count(eights) == 2  # basics and F.conv2d
    mx = _section(text, 6)
    assert "    [[ 6  8]\n     [14 16]]" in mx  # basics keeps the integer image's dtype
    assert "    [[ 6.  8.]\n     [14. 16.]]" in mx  # F.max_pool2d on the float tensor
    avg = _section(text, 7)
    assert avg.count("    [[ 3.5  5.5]\n     [11.5 13.5]]") == 2


def test_backprop_section_autograd_equals_hand_chain_rule(text):
    s = _section(text, 8)
    for name in ("w1", "w2"):
        by_hand = float(_value(s, f"by hand  ∂L/∂{name}"))
        autograd = float(_value(s, f"autograd {name}.grad"))
        assert by_hand != 0.0
        assert autograd == pytest.approx(by_hand, rel=1e-12, abs=1e-15)
    assert re.search(r"2\(y − t\) · w2 · σ'\(z1\) · x", s)


def test_print_lesson_defaults_to_stdout(capsys):
    print_lesson()
    assert "8. Backpropagation by the chain rule" in capsys.readouterr().out
