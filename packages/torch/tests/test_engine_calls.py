"""The engine never calls a Variable method whose PyTorch meaning differs (issue 23, point 1).

zerograd.torch.Tensor subclasses Variable with PyTorch's meanings (``size()`` a method,
``transpose(d0, d1)``, ``max(dim)`` -> (values, indices), ``sum(dim, keepdim)``, ``backward
(gradient, retain_graph)``), and a Tensor reaches the engine's Functions and layers as an input.
So the engine's own code (core, nn, data, vision, text) must reach those operations through
functions (``F.transpose``, ``F.sum``, ``Variable.backward(v)``) or through the array (``x.data.size``).

An AST scan: in every function of the engine's sources, the names known to hold Variables (what
``as_variable`` returns, what ``self.inputs`` and ``self.outputs[i]()`` unpack to, the gradients
a ``backward`` receives) must not be used with a conflicting member. It is a lint, not a proof:
it misses a Variable that reaches a name any other way, which the facade's tests then catch.
"""

from __future__ import annotations

import ast
import importlib
import os

import pytest

ENGINE = ["zerograd.core", "zerograd.nn", "zerograd.data", "zerograd.vision", "zerograd.text"]
# Members whose PyTorch meaning differs from Variable's (or that Tensor lacks in NumPy's form).
CONFLICTING = {"size", "transpose", "max", "min", "backward", "view", "expand", "repeat",
               "flatten", "squeeze", "unsqueeze", "std", "var", "sort", "median", "to", "type"}
NUMPY_KEYWORDS = {"axis", "keepdims"}  # Tensor's reductions take dim/keepdim
REDUCTIONS = {"sum", "mean", "prod", "all", "any"}


def _sources() -> list[str]:
    paths = []
    for name in ENGINE:
        root = os.path.dirname(importlib.import_module(name).__file__)
        for folder, _, files in os.walk(root):
            paths += [os.path.join(folder, f) for f in files if f.endswith(".py")]
    return sorted(paths)


def _is_self_inputs(node: ast.AST) -> bool:
    """``self.inputs``, ``self.inputs[i]`` or ``self.outputs[i]()``."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Subscript):
        node = node.value
    return (isinstance(node, ast.Attribute) and node.attr in ("inputs", "outputs")
            and isinstance(node.value, ast.Name) and node.value.id == "self")


def _is_as_variable(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "as_variable")


def _variable_names(func: ast.FunctionDef) -> set[str]:
    names = set()
    if func.name == "backward":
        names |= {a.arg for a in func.args.args[1:]}
        if func.args.vararg:
            names.add(func.args.vararg.arg)
    for node in ast.walk(func):
        if isinstance(node, ast.Assign) and (_is_self_inputs(node.value) or _is_as_variable(node.value)):
            for target in node.targets:
                for leaf in ast.walk(target):
                    if isinstance(leaf, ast.Name):
                        names.add(leaf.id)
    return names


def _offences(path: str) -> list[str]:
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    found = []
    for func in ast.walk(tree):
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        names = _variable_names(func)
        for node in ast.walk(func):
            if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in names):
                continue
            if node.attr in CONFLICTING:
                found.append(f"{path}:{node.lineno}: {node.value.id}.{node.attr}")
        for node in ast.walk(func):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name) and node.func.value.id in names
                    and node.func.attr in REDUCTIONS
                    and any(k.arg in NUMPY_KEYWORDS for k in node.keywords)):
                found.append(f"{path}:{node.lineno}: {node.func.value.id}.{node.func.attr}(axis=...)")
    return found


def test_the_engine_calls_no_variable_method_whose_pytorch_meaning_differs() -> None:
    offences = [o for path in _sources() for o in _offences(path)]
    assert not offences, ("the engine calls Variable methods that a zerograd.torch.Tensor means "
                          "differently; use a function or the array:\n" + "\n".join(offences))


def test_the_scan_catches_the_known_forms(tmp_path) -> None:
    source = (
        "def f(x):\n    x = as_variable(x)\n    return x.size // 2\n"
        "class G:\n    def backward(self, gy):\n        a, = self.inputs\n"
        "        return gy.sum(axis=0) + a.transpose(1, 0)\n")
    path = tmp_path / "zerograd_engine_scan_sample.py"  # its own: sessions run side by side
    path.write_text(source, encoding="utf-8")
    got = sorted(o.split(": ", 1)[1] for o in _offences(str(path)))
    assert got == ["a.transpose", "gy.sum(axis=...)", "x.size"]


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__])
