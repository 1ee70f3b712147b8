"""The operator families added for the PyTorch surface (issue 22): elementwise math, order
statistics, indexing, rearranging, products, running totals and linear algebra. Each is checked
by central differences in float64, differentiated twice, and compared with PyTorch (float32)."""

import numpy as np
import pytest

from zerograd.core import functions as F
from zerograd.core.functions import accumulation as A
from zerograd.core.functions import comparison as C
from zerograd.core.functions import elementwise as E
from zerograd.core.functions import indexing as I
from zerograd.core.functions import linalg as L
from zerograd.core.functions import products as P
from zerograd.core.functions import rearrange as R
from zerograd.core.functions import sorting as S
from zerograd.core.testing import check_against_torch, check_backward, check_double_backward, torch_or_skip

UNARY = [  # (zerograd, torch name, input domain)
    (E.tan, "tan", (-1, 1)), (E.arcsin, "asin", (-0.9, 0.9)), (E.arccos, "acos", (-0.9, 0.9)),
    (E.arctan, "atan", (-3, 3)), (E.sinh, "sinh", (-2, 2)), (E.cosh, "cosh", (-2, 2)),
    (E.arcsinh, "asinh", (-2, 2)), (E.arccosh, "acosh", (1.2, 3)), (E.arctanh, "atanh", (-0.9, 0.9)),
    (E.exp2, "exp2", (-2, 2)), (E.expm1, "expm1", (-2, 2)), (E.log2, "log2", (0.5, 3)),
    (E.log10, "log10", (0.5, 3)), (E.log1p, "log1p", (-0.5, 3)),
    (E.reciprocal, "reciprocal", (0.5, 3)), (E.rsqrt, "rsqrt", (0.5, 3)),
    (E.square, "square", (-2, 2)), (E.sinc, "sinc", (0.1, 2)), (E.frac, "frac", (0.1, 0.9)),
]


@pytest.mark.parametrize("func,name,domain", UNARY, ids=[u[1] for u in UNARY])
def test_unary(func, name, domain, rng):
    import importlib
    x = rng.uniform(*domain, size=(3, 4))
    check_backward(func, x)
    check_double_backward(func, x)
    torch = torch_or_skip()
    check_against_torch(func, getattr(torch, name), x.astype(np.float32))
    assert func(x.astype(np.float32)).dtype == np.float32
    assert importlib.import_module("zerograd.core.functions").tan is E.tan


BINARY = [(E.atan2, "atan2"), (E.hypot, "hypot"), (E.logaddexp, "logaddexp"),
          (E.fmod, "fmod"), (E.remainder, "remainder"), (E.xlogy, "xlogy")]


@pytest.mark.parametrize("func,name", BINARY, ids=[b[1] for b in BINARY])
def test_binary(func, name, rng):
    a, b = rng.uniform(0.5, 2, (3, 4)), rng.uniform(0.6, 1.9, (4,))
    check_backward(func, a, b)
    torch = torch_or_skip()
    check_against_torch(func, getattr(torch, name), a.astype(np.float32), b.astype(np.float32))


def test_sort_topk_kthvalue_median_route_the_gradient_to_one_index(rng):
    x = rng.standard_normal((3, 5))
    check_backward(lambda v: S.sort(v, 1, True)[0], x)
    check_double_backward(lambda v: S.topk(v, 2, 1)[0], x)
    check_backward(lambda v: S.kthvalue(v, 2, 0)[0], x)
    check_backward(lambda v: S.median(v, 1)[0], x)
    check_backward(lambda v: S.max_along(v, 0)[0], x)
    torch_or_skip()
    x32 = x.astype(np.float32)
    check_against_torch(lambda v: S.sort(v, 1)[0], lambda t: t.sort(1).values, x32)
    check_against_torch(lambda v: S.topk(v, 3, 1)[0], lambda t: t.topk(3, 1).values, x32)
    check_against_torch(lambda v: S.median(v), lambda t: t.median(), x32)
    tie = np.array([[1.0, 3.0, 3.0]], dtype=np.float32)  # ties: PyTorch routes to one index
    check_against_torch(lambda v: S.max_along(v, 1)[0], lambda t: t.max(1).values, tie)
    assert S.max_along(x, 1)[1].tolist() == np.argmax(x, 1).tolist()


def test_indexing(rng):
    x = rng.standard_normal((3, 4))
    index = np.array([[0, 1, 1, 3], [2, 0, 0, 0]])
    check_backward(lambda v: I.gather(v, 1, index[:, :2]), x)
    check_double_backward(lambda v: I.index_select(v, 1, np.array([3, 0, 3])), x)
    check_backward(lambda v: I.masked_select(v, x > 0), x)
    src = rng.standard_normal((2, 4))
    check_backward(lambda v, s: I.scatter_add_along(v, 0, index[:, :4] % 3, s), x, src)
    check_backward(lambda v, s: I.index_add(v, 0, np.array([2, 2]), s, alpha=2.0), x, src)
    check_backward(lambda v, s: I.scatter(v, 1, np.array([[3, 0]]), s[:1, :2]), x, src)
    check_backward(lambda v: I.masked_fill(v, x > 0, 0.5), x)
    torch = torch_or_skip()
    x32, s32 = x.astype(np.float32), src.astype(np.float32)
    check_against_torch(lambda v: I.gather(v, 1, index[:, :2]),
                        lambda t: t.gather(1, torch.tensor(index[:, :2])), x32)
    check_against_torch(lambda v, s: I.scatter_add_along(v, 0, index % 3, s),
                        lambda t, s: t.scatter_add(0, torch.tensor(index % 3), s), x32, s32)
    check_against_torch(lambda v, s: I.index_add(v, 1, np.array([0, 0, 1, 3]), s),
                        lambda t, s: t.index_add(1, torch.tensor([0, 0, 1, 3]), s), x32,
                        rng.standard_normal((3, 4)).astype(np.float32))
    assert I.nonzero(np.array([[0, 1], [2, 0]])).tolist() == [[0, 1], [1, 0]]


def test_bad_index_is_named():
    with pytest.raises(IndexError, match="index_select: index out of range"):
        I.index_select(np.zeros((2, 3)), 1, np.array([5]))
    with pytest.raises(TypeError, match="gather: index must hold integers"):
        I.gather(np.zeros((2, 3)), 1, np.zeros((2, 1)))


def test_rearrange(rng):
    x = rng.standard_normal((3, 4))
    for func in (lambda v: R.roll(v, 1, 0), lambda v: R.flip(v, (0, 1)), lambda v: R.tile(v, (2, 1)),
                 lambda v: R.repeat_interleave(v, 2, 1), lambda v: R.diagonal(v, 1),
                 lambda v: R.tril(v), lambda v: R.triu(v, 1), lambda v: R.diag(v[0]),
                 lambda v: R.moveaxis(v, 0, 1), lambda v: R.narrow(v, 1, 1, 2)):
        check_backward(func, x)
    check_double_backward(lambda v: R.roll(v, (1, 2), (0, 1)), x)
    assert [p.shape for p in R.split_sizes(x, 3, 1)] == [(3, 3), (3, 1)]
    assert [p.shape for p in R.chunk(x, 3, 1)] == [(3, 2), (3, 2)]
    assert len(R.unbind(x, 1)) == 4 and R.unflatten(x, 1, (2, -1)).shape == (3, 2, 2)
    torch = torch_or_skip()
    x32 = x.astype(np.float32)
    check_against_torch(lambda v: R.repeat(v, (2, 2)), lambda t: t.repeat(2, 2), x32)
    check_against_torch(lambda v: R.diag(v[1], -1), lambda t: torch.diag(t[1], -1), x32)
    check_against_torch(lambda v: R.triu(v, -1), lambda t: t.triu(-1), x32)


def test_products(rng):
    a, b, c = rng.standard_normal((2, 3)), rng.standard_normal((3, 4)), rng.standard_normal((4,))
    check_backward(lambda x, y: P.einsum("ij,jk->ik", x, y), a, b)
    check_double_backward(lambda x, y: P.einsum("ij,jk->i", x, y), a, b)
    check_backward(lambda x, y: P.tensordot(x, y, 1), a, b)
    check_backward(P.kron, a, b)
    check_backward(P.outer, c, c[:2])
    check_backward(P.dot, c, c[::-1].copy())
    torch = torch_or_skip()
    check_against_torch(lambda x, y: P.kron(x, y), torch.kron, a.astype(np.float32), b.astype(np.float32))
    check_against_torch(lambda x, y: P.einsum("ij,kj", x, y), lambda x, y: torch.einsum("ij,kj", x, y),
                        a.astype(np.float32), b.T.astype(np.float32).copy())
    with pytest.raises(NotImplementedError, match="einsum: the ellipsis"):
        P.einsum("...i,i", a, c[:3])


def test_running_totals_and_norms(rng):
    x = rng.uniform(0.5, 1.5, (3, 4))
    check_backward(lambda v: A.prod(v, 1), x)
    check_double_backward(lambda v: A.prod(v, 0), x)
    check_backward(lambda v: A.prod(v, 1), np.array([[1.0, 0.0, 2.0], [0.0, 0.0, 3.0]]))
    check_backward(lambda v: A.cumsum(v, 1), x)
    check_double_backward(lambda v: A.cumprod(v, 1), x)
    check_backward(lambda v: A.cumprod(v, 1), np.array([[1.5, 0.0, 2.0, 3.0]]))
    check_backward(lambda v: A.logcumsumexp(v, 0), x)
    check_backward(lambda v: A.vector_norm(v, 3, (1,)), x)
    torch = torch_or_skip()
    x32 = x.astype(np.float32)
    check_against_torch(lambda v: A.cumprod(v, 0), lambda t: t.cumprod(0), x32)
    check_against_torch(lambda v: A.vector_norm(v), lambda t: torch.linalg.vector_norm(t), x32)
    zero = np.zeros(3, dtype=np.float32)  # the subgradient at 0 is 0, as in PyTorch
    check_against_torch(lambda v: A.vector_norm(v), lambda t: torch.linalg.vector_norm(t), zero)
    assert A.count_nonzero(np.array([0, 1, 2])) == 2 and not A.all(np.array([1, 0]))


def test_linalg(rng):
    a = rng.standard_normal((3, 3)) + 3 * np.eye(3)
    b = rng.standard_normal((3, 2))
    check_backward(L.inv, a)
    check_double_backward(L.det, a)
    check_backward(L.solve, a, b)
    check_backward(L.svdvals, rng.standard_normal((3, 2)))
    check_backward(lambda v: L.matrix_norm(v, 1), a)
    torch = torch_or_skip()
    check_against_torch(L.inv, torch.linalg.inv, a.astype(np.float32), rtol=1e-3)
    check_against_torch(lambda v: L.norm(v, "nuc"), lambda t: torch.linalg.norm(t, "nuc"),
                        a.astype(np.float32), rtol=1e-3)
    with pytest.raises(ValueError, match="det: expects square matrices"):
        L.det(np.zeros((2, 3)))


def test_comparison_logical_bitwise():
    a, b = np.array([1, 2, 3]), np.array([3, 2, 1])
    assert C.compare("lt", a, b).tolist() == [True, False, False]
    assert C.logical("logical_not", a > 1).tolist() == [True, False, False]
    assert C.bitwise("bitwise_xor", a, b).tolist() == [2, 0, 2]
    assert C.test("isnan", np.array([np.nan, 1.0])).tolist() == [True, False]
    with pytest.raises(TypeError, match="bitwise_and: expects integer or bool operands"):
        C.bitwise("bitwise_and", np.array([1.0]), np.array([2.0]))


def test_index_map_keeps_float32():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    assert R.flip(x, 1).dtype == np.float32 and F.sum(R.roll(x, 1)).dtype == np.float32
