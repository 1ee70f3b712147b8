"""torch.Generator and generator= (issue 23, point 8): per-generator reproducibility."""

from __future__ import annotations

import numpy as np
import pytest

import zerograd.torch as ztorch
from zerograd.torch.utils.data import DataLoader, TensorDataset, random_split


def _draws(g):
    return [ztorch.randn(3, generator=g).numpy(), ztorch.rand(2, 2, generator=g).numpy(),
            ztorch.randint(0, 10, (4,), generator=g).numpy(), ztorch.randperm(5, generator=g).numpy(),
            ztorch.empty(3).normal_(generator=g).numpy(), ztorch.empty(3).uniform_(generator=g).numpy()]


def test_one_seed_one_sequence_whatever_else_draws():
    first = _draws(ztorch.Generator().manual_seed(7))
    other = ztorch.Generator().manual_seed(7)
    ztorch.randn(100)  # the global generator moves; the own one does not
    np.random.seed(123)  # noqa: NPY002
    for a, b in zip(first, _draws(other)):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], _draws(ztorch.Generator().manual_seed(8))[0])


def test_state_round_trip_and_seeds():
    g = ztorch.Generator()
    assert g.initial_seed() == 67280421310721  # PyTorch's default
    assert g.manual_seed(5) is g and g.initial_seed() == 5
    state = g.get_state()
    assert state.dtype == np.uint8
    a = ztorch.randn(4, generator=g).numpy()
    g.set_state(state)
    np.testing.assert_array_equal(a, ztorch.randn(4, generator=g).numpy())
    s = g.seed()
    assert g.initial_seed() == s


def test_the_default_generator_is_the_global_one():
    assert ztorch.manual_seed(3) is ztorch.default_generator
    a = ztorch.randn(3).numpy()
    state = ztorch.get_rng_state()
    b = ztorch.randn(3).numpy()
    ztorch.set_rng_state(state)
    np.testing.assert_array_equal(b, ztorch.randn(3).numpy())
    ztorch.manual_seed(3)
    np.testing.assert_array_equal(a, ztorch.randn(3).numpy())
    assert ztorch.initial_seed() == 3


def test_data_loader_and_random_split_take_a_generator():
    data = TensorDataset(ztorch.arange(20.0))

    def order(seed):
        loader = DataLoader(data, batch_size=5, shuffle=True,
                            generator=ztorch.Generator().manual_seed(seed))
        return np.concatenate([b[0].numpy() for b in loader])

    np.testing.assert_array_equal(order(1), order(1))
    assert not np.array_equal(order(1), order(2))
    def split_with(seed):
        return [list(s.indices) for s in
                random_split(data, [15, 5], generator=ztorch.Generator().manual_seed(seed))]

    split, again = split_with(4), split_with(4)
    assert split == again and sorted(split[0] + split[1]) == list(range(20))


def test_a_generator_must_be_a_generator():
    with pytest.raises(TypeError, match="torch.Generator"):
        ztorch.randn(2, generator=np.random.default_rng(0))


def test_the_generator_interface_matches_pytorchs():
    torch = pytest.importorskip("torch", reason="PyTorch oracle: torch is not installed here")
    for name in ("manual_seed", "seed", "initial_seed", "get_state", "set_state"):
        assert hasattr(torch.Generator(), name) and hasattr(ztorch.Generator(), name)
    assert ztorch.Generator().initial_seed() == torch.Generator().initial_seed()
