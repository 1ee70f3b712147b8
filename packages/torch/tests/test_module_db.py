"""torch.nn modules graded by PyTorch's own ModuleInfo database (module_db): every entry that
zerograd.torch.nn offers either matches torch on all its samples, in train and eval mode
(outputs, buffers, input and parameter gradients; conformance/modules.py), or raises an error
that names what it lacks. None may give other numbers."""

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

# Entries whose functions this branch has: they must match outright.
MUST_MATCH = {"ReLU", "LeakyReLU", "GELU", "Tanh", "Softmax2d",
              "Embedding", "GRU", "Bilinear", "GroupNorm", "InstanceNorm1d", "InstanceNorm2d",
              "InstanceNorm3d", "LocalResponseNorm", "RMSNorm", "RNNCell", "GRUCell", "LSTMCell",
              "RNN"}


@pytest.mark.parametrize("info", module_db, ids=lambda info: info.module_cls.__name__)
def test_module_db_entry(info):
    verdict, note = modules.grade(info, torch, ztorch)
    assert verdict != "mismatch", note
    if info.module_cls.__name__ in MUST_MATCH:
        assert verdict == "match", note


def test_the_harness_sees_a_wrong_module(monkeypatch):
    # A harness that cannot fail proves nothing: a Softplus that ignores beta is a mismatch.
    monkeypatch.setattr(nn.Softplus, "forward", lambda self, x: nn.functional.relu(x))
    info = next(i for i in module_db if i.module_cls.__name__ == "Softplus")
    verdict, note = modules.grade(info, torch, ztorch)
    assert verdict == "mismatch", note
