"""Every transform on one sample and on a batch, the batchable flags, and bad arguments."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zerograd.data.transforms import (
    AsType,
    Compose,
    Flatten,
    Normalize,
    ToFloat,
    ToInt,
    Transform,
    apply_to_batch,
)


def stacked(transform, batch):
    """The per-sample reference: apply the transform to each sample and stack."""
    return np.stack([transform(sample) for sample in batch])


def test_astype_casts_and_copies():
    x = np.array([1, 2, 3], dtype=np.uint8)
    y = AsType(np.float64)(x)
    assert y.dtype == np.float64 and y.tolist() == [1.0, 2.0, 3.0]
    same = np.ones(3, dtype=np.float32)
    assert AsType(np.float32)(same) is not same  # a sample is never the data set's own array


def test_astype_batch_matches_per_sample():
    batch = np.arange(12, dtype=np.int32).reshape(3, 4)
    np.testing.assert_array_equal(AsType(np.float32).apply_batch(batch),
                                  stacked(AsType(np.float32), batch))


def test_tofloat_and_toint_defaults():
    assert ToFloat()(np.array([1, 2])).dtype == np.float32
    assert ToFloat(np.float64)(np.array([1])).dtype == np.float64
    y = ToInt()(np.array([1.9, -0.5]))
    assert y.dtype == np.dtype(int) and y.tolist() == [1, 0]
    assert ToInt(np.uint8)(np.array([3.2])).dtype == np.uint8


def test_astype_rejects_a_non_dtype():
    with pytest.raises(TypeError, match="AsType: dtype 'not a dtype'"):
        AsType("not a dtype")


def test_normalize_scalar_keeps_float32():
    x = np.array([0.0, 2.0, 4.0], dtype=np.float32)
    y = Normalize(mean=2.0, std=2.0)(x)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, [-1.0, 0.0, 1.0])


def test_normalize_integer_input_becomes_float32():
    y = Normalize(127.5, 127.5)(np.array([0, 255], dtype=np.uint8))
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, [-1.0, 1.0])


def test_normalize_float64_stays_float64():
    assert Normalize(1.0, 3.0)(np.zeros(2)).dtype == np.float64


def test_normalize_per_channel_on_sample_and_batch():
    rng = np.random.default_rng(0)
    image = rng.standard_normal((3, 4, 5)).astype(np.float32)
    mean, std = [0.1, 0.2, 0.3], [1.0, 2.0, 4.0]
    t = Normalize(mean, std)
    expected = (image - np.reshape(mean, (3, 1, 1))) / np.reshape(std, (3, 1, 1))
    np.testing.assert_allclose(t(image), expected, rtol=1e-6)
    batch = rng.standard_normal((6, 3, 4, 5)).astype(np.float32)
    np.testing.assert_allclose(t.apply_batch(batch), stacked(t, batch), rtol=1e-6)


def test_normalize_one_value_sequence_acts_like_a_scalar():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_allclose(Normalize([1.0], [2.0])(x), (x - 1) / 2)


def test_normalize_does_not_modify_its_input():
    x = np.ones(4, dtype=np.float32)
    Normalize(1.0, 2.0).apply_batch(x)
    np.testing.assert_array_equal(x, np.ones(4))


def test_normalize_rejects_bad_arguments():
    with pytest.raises(ValueError, match="Normalize: std must be non-zero"):
        Normalize(0.0, [1.0, 0.0])
    with pytest.raises(ValueError, match="Normalize: mean must be a number or a 1-D sequence"):
        Normalize([[0.0]], 1.0)
    with pytest.raises(ValueError, match=r"Normalize: 2 mean/std values do not match axis 0 "
                                         r"of shape \(3, 4\)"):
        Normalize([0.0, 1.0], 1.0)(np.zeros((3, 4)))


def test_flatten_sample_and_batch():
    x = np.arange(24).reshape(2, 3, 4)
    assert Flatten()(x).shape == (24,)
    batch = np.arange(48).reshape(2, 2, 3, 4)
    np.testing.assert_array_equal(Flatten().apply_batch(batch), stacked(Flatten(), batch))
    assert Flatten().apply_batch(batch).shape == (2, 24)


def test_compose_applies_in_order():
    t = Compose([ToFloat(), Normalize(1.0, 2.0), Flatten()])
    y = t(np.full((2, 2), 5, dtype=np.uint8))
    assert y.dtype == np.float32 and y.tolist() == [2.0] * 4


def test_compose_empty_is_identity():
    x = np.ones(3)
    assert Compose()(x) is x
    assert Compose().batchable


def test_compose_batchable_only_when_every_part_is():
    assert Compose([ToFloat(), Flatten()]).batchable
    slow = Compose([ToFloat(), lambda x: x * 2])
    assert not slow.batchable
    with pytest.raises(TypeError, match="Compose.apply_batch: not every part is batchable"):
        slow.apply_batch(np.ones((2, 2)))


def test_compose_batchable_follows_changes_to_its_list():
    t = Compose([ToFloat()])
    t.transforms.append(lambda x: x)
    assert not t.batchable


def test_compose_accepts_a_function_that_declares_batchable():
    def double(x):
        return x * 2

    double.batchable = True
    t = Compose([double, Flatten()])
    assert t.batchable
    batch = np.arange(8).reshape(2, 2, 2)
    np.testing.assert_array_equal(t.apply_batch(batch), stacked(t, batch))


def test_compose_rejects_a_non_callable():
    with pytest.raises(TypeError, match=r"Compose: transforms\[1\] is not callable"):
        Compose([ToFloat(), 3])


def test_base_transform_is_not_batchable():
    class Shift(Transform):
        def __call__(self, x):
            return x + 1

    assert not Shift().batchable
    with pytest.raises(TypeError, match="Shift.apply_batch: this transform works on one sample"):
        Shift().apply_batch(np.zeros(2))
    with pytest.raises(NotImplementedError, match="Transform does not define __call__"):
        Transform()(np.zeros(2))


def test_apply_to_batch_uses_plain_call_without_apply_batch():
    assert apply_to_batch(lambda b: b + 1, np.zeros(2)).tolist() == [1.0, 1.0]


def test_reprs_are_readable():
    assert repr(AsType(np.float32)) == "AsType(dtype=dtype('float32'))"
    assert repr(Normalize(0.5, [1.0, 2.0])) == "Normalize(mean=0.5, std=[1.0, 2.0])"
    assert "Flatten" in repr(Compose([Flatten()]))


@settings(max_examples=30, deadline=None)
@given(batch=st.integers(1, 4), channels=st.integers(1, 3),
       rest=st.lists(st.integers(1, 3), min_size=0, max_size=2))
def test_batch_forms_equal_stacked_samples(batch, channels, rest):
    rng = np.random.default_rng(batch * 100 + channels)
    data = rng.integers(0, 255, size=(batch, channels, *rest)).astype(np.uint8)
    mean = rng.uniform(0, 100, channels).tolist()
    std = rng.uniform(1, 50, channels).tolist()
    t = Compose([ToFloat(), Normalize(mean, std), Flatten()])
    np.testing.assert_allclose(t.apply_batch(data), stacked(t, data), rtol=1e-6)
