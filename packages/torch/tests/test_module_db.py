"""The module_db harness (conformance/modules.py) itself: it must see a wrong module.
test_conformance.py grades every module_db entry with it (one walk of the database for every
check), so that every entry zerograd.torch.nn offers either matches torch on all its samples, in
train and eval mode (outputs, buffers, input and parameter gradients), or raises an error that
names what it lacks. None may give other numbers."""

import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="the module_db comparison needs PyTorch (3.11 oracle)")
pytest.importorskip("expecttest", reason="torch.testing._internal needs expecttest")
sys.path.insert(0, str(Path(__file__).parent))

from conformance import modules  # noqa: E402
from torch.testing._internal.common_modules import module_db  # noqa: E402

import zerograd.torch as ztorch  # noqa: E402
from zerograd.torch import nn  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # torch's deprecation notes


def test_the_harness_sees_a_wrong_module(monkeypatch):
    # A harness that cannot fail proves nothing: a Softplus that ignores beta is a mismatch.
    monkeypatch.setattr(nn.Softplus, "forward", lambda self, x: nn.functional.relu(x))
    info = next(i for i in module_db if i.module_cls.__name__ == "Softplus")
    verdict, note = modules.grade(info, torch, ztorch)
    assert verdict == "mismatch", note
