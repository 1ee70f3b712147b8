"""PyTorch's type promotion in the facade: torch.result_type's rules (Python numbers and NumPy
scalars are weak, 0-d tensors weaker than dimensioned ones, integer division gives the default
float), checked against real torch on every pairing of dtypes and kinds of operand."""

import itertools

import numpy as np
import pytest

import zerograd.torch as ztorch

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
NUMBERS = [True, 2, 2.5, np.float64(1.5), np.int64(3)]


def _operand(kind, dtype):
    if kind == "tensor":
        return np.ones((2,), dtype=dtype)
    return np.ones((), dtype=dtype)  # a 0-d tensor


def test_result_type_matches_torch_for_tensor_pairs():
    torch = pytest.importorskip("torch")
    for (k1, d1), (k2, d2) in itertools.product(
            itertools.product(["tensor", "zero-d"], DTYPES), repeat=2):
        a, b = _operand(k1, d1), _operand(k2, d2)
        want = torch.result_type(torch.from_numpy(a), torch.from_numpy(b))
        got = ztorch.result_type(ztorch.from_numpy(a), ztorch.from_numpy(b))
        assert str(want).split(".")[1] == got.name, (k1, d1, k2, d2)


@pytest.mark.parametrize("number", NUMBERS, ids=repr)
def test_numbers_are_weak(number):
    torch = pytest.importorskip("torch")
    for kind, dtype in itertools.product(["tensor", "zero-d"], DTYPES):
        a = _operand(kind, dtype)
        plain = number.item() if isinstance(number, np.generic) else number
        want = torch.result_type(torch.from_numpy(a), plain)
        assert str(want).split(".")[1] == ztorch.result_type(ztorch.from_numpy(a), number).name


def test_arithmetic_follows_the_rules():
    x32 = ztorch.ones(3)
    assert (ztorch.add(x32, np.float64(1.5))).dtype == np.float32  # a NumPy scalar is weak
    assert ztorch.div(ztorch.tensor([5, 7]), 2).dtype == np.float32  # true division of ints
    assert ztorch.mul(ztorch.tensor([1, 2]), 0.5).dtype == np.float32
    assert ztorch.add(ztorch.tensor([True]), ztorch.tensor([1], dtype=ztorch.uint8)).dtype == np.uint8
    assert ztorch.sin(ztorch.tensor([1, 2])).dtype == np.float32
    assert ztorch.add(ztorch.tensor([1, 2]), ztorch.tensor(2.5, dtype=ztorch.float64)).dtype == np.float64
    assert ztorch.add(x32, ztorch.tensor(2.5, dtype=ztorch.float64)).dtype == np.float32


def test_set_default_dtype_is_honoured():
    try:
        ztorch.set_default_dtype(ztorch.float64)
        assert ztorch.get_default_dtype() == np.float64
        assert ztorch.div(ztorch.tensor([1, 2]), 2).dtype == np.float64
        assert ztorch.zeros(2).dtype == np.float64 and ztorch.tensor([1.5]).dtype == np.float64
    finally:
        ztorch.set_default_dtype(ztorch.float32)
    assert ztorch.zeros(2).dtype == np.float32
    with pytest.raises(TypeError, match="set_default_dtype: only floating dtypes"):
        ztorch.set_default_dtype(ztorch.int64)
