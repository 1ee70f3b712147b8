"""The few functions of the ``torch`` namespace not in an ops_* module: ``relu`` and ``numel``.

The rest live by family: ops_math (elementwise), ops_compare, ops_reduce, ops_index, ops_shape,
ops_products (with torch.linalg), ops_creation and ops_extra; promotion.py holds the dtype rules.
"""

from __future__ import annotations

from typing import Any

from zerograd.nn import functions as NF
from zerograd.torch.ops_common import result, tensor_of
from zerograd.torch.tensor import Tensor


def relu(input: Any) -> Tensor:  # noqa: A002  (PyTorch's argument name)
    return result(NF.relu(tensor_of(input)))


def numel(input: Any) -> int:  # noqa: A002
    return tensor_of(input).data.size
