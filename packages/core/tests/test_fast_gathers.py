"""The gathers rewritten for speed (issue 22 point 6): topk by partition, index_select and gather
through one fancy index, roll and flip as Functions of their own, einsum on a cached contraction
path. Each new backward path is checked by central differences in float64 (twice where it is its
own adjoint) and against PyTorch, at the edges: ties and NaN for topk, repeated and negative
indices, negative shifts over several axes."""

import numpy as np
import pytest

from zerograd.core.functions import indexing as I
from zerograd.core.functions import products as P
from zerograd.core.functions import rearrange as R
from zerograd.core.functions import sorting as S
from zerograd.core.testing import check_against_torch, check_backward, check_double_backward, torch_or_skip


@pytest.mark.parametrize("largest", [True, False])
def test_topk_partition_keeps_the_stable_order_over_ties_and_nan(largest, rng):
    ties = rng.integers(0, 3, (4, 40)).astype(np.float64)  # the k-th place tied: full-sort path
    spiky = np.array([[1.0, np.nan, np.inf, -np.inf, 2.0, np.nan, 0.0],
                      [1.0, np.nan, 5.0, -np.inf, 2.0, np.nan, 0.0]])
    for data in (rng.standard_normal((4, 40)), ties, spiky, rng.integers(-5, 5, (4, 40))):
        for axis in (1, 0):
            for k in sorted({1, 2, data.shape[axis] // 3, data.shape[axis]}):
                values, indices = S.topk(data, k, axis, largest)
                _, order = S.sort(data, axis, descending=largest)
                first = (slice(None),) * axis + (slice(0, k),)
                assert np.array_equal(indices, order[first])
                assert np.array_equal(values.data, np.take_along_axis(data, indices, axis),
                                      equal_nan=True)
    torch = torch_or_skip()
    for k in range(1, 8):
        got = S.topk(spiky, k, 1, largest)[0].data
        want = torch.topk(torch.tensor(spiky), k, 1, largest).values.numpy()
        assert np.array_equal(got, want, equal_nan=True), (k, got, want)


def test_topk_and_sort_gradients(rng):
    x = rng.standard_normal((3, 30))
    check_double_backward(lambda v: S.topk(v, 4, 1)[0], x)
    check_backward(lambda v: S.topk(v, 2, 0, largest=False)[0], x)
    check_backward(lambda v: S.sort(v, 0)[0], x)
    check_against_torch(lambda v: S.topk(v, 5, 1)[0], lambda t: t.topk(5, 1).values,
                        x.astype(np.float32))


def test_descending_sort_of_extreme_integers_does_not_overflow():
    data = np.array([5, np.iinfo(np.int64).min, 3, np.iinfo(np.int64).max, 3])
    _, order = S.sort(data, 0, descending=True)
    assert order.tolist() == [3, 0, 2, 4, 1]


def test_index_select_with_repeated_and_negative_indices(rng):
    x = rng.standard_normal((6, 4))
    for axis, index in ((0, np.array([3, 3, 0, 5, 3, -1])), (1, np.array([2, 2, 0])),
                        (0, np.array([], dtype=np.int64))):
        check_double_backward(lambda v: I.index_select(v, axis, index), x)
    check_against_torch(lambda v: I.index_select(v, 0, np.array([3, 3, 0, 5, 3, -1])),
                        lambda t: t.index_select(0, torch_or_skip().tensor([3, 3, 0, 5, 3, 5])),
                        x.astype(np.float32))


def test_gather_with_repeats_and_a_smaller_index(rng):
    x = rng.standard_normal((4, 5, 3))
    index = rng.integers(0, 5, (2, 6, 3))
    check_double_backward(lambda v: I.gather(v, 1, index), x)
    check_backward(lambda v: I.take_along_axis(v, index[:1, :, :1], 1), x)
    torch = torch_or_skip()
    check_against_torch(lambda v: I.gather(v, 1, index), lambda t: torch.gather(t, 1, torch.tensor(index)),
                        x.astype(np.float32))


@pytest.mark.parametrize("shifts,axis", [(2, 1), (-3, 2), ((1, -2), (0, 2)), ((-7, 3), (2, 1)),
                                         (-5, None)])
def test_roll_negative_shifts_and_several_axes(shifts, axis, rng):
    x = rng.standard_normal((3, 4, 5))
    check_double_backward(lambda v: R.roll(v, shifts, axis), x)
    torch = torch_or_skip()
    check_against_torch(lambda v: R.roll(v, shifts, axis), lambda t: torch.roll(t, shifts, axis),
                        x.astype(np.float32))


def test_flip_several_axes(rng):
    x = rng.standard_normal((3, 4, 5))
    check_double_backward(lambda v: R.flip(v, (0, 2)), x)
    y = R.flip(x, -1)
    assert not np.shares_memory(y.data, x)  # a copy, as PyTorch's flip
    torch = torch_or_skip()
    check_against_torch(lambda v: R.flip(v, (0, 2)), lambda t: torch.flip(t, (0, 2)),
                        x.astype(np.float32))


@pytest.mark.parametrize("equation,shapes", [("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
                                             ("bij,bjk,k->bi", [(2, 3, 4), (2, 4, 5), (5,)]),
                                             ("ij,jk->", [(3, 4), (4, 2)])])
def test_einsum_on_a_contraction_path(equation, shapes, rng):
    xs = [rng.standard_normal(s) for s in shapes]
    check_double_backward(lambda *vs: P.einsum(equation, *vs), *xs)
    torch = torch_or_skip()
    check_against_torch(lambda *vs: P.einsum(equation, *vs), lambda *ts: torch.einsum(equation, *ts),
                        *[x.astype(np.float32) for x in xs])


def test_triangles_and_masked_fill_as_single_functions(rng):
    x = rng.standard_normal((2, 4, 5))
    for k in (-1, 0, 2):
        check_double_backward(lambda v: R.triu(v, k), x)
        check_double_backward(lambda v: R.tril(v, k), x)
    nan = np.full((3, 3), np.nan)
    assert np.array_equal(R.triu(nan).data, np.triu(np.ones((3, 3))) * 0 + np.where(
        np.triu(np.ones((3, 3), dtype=bool)), np.nan, 0), equal_nan=True)  # NaN below: zeroed
    mask = rng.standard_normal((4, 5)) > 0  # broadcast over the leading axis
    check_double_backward(lambda v: I.masked_fill(v, mask, -2.0), x)
    torch = torch_or_skip()
    check_against_torch(lambda v: I.masked_fill(v, mask, -2.0),
                        lambda t: t.masked_fill(torch.tensor(mask), -2.0), x.astype(np.float32))
    check_against_torch(lambda v: R.tril(v, -1), lambda t: torch.tril(t, -1), x.astype(np.float32))


@pytest.mark.parametrize("reps", [(2, 3), (3,), (2, 1, 2), (1, 0)])
def test_tile_gradient_sums_the_copies(reps, rng):
    x = rng.standard_normal((3, 2))
    check_double_backward(lambda v: R.tile(v, reps), x)
    torch = torch_or_skip()
    check_against_torch(lambda v: R.tile(v, reps), lambda t: torch.tile(t, reps), x.astype(np.float32))
