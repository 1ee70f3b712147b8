"""erf, erfc and erfinv: double precision against math.erf/erfc, PyTorch in float32, gradients by
central differences (and twice), the edges (+-inf, NaN, +-1 and outside [-1, 1])."""

import math

import numpy as np
import pytest

from zerograd.core.functions import special as SP
from zerograd.core.testing import check_against_torch, check_backward, check_double_backward, torch_or_skip


def test_erf_and_erfc_to_double_precision():
    x = np.concatenate([np.linspace(-27, 27, 541), [2.4999999, 2.5, -2.5, 1e-300, 0.0]])
    want_erf = np.array([math.erf(v) for v in x])
    want_erfc = np.array([math.erfc(v) for v in x])
    np.testing.assert_allclose(SP.erf(x).data, want_erf, rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(SP.erfc(x).data, want_erfc, rtol=1e-10, atol=1e-300)  # tail: relative


def test_edges():
    x = np.array([-np.inf, np.inf, np.nan])
    assert SP.erf(x).data[:2].tolist() == [-1.0, 1.0] and np.isnan(SP.erf(x).data[2])
    assert SP.erfc(x).data[:2].tolist() == [2.0, 0.0]
    y = SP.erfinv(np.array([-1.0, 1.0, 1.5, -2.0, np.nan, 0.0])).data
    assert y[:2].tolist() == [-np.inf, np.inf] and np.isnan(y[2:5]).all() and y[5] == 0.0
    assert SP.erf(np.float32(0.5) * np.ones(2, np.float32)).dtype == np.float32
    with pytest.raises(TypeError, match="erf: expects a floating array"):
        SP.erf(np.arange(3))


def test_erfinv_inverts_erf_up_to_the_ends():
    y = np.concatenate([np.linspace(-0.999999, 0.999999, 201), [1 - 1e-12, -1 + 1e-15]])
    np.testing.assert_allclose(SP.erf(SP.erfinv(y).data).data, y, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("func,name,low,high", [(SP.erf, "erf", -3, 3), (SP.erfc, "erfc", -3, 3),
                                                (SP.erfinv, "erfinv", -0.9, 0.9)])
def test_gradients_and_pytorch(func, name, low, high, rng):
    x = rng.uniform(low, high, (3, 4))
    check_backward(func, x)
    check_double_backward(func, x)
    torch = torch_or_skip()
    check_against_torch(func, getattr(torch.special, name), x.astype(np.float32))
