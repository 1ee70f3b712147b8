"""scaled_dot_product_attention: one Function with masks, causal masking, scale and dropout."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import zerograd.nn.functions as F
from zerograd.core import Variable, using_config
from zerograd.core.testing import check_backward, check_double_backward


def _qkv(rng, batch=(2, 3), length=4, key_length=5, features=3, value_features=2):
    return (rng.standard_normal((*batch, length, features)),
            rng.standard_normal((*batch, key_length, features)),
            rng.standard_normal((*batch, key_length, value_features)))


def _bool_mask(rng, shape, dead_row=True):
    mask = rng.random(shape) > 0.4
    mask[..., 0, :] = True
    if dead_row:
        mask[..., 1, :] = False  # a query that sees no key: output and gradients 0
    return mask


def _seeded(func, seed=0):
    """func with NumPy's generator reseeded at each call: the same dropout mask every time."""
    def call(*xs):
        np.random.seed(seed)
        return func(*xs)
    return call


@pytest.mark.parametrize("kwargs", [{}, {"is_causal": True}, {"scale": 0.7}])
def test_gradient(kwargs, rng):
    check_backward(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, **kwargs), *_qkv(rng))


def test_gradient_with_boolean_mask_broadcast_over_batch(rng):
    mask = _bool_mask(rng, (3, 4, 5))
    check_backward(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, mask), *_qkv(rng))


def test_gradient_of_additive_mask_and_broadcast_batch(rng):
    q, k, v = _qkv(rng, batch=(2, 1))
    k, v = k[:1, :1], v[0]  # key (1, 1, S, E) and value (S, Ev) broadcast against query's batch
    mask = rng.standard_normal((3, 4, 5))  # widens the batch to (2, 3)
    check_backward(F.scaled_dot_product_attention, q, k, v, mask)


def test_gradient_with_dropout(rng):
    check_backward(_seeded(lambda q, k, v: F.scaled_dot_product_attention(
        q, k, v, _bool_mask(np.random.default_rng(1), (4, 5)), dropout_p=0.3)), *_qkv(rng))


@pytest.mark.parametrize("kwargs", [{}, {"is_causal": True}, {"dropout_p": 0.4}])
def test_double_backward(kwargs, rng):
    check_double_backward(_seeded(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, **kwargs)),
                          *_qkv(rng, batch=(2,), length=3, key_length=3))


def test_double_backward_with_dead_row_and_additive_mask(rng):
    q, k, v = _qkv(rng, batch=(2,))
    keep = _bool_mask(rng, (4, 5))
    check_double_backward(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, keep), q, k, v)
    check_double_backward(F.scaled_dot_product_attention, q, k, v, rng.standard_normal((4, 5)))


def test_dropout_off_in_test_mode_and_mask_repeatable(rng):
    q, k, v = (a.astype(np.float32) for a in _qkv(rng))
    with using_config("train", False):
        plain = F.scaled_dot_product_attention(q, k, v).data
        np.testing.assert_array_equal(F.scaled_dot_product_attention(q, k, v, dropout_p=0.5).data,
                                      plain)
    np.random.seed(3)
    dropped = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5).data
    np.random.seed(3)
    np.testing.assert_array_equal(F.scaled_dot_product_attention(q, k, v, dropout_p=0.5).data,
                                  dropped)
    assert not np.allclose(dropped, plain)


CASES = [
    {},
    {"is_causal": True},
    {"scale": 0.25},
    {"mask": "bool"},
    {"mask": "float"},
    {"mask": "bool", "mask_shape": (1, 3, 1, 5)},
]


@pytest.mark.parametrize("case", CASES)
def test_against_pytorch(case, torch_check):
    import torch

    rng = np.random.default_rng(len(str(case)))
    q, k, v = (a.astype(np.float32) for a in _qkv(rng, batch=(2, 3), length=4, key_length=5,
                                                   features=8, value_features=6))
    kwargs = {key: case[key] for key in ("is_causal", "scale") if key in case}
    inputs = [q, k, v]
    if "mask" in case:
        mask = _bool_mask(rng, case.get("mask_shape", (4, 5)), dead_row=False)
        inputs.append(mask if case["mask"] == "bool"
                      else np.where(mask, rng.standard_normal(mask.shape), -np.inf).astype(np.float32))
    torch_check(lambda *xs: F.scaled_dot_product_attention(*xs, **kwargs),
                lambda *ts: torch.nn.functional.scaled_dot_product_attention(*ts, **kwargs), inputs)


def test_fully_masked_row_is_zero_like_pytorch(torch_check):
    import torch

    rng = np.random.default_rng(0)
    q, k, v = (a.astype(np.float32) for a in _qkv(rng, batch=(2,)))
    mask = _bool_mask(rng, (4, 5))
    torch_check(F.scaled_dot_product_attention, torch.nn.functional.scaled_dot_product_attention,
                [q, k, v, mask])


def _held_after(func, *arrays):
    """Bytes still allocated after func's forward (what the graph keeps for backward), and the
    peak while backward runs."""
    xs = [Variable(a) for a in arrays]
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    y = func(*xs)
    kept = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    y.grad = Variable(np.ones_like(y.data))
    y.backward()
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return kept, peak


@pytest.mark.parametrize("dropout_p", [0.0, 0.2])
def test_backward_keeps_one_score_sized_array(dropout_p):
    """Forward keeps the probabilities (B, H, T, T) and nothing else of that size; backward peaks
    at three such arrays with dropout (the saved one and two working arrays), two without. A
    chain of generic Functions keeps several."""
    rng = np.random.default_rng(0)
    B, H, T, D = 2, 2, 256, 8
    q, k, v = (rng.standard_normal((B, H, T, D)).astype(np.float32) for _ in range(3))
    scores = B * H * T * T * 4
    small = 3 * B * H * T * D * 4
    kept, peak = _held_after(
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True, dropout_p=dropout_p),
        q, k, v)
    assert scores <= kept < scores + small + 64 * 1024
    assert peak < (3 if dropout_p else 2) * scores + 3 * small + 64 * 1024

    def composed(q, k, v):
        s = F.softmax(q @ k.transpose(0, 1, 3, 2) * (1 / np.sqrt(D)), axis=-1)
        return F.dropout(s, dropout_p) @ v if dropout_p else s @ v

    composed_kept, _ = _held_after(composed, q, k, v)
    assert composed_kept >= 2 * scores


def test_causal_mask_helper():
    np.testing.assert_array_equal(F.causal_mask(2, 3), [[True, False, False], [True, True, False]])


@pytest.mark.parametrize(("shapes", "mask", "message"), [
    (((2, 4, 3), (2, 5, 2), (2, 5, 2)), None, r"query \(2, 4, 3\) and key \(2, 5, 2\)"),
    (((2, 4, 3), (2, 5, 3), (2, 6, 2)), None, r"key \(2, 5, 3\) and value \(2, 6, 2\)"),
    (((2, 4, 3), (3, 5, 3), (3, 5, 2)), None, r"batch\) axes of query \(2, 4, 3\)"),
    (((3,), (5, 3), (5, 2)), None, r"query must have shape \(\.\.\., length, features\)"),
    (((2, 4, 3), (2, 5, 3), (2, 5, 2)), (4, 4), r"attn_mask of shape \(4, 4\) does not broadcast "
                                                r"to \(\.\.\., L, S\) = \(\.\.\., 4, 5\)"),
])
def test_bad_shapes_are_named(shapes, mask, message):
    arrays = [np.zeros(s, np.float32) for s in shapes]
    with pytest.raises(ValueError, match=message):
        F.scaled_dot_product_attention(*arrays, None if mask is None else np.ones(mask, bool))


def test_bad_arguments():
    x = np.zeros((2, 3, 4), np.float32)
    with pytest.raises(ValueError, match="not both"):
        F.scaled_dot_product_attention(x, x, x, np.ones((3, 3), bool), is_causal=True)
    with pytest.raises(TypeError, match="boolean or floating"):
        F.scaled_dot_product_attention(x, x, x, np.ones((3, 3), int))
    with pytest.raises(TypeError, match="share one dtype"):
        F.scaled_dot_product_attention(x, x, x.astype(np.float64))
    with pytest.raises(ValueError, match=r"dropout_p must lie in \[0, 1\]"):
        F.scaled_dot_product_attention(x, x, x, dropout_p=1.5)
