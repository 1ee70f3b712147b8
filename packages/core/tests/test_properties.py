"""Property-based tests of the shape logic (hypothesis)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from zerograd.core import Variable, utils
from zerograd.core import functions as F

settings.register_profile("zerograd", max_examples=60, deadline=None)
settings.load_profile("zerograd")


@given(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=4))
def test_broadcast_to_and_sum_to_are_adjoint(shapes):
    small = shapes.input_shapes[0]
    big = shapes.result_shape
    x = Variable(np.random.default_rng(0).standard_normal(small))
    y = F.broadcast_to(x, big)
    assert y.shape == big
    np.testing.assert_array_equal(y.data, np.broadcast_to(x.data, big))
    y.backward()
    # each element of x was copied prod(big)/prod(small) times
    assert x.grad.shape == small
    np.testing.assert_allclose(x.grad.data, utils.sum_to(np.ones(big), small))
    np.testing.assert_allclose(F.sum_to(y, small).data, utils.sum_to(y.data, small))


@st.composite
def array_and_index(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=5))
    index = draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
    return shape, index


@given(array_and_index())
def test_get_item_matches_numpy_and_scatters_back(case):
    shape, index = case
    data = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
    x = Variable(data)
    y = x[index]
    np.testing.assert_array_equal(y.data, data[index])
    y.backward()
    expected = np.zeros(shape)
    expected[index] += 1
    np.testing.assert_array_equal(x.grad.data, expected)


@given(hnp.array_shapes(min_dims=1, max_dims=3, max_side=5), st.data())
def test_fancy_indices_accumulate_like_add_at(shape, data):
    index = data.draw(hnp.arrays(np.intp, st.integers(1, 6), elements=st.integers(0, shape[0] - 1)))
    x = Variable(np.zeros(shape))
    x[index].backward()
    expected = np.zeros(shape)
    np.add.at(expected, index, 1)
    np.testing.assert_array_equal(x.grad.data, expected)


@given(hnp.array_shapes(min_dims=1, max_dims=4, max_side=4), st.randoms(use_true_random=False))
def test_reshape_and_transpose_round_trip(shape, random):
    data = np.random.default_rng(1).standard_normal(shape)
    axes = list(range(len(shape)))
    random.shuffle(axes)
    x = Variable(data)
    y = F.transpose(F.reshape(x, (-1,)).reshape(shape), axes)
    np.testing.assert_array_equal(y.data, data.transpose(axes))
    gy = np.random.default_rng(2).standard_normal(y.shape)
    y.grad = Variable(gy)
    y.backward()
    np.testing.assert_array_equal(x.grad.data, gy.transpose(np.argsort(axes)))
