"""Tensor's methods mean what PyTorch's mean; numbers, conversions and dtypes (issue 23, points 1
and 4), with real torch as the oracle."""

from __future__ import annotations

import numpy as np
import pytest

import zerograd.torch as ztorch
import zerograd.torch.nn as znn


def test_sizes_and_transposes(same_as_torch):
    def snippet(torch):
        x = torch.arange(24.0).reshape(2, 3, 4)
        m = torch.arange(6.0).reshape(2, 3)
        return [list(x.size()), x.size(1), x.size(-1), x.dim(), x.numel(), x.transpose(0, 1),
                x.transpose(-1, 0), m.transpose(0, 1), m.T, m.t(), x.permute(2, 0, 1),
                x.sum(1), x.sum((0, 2), keepdim=True), x.mean(dim=-1), x.flatten(1),
                m.unsqueeze(-1).squeeze(), m.view(3, 2), m.reshape(-1), m.expand(2, 2, 3)]

    same_as_torch(snippet)


def test_transpose_of_a_2d_tensor_is_no_longer_a_no_op():
    x = ztorch.arange(6.0).reshape(2, 3)
    assert x.transpose(0, 1).shape == (3, 2)
    assert tuple(x.size()) == (2, 3) and repr(x.size()) == "torch.Size([2, 3])"


def test_python_numbers(same_as_torch):
    def snippet(torch):
        loss = torch.tensor([2.5])
        t = torch.tensor(3)
        return [float(loss), int(t), float(bool(torch.tensor([0.0]))), [10, 20, 30, 40][t],
                loss.item(), float(torch.tensor([[1.5]]))]

    same_as_torch(snippet)


@pytest.mark.parametrize("module", ["zerograd", "torch"])
def test_python_numbers_of_several_elements_raise(module):
    torch = ztorch if module == "zerograd" else pytest.importorskip("torch")
    with pytest.raises((RuntimeError, ValueError)):
        float(torch.tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(torch.tensor([1.0, 2.0]))
    with pytest.raises(TypeError):
        [1, 2][torch.tensor(1.0)]


def test_the_legacy_constructor(same_as_torch):
    def snippet(torch):
        return [torch.Tensor([1, 2]), torch.Tensor(np.array([[1, 2]], dtype=np.int64)),
                list(torch.Tensor(2, 3).shape), torch.Tensor().numel(), torch.Tensor([1, 2]).dtype
                == torch.float32]

    same_as_torch(snippet)


def test_comparisons_and_value_tests(same_as_torch):
    def snippet(torch):
        a = torch.tensor([1.0, float("nan"), float("inf"), 2.0])
        b = torch.tensor([1.0, float("nan"), float("inf"), 2.000001])
        return [float(torch.allclose(a[[0, 3]], b[[0, 3]])), float(torch.allclose(a, b)),
                float(torch.allclose(a, b, equal_nan=True)), torch.isclose(a, b),
                float(torch.equal(a[:1], b[:1])), float(torch.equal(a, a[:2])), torch.isnan(a),
                torch.isfinite(a), torch.isinf(a)]

    same_as_torch(snippet)


def test_data_and_detach_share_memory_and_leave_the_graph():
    w = ztorch.ones(3, requires_grad=True)
    d = w.detach()
    d[0] = 5.0
    assert float(w.data[0]) == 5.0 and not d.requires_grad and d.grad_fn is None


def test_modules_losses_and_optimizers_never_drift_to_float64():
    model = znn.Sequential(znn.Linear(4, 8), znn.ReLU(), znn.Linear(8, 3))
    opt = ztorch.optim.Adam(model.parameters(), lr=0.01)
    x = ztorch.tensor([[1, 2, 3, 4], [5, 6, 7, 8]]) / 2  # integer data: the float64 path
    x = x.float()
    y = ztorch.tensor([0, 2])
    for loss_fn in (znn.CrossEntropyLoss(), lambda out, t: znn.MSELoss()(out, out.detach() * 0.5),
                    lambda out, t: znn.functional.nll_loss(znn.functional.log_softmax(out, 1), t)):
        opt.zero_grad()
        out = model(x * 0.1 + np.float32(1.5))
        loss = loss_fn(out, y)
        loss.backward()
        opt.step()
        assert out.dtype == np.float32 and loss.dtype == np.float32
    for p in model.parameters():
        assert p.dtype == np.float32 and p.grad.dtype == np.float32
    for state in opt.state_dict()["state"].values():
        for value in state.values():
            if hasattr(value, "dtype") and getattr(value, "ndim", 0):
                assert value.dtype == np.float32


def test_each_tensor_method_has_one_home():
    """No facade mixin defines a name that a class before it in Tensor's MRO defines again."""
    from zerograd.torch.tensor import Tensor

    facade = [c for c in Tensor.__mro__ if c.__module__.startswith("zerograd.torch")]
    shadowed = [(c.__name__, later.__name__, name) for i, c in enumerate(facade)
                for name in vars(c) if not name.startswith("__")
                for later in facade[i + 1:] if name in vars(later)]
    assert shadowed == []
