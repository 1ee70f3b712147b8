"""Drawing the computational graph with Graphviz: DOT text always, an image when `dot` exists."""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any

from zerograd.core.files import atomic_write
from zerograd.core.variable import Variable


def _dot_var(v: Variable, verbose: bool) -> str:
    label = "" if v.name is None else v.name
    if verbose and v.data is not None:
        label += (": " if v.name is not None else "") + f"{v.shape} {v.dtype}"
    return f'{id(v)} [label="{label}", color=orange, style=filled]\n'


def _dot_func(f: Any) -> str:
    lines = [f'{id(f)} [label="{type(f).__name__}", color=lightblue, style=filled, shape=box]\n']
    lines += [f"{id(x)} -> {id(f)}\n" for x in f.inputs]
    lines += [f"{id(f)} -> {id(y())}\n" for y in f.outputs if y() is not None]
    return "".join(lines)


def get_dot_graph(output: Variable, verbose: bool = True) -> str:
    """The graph that produced ``output`` as Graphviz DOT text.

    >>> import numpy as np
    >>> x = Variable(np.array(1.0), name="x")
    >>> print(get_dot_graph(x * 2, verbose=False).splitlines()[0])
    digraph g {
    """
    text = _dot_var(output, verbose)
    pending = [output.creator] if output.creator is not None else []
    seen = set(pending)
    while pending:
        func = pending.pop()
        text += _dot_func(func)
        for x in func.inputs:
            text += _dot_var(x, verbose)
            if x.creator is not None and x.creator not in seen:
                seen.add(x.creator)
                pending.append(x.creator)
    return "digraph g {\n" + text + "}"


def plot_dot_graph(output: Variable, verbose: bool = True, to_file: str = "graph.png") -> str:
    """Render the graph to ``to_file`` (format from its extension) with Graphviz's `dot`.

    Returns the path written. Raises RuntimeError naming the missing program when Graphviz is not
    installed (Debian: apt-get install graphviz).
    """
    dot = shutil.which("dot")
    if dot is None:
        raise RuntimeError("plot_dot_graph: Graphviz's `dot` program was not found on PATH "
                           "(install Graphviz, e.g. apt-get install graphviz); "
                           "get_dot_graph() returns the DOT text without it")
    extension = os.path.splitext(to_file)[1][1:] or "png"
    rendered = subprocess.run([dot, "-T", extension], input=get_dot_graph(output, verbose).encode(),
                              capture_output=True, check=False)
    if rendered.returncode != 0:
        raise RuntimeError(f"plot_dot_graph: dot failed: {rendered.stderr.decode(errors='replace')}")
    with atomic_write(to_file) as f:
        f.write(rendered.stdout)
    return to_file
