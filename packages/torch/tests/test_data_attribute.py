"""``Tensor.data`` as PyTorch: a Tensor sharing the storage, cut from the graph (issue 23, point 1),
with real torch as the oracle; and the engine still reading the array through the same name."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import zerograd.torch as ztorch


def test_writes_through_data_reach_the_parameter(same_as_torch):
    def snippet(torch):
        torch.manual_seed(0)
        m = torch.nn.Linear(3, 2)
        with torch.no_grad():
            m.weight.copy_(torch.arange(6.0).reshape(2, 3))
        m.weight.data.mul_(0.5)
        m.weight.data[0] = 1.0
        m.bias.data.copy_(torch.tensor([3.0, 4.0]).data)
        m.bias.data.add_(m.bias.data)
        return [m.weight, m.bias]

    same_as_torch(snippet)


def test_data_is_a_detached_leaf_sharing_memory():
    w = ztorch.nn.Parameter(ztorch.ones(2, 3))
    d = w.data
    assert isinstance(d, ztorch.Tensor) and not isinstance(d, ztorch.nn.Parameter)
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    assert d.data_ptr() == w.data_ptr() and d.shape == (2, 3) and d.dtype == np.float32
    d.normal_()
    assert float(w.sum()) == float(d.sum()) and float(w.std()) > 0


def test_assigning_data_replaces_the_storage(same_as_torch):
    def snippet(torch):
        p = torch.nn.Parameter(torch.ones(3))
        p.data = torch.arange(5.0)  # another shape: allowed, as in PyTorch
        assert p.requires_grad and p.is_leaf and tuple(p.shape) == (5,)
        (p * p).sum().backward()
        return [p, p.grad]

    same_as_torch(snippet)


def test_assigning_an_array_to_data_is_a_type_error_as_in_pytorch():
    p = ztorch.nn.Parameter(ztorch.ones(3))
    with pytest.raises(TypeError, match="Variable data has to be a tensor, but got numpy.ndarray"):
        p.data = np.zeros(3)


def test_writes_through_data_are_hidden_from_autograd(same_as_torch):
    # PyTorch's version counter does not see .data: the graph uses the new values silently.
    def snippet(torch):
        q = torch.tensor([1.0, 2.0], requires_grad=True)
        y = q * q
        q.data.mul_(2)
        q.data[0] = 5.0
        y.sum().backward()
        r = torch.tensor([1.0, 2.0], requires_grad=True)
        z = r * 3
        r.data.copy_(torch.zeros(2))
        z.sum().backward()
        return [q.grad, r.grad, y.detach()]

    same_as_torch(snippet)


def test_in_place_through_data_records_nothing():
    q = ztorch.tensor([1.0, 2.0], requires_grad=True)
    d = q.data
    d.add_(1.0)
    assert d.grad_fn is None and q.grad_fn is None and q.is_leaf


def test_the_optimizer_and_saving_still_see_arrays(tmp_path):
    ztorch.manual_seed(0)
    m = ztorch.nn.Linear(3, 2)
    m.weight.data = ztorch.zeros(2, 3)
    optimizer = ztorch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    m(ztorch.ones(4, 3)).sum().backward()
    optimizer.step()
    np.testing.assert_allclose(m.weight.detach().numpy(), np.full((2, 3), -0.4), rtol=1e-6)
    ztorch.save(m.state_dict(), tmp_path / "m.pt")
    again = ztorch.nn.Linear(3, 2)
    again.load_state_dict(ztorch.load(tmp_path / "m.pt"))
    np.testing.assert_array_equal(again.weight.detach().numpy(), m.weight.detach().numpy())


def test_copy_pickle_and_numpy_conversion():
    p = ztorch.nn.Parameter(ztorch.arange(3.0))
    for clone in (copy.deepcopy(p), pickle.loads(pickle.dumps(p))):
        assert isinstance(clone, ztorch.nn.Parameter) and clone.requires_grad
        np.testing.assert_array_equal(clone.detach().numpy(), [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(np.asarray(p.data), [0.0, 1.0, 2.0])
    with pytest.raises(RuntimeError, match="requires grad"):
        np.asarray(p)
