"""scatter_reduce's 'sum', 'mean', 'amax', 'amin' and 'prod', with and without the input's own
values: central differences in float64 (ties avoided for amax/amin, whose gradient is shared
over ties), PyTorch's values and gradients in float32 (ties included), prod over zeros refused."""

import numpy as np
import pytest

from zerograd.core.functions.scatter_reduce import scatter_reduce
from zerograd.core.testing import check_against_torch, check_backward, torch_or_skip

INDEX = np.array([[0, 2, 0, 0], [1, 1, 3, 1]])  # repeats, and position 4 of each row untouched


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", ["sum", "mean", "amax", "amin", "prod"])
def test_gradients_and_pytorch(reduce, include_self, rng):
    x = rng.uniform(0.5, 2.0, (2, 5))
    src = rng.uniform(0.5, 2.0, (2, 4))
    check_backward(lambda a, b: scatter_reduce(a, 1, INDEX, b, reduce, include_self), x, src)
    torch = torch_or_skip()
    index = torch.tensor(INDEX)
    check_against_torch(lambda a, b: scatter_reduce(a, 1, INDEX, b, reduce, include_self),
                        lambda a, b: a.scatter_reduce(1, index, b, reduce, include_self=include_self),
                        x.astype(np.float32), src.astype(np.float32))


def test_amax_shares_the_gradient_over_ties():
    x = np.array([3.0, 1.0])
    src = np.array([3.0, 3.0, 0.5])
    check_against_torch(lambda a, b: scatter_reduce(a, 0, np.array([0, 0, 1]), b, "amax"),
                        lambda a, b: a.scatter_reduce(0, torch_or_skip().tensor([0, 0, 1]), b, "amax"),
                        x.astype(np.float32), src.astype(np.float32))


def test_integer_mean_rounds_down_and_prod_over_zeros_is_refused():
    got = scatter_reduce(np.array([5, 7, 9]), 0, np.array([0, 0, 1]), np.array([2, 3, -4]), "mean")
    assert got.data.tolist() == [3, 1, 9]
    from zerograd.core import Variable
    with pytest.raises(NotImplementedError, match="reduce='prod' over zero"):
        scatter_reduce(Variable(np.array([1.0, 0.0])), 0, np.array([1]), np.array([2.0]), "prod")
    with pytest.raises(ValueError, match="reduce must be one of"):
        scatter_reduce(np.ones(2), 0, np.array([1]), np.ones(1), "max")
