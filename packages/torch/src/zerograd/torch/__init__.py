"""zerograd-torch: PyTorch's names, argument order, defaults and weight layout over zerograd.

A PyTorch program runs with its imports changed (``import zerograd.torch as torch``,
``import zerograd.torch.nn as nn``, ``import zerograd.torch.nn.functional as F``, ...); every
gradient, kernel and optimizer rule is zerograd's own.

>>> import zerograd.torch as torch
>>> x = torch.ones(2, 3, requires_grad=True)
>>> y = (x * 2).sum()
>>> y.backward()
>>> x.grad
tensor([[2., 2., 2.],
        [2., 2., 2.]])
"""

from zerograd.torch import autograd, cuda
from zerograd.torch.autograd import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from zerograd.torch.comparison import allclose, equal, isclose, isfinite, isinf, isnan
from zerograd.torch.creation import (
    arange,
    empty,
    empty_like,
    from_numpy,
    full,
    full_like,
    linspace,
    manual_seed,
    ones,
    ones_like,
    rand,
    randint,
    randn,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from zerograd.torch.devices import device
from zerograd.torch.dtypes import (
    bool,  # noqa: A004  (PyTorch's names)
    double,
    float,  # noqa: A004
    float16,
    float32,
    float64,
    int32,
    int64,
    long,
    uint8,
)
from zerograd.torch.operations import (
    abs,  # noqa: A004
    argmax,
    argmin,
    cat,
    clamp,
    exp,
    flatten,
    log,
    matmul,
    max,  # noqa: A004
    mean,
    min,  # noqa: A004
    numel,
    relu,
    sigmoid,
    softmax,
    sqrt,
    squeeze,
    stack,
    sum,  # noqa: A004
    tanh,
    unsqueeze,
    where,
)
from zerograd.torch.random import (
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    seed,
    set_rng_state,
)
from zerograd.torch.serialization import load, save
from zerograd.torch.tensor import Size, Tensor

__version__ = "0.1.0"
__all__ = [
    "Generator", "Size", "allclose", "autograd", "default_generator", "enable_grad", "equal",
    "get_rng_state", "inference_mode", "initial_seed", "is_grad_enabled",
    "is_inference_mode_enabled", "isclose", "isfinite", "isinf", "isnan", "seed",
    "set_grad_enabled", "set_rng_state",
    "Tensor", "abs", "arange", "argmax", "argmin", "bool", "cat", "clamp", "cuda", "device",
    "double", "empty", "empty_like", "exp", "flatten", "float", "float16", "float32", "float64",
    "from_numpy", "full", "full_like", "int32", "int64", "linspace", "load", "log", "long",
    "manual_seed", "matmul", "max", "mean", "min", "no_grad", "numel", "ones", "ones_like", "rand",
    "randint", "randn", "randperm", "relu", "save", "sigmoid", "softmax", "sqrt", "squeeze",
    "stack", "sum", "tanh", "tensor", "uint8", "unsqueeze", "where", "zeros", "zeros_like",
]


# The submodules, so that ``torch.nn.Linear`` works after ``import zerograd.torch as torch``.
from zerograd.torch import nn, optim, utils  # noqa: E402  (they import the names above)

__all__ += ["nn", "optim", "utils"]


def __getattr__(name: str):
    raise AttributeError(f"zerograd.torch has no {name!r}: it covers the part of PyTorch its "
                         f"README lists (PyTorch's torch.{name} is not there)")
