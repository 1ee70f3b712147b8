"""The opt-in `dezero` alias (zerograd-dezero's `alias` extra): the book's imports run unchanged
and give zerograd.dezero's own objects."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ALIAS_SOURCE = Path(__file__).resolve().parents[1] / "alias" / "src"

BOOK_CODE = """
import numpy as np
from dezero import Variable
import dezero
import dezero.functions as F
from dezero.core import Function
from dezero.models import MLP
import zerograd.dezero
assert dezero.Variable is zerograd.dezero.Variable and Function is zerograd.dezero.Function
assert F is zerograd.dezero.functions and dezero.utils is zerograd.dezero.utils
assert F.__spec__.name == "zerograd.dezero.functions"  # the module itself, left as it was
x = Variable(np.array(1.0))
y = F.sin(x)
y.backward()
print(round(float(x.grad.data), 6), MLP((3, 1))(np.ones((2, 4), np.float32)).shape)
"""


def _run(code, **env):
    if not ALIAS_SOURCE.exists():
        pytest.skip("the alias's source is not beside this installed package")
    path = os.pathsep.join([str(ALIAS_SOURCE), *sys.path])
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": path, **env}, timeout=120)


@pytest.mark.slow  # seconds: trains or runs the book's programs (the 3.11 cell only)
def test_the_books_imports_run_and_give_zerograds_objects():
    result = _run(BOOK_CODE)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0.540302", "(2,", "1)"]


def test_without_zerograd_dezero_the_alias_names_the_pip_line():
    result = _run("import sys; sys.modules['zerograd.dezero'] = None; import dezero")
    assert result.returncode == 1
    assert "pip install 'zerograd-dezero[alias]'" in result.stderr
