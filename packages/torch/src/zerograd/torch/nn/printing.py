"""A Module printed as PyTorch prints it: ``Name(extra_repr)``, children indented below as
``(key): child``, and runs of equal entries of a ModuleList folded into ``(0-2): 3 x child``."""

from __future__ import annotations

from typing import Any

from zerograd.nn import Layer


def _add_indent(text: str, spaces: int) -> str:
    """Every line of ``text`` but the first indented by ``spaces`` (PyTorch's _addindent)."""
    first, *rest = text.split("\n")
    return "\n".join([first, *((" " * spaces) + line for line in rest)])


def _children(module: Layer) -> list[tuple[str, Layer]]:
    return list(Layer.named_children(module))


def _folded(children: list[tuple[str, Layer]]) -> list[str]:
    """ModuleList's lines: consecutive children that print alike as one '(i-j): n x child'."""
    runs: list[list[Any]] = []  # [first index, last index, text]
    for i, (_, child) in enumerate(children):
        text = repr(child)
        if runs and runs[-1][2] == text:
            runs[-1][1] = i
        else:
            runs.append([i, i, text])
    return [f"({a}): {text}" if a == b else f"({a}-{b}): {b - a + 1} x {text}"
            for a, b, text in runs]


def module_repr(module: Any, fold_repeats: bool = False) -> str:
    extra = module.extra_repr()
    extra_lines = extra.split("\n") if extra else []
    children = _children(module)
    if fold_repeats:
        if not children:
            return f"{module._get_name()}()"
        child_lines = _folded(children)
    else:
        child_lines = [f"({name}): {repr(child)}" for name, child in children]
    child_lines = [_add_indent(line, 2) for line in child_lines]
    lines = extra_lines + child_lines
    text = module._get_name() + "("
    if lines:
        if len(extra_lines) == 1 and not child_lines:
            text += extra_lines[0]
        else:
            text += "\n  " + "\n  ".join(lines) + "\n"
    return text + ")"
