"""``str(tensor)`` and ``repr(tensor)`` as PyTorch prints them, and ``torch.set_printoptions``
(issue 23, point 4): exact strings against real torch for a table of cases."""

from __future__ import annotations

import pytest

import zerograd.torch as ztorch
from zerograd.core.testing import torch_or_skip

CASES = {
    "floats": lambda torch: torch.tensor([1.0, 2.5]),
    "requires grad": lambda torch: torch.tensor([1.0, 2.5], requires_grad=True),
    "whole floats": lambda torch: torch.tensor([1.0, 2.0]),
    "ints": lambda torch: torch.tensor([1, 2, 3]),
    "bools": lambda torch: torch.tensor([True, False]),
    "0-d float": lambda torch: torch.tensor(3.5),
    "0-d int": lambda torch: torch.tensor(7),
    "0-d nan": lambda torch: torch.tensor(float("nan")),
    "2-d": lambda torch: torch.tensor([[1.5, -2.25], [3.0, 400.125]]),
    "2-d ints": lambda torch: torch.tensor([[1, -20], [300, 4]]),
    "3-d": lambda torch: torch.tensor([[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]]),
    "4-d": lambda torch: torch.ones(3, 3, 3, 3) * 0.5,
    "empty": lambda torch: torch.tensor([]),
    "empty 2-d": lambda torch: torch.zeros(0, 3),
    "empty int64": lambda torch: torch.zeros(2, 0, dtype=torch.int64),
    "large": lambda torch: torch.arange(2000.0),
    "large ints 2-d": lambda torch: torch.arange(2000).reshape(40, 50),
    "large 3-d": lambda torch: torch.arange(5000.0).reshape(10, 20, 25) / 7,
    "wrapped lines": lambda torch: torch.arange(100.0).reshape(2, 50) * 1.5,
    "thirds": lambda torch: torch.arange(30.0) / 3,
    "scientific small": lambda torch: torch.tensor([1e-5, 1.0]),
    "scientific large": lambda torch: torch.tensor([1e9, 1.0]),
    "scientific whole": lambda torch: torch.tensor([1.0, 2000.0]),
    "scientific span": lambda torch: torch.tensor([0.1, 12345.678]),
    "scientific above 1e8": lambda torch: torch.tensor([123456789.0, 0.5]),
    "scientific negative": lambda torch: torch.tensor([-1e-6]),
    "non-finite whole": lambda torch: torch.tensor([float("inf"), float("nan"), 1.0]),
    "non-finite": lambda torch: torch.tensor([float("inf"), float("nan"), 1.5]),
    "zeros": lambda torch: torch.tensor([0.0, -0.0]),
    "float64": lambda torch: torch.tensor([1.0, 2.0], dtype=torch.float64),
    "float64 grad": lambda torch: torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True),
    "float64 scientific": lambda torch: torch.tensor([1e-5, 1.0]).to(torch.float64) * 3,
    "int32": lambda torch: torch.tensor([1, 2], dtype=torch.int32),
    "uint8": lambda torch: torch.tensor([1, 2], dtype=torch.uint8),
    "float16": lambda torch: torch.tensor([1.5, 2], dtype=torch.float16),
    "grad_fn": lambda torch: torch.tensor([-1.0, 2.0], requires_grad=True) * 2,
    "grad_fn of two tensors": lambda torch: (torch.tensor([3.0], requires_grad=True)
                                             ** torch.tensor([2.0], requires_grad=True)),
    "parameter": lambda torch: torch.nn.Parameter(torch.tensor([1.0, 2.0])),
}

OPTIONS = [dict(precision=2), dict(threshold=5), dict(edgeitems=1, threshold=5), dict(linewidth=30),
           dict(sci_mode=True), dict(sci_mode=False), dict(profile="short"),
           dict(profile="full", threshold=10)]


@pytest.mark.parametrize("case", list(CASES))
def test_str_and_repr_as_pytorch(case):
    torch = torch_or_skip()
    expected = repr(CASES[case](torch))
    ours = CASES[case](ztorch)
    assert repr(ours) == expected
    assert str(ours) == str(CASES[case](torch))


@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_print_options_as_pytorch(options):
    torch = torch_or_skip()

    def printed(module):
        module.set_printoptions(**options)
        try:
            return [str(module.tensor([1.123456, 22.5, 3e-3, 4.0, 5.0, 6.0, 7.0, 8.0])),
                    str(module.arange(12.0).reshape(3, 4) / 3), str(module.arange(20))]
        finally:
            module.set_printoptions(profile="default", sci_mode=None)

    assert printed(ztorch) == printed(torch)


def test_bad_profile_names_the_choices():
    with pytest.raises(ValueError, match="set_printoptions: profile must be one of"):
        ztorch.set_printoptions(profile="long")
