"""Activation modules that the first facade lacked, with PyTorch's constructor arguments; each
forward is one ``torch.nn.functional`` call (PReLU also owns its slope parameter)."""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.torch.nn._calls import call, options
from zerograd.torch.nn.module import Module
from zerograd.torch.tensor import Parameter

__all__ = ["CELU", "ELU", "GLU", "SELU", "Hardshrink", "Hardsigmoid", "Hardswish", "Hardtanh",
           "LogSigmoid", "Mish", "PReLU", "ReLU6", "Softmax2d", "Softmin", "Softplus",
           "Softshrink", "Softsign", "Tanhshrink", "Threshold"]


class _Activation(Module):
    """A module that applies ``functional.<function>`` with its constructor's arguments."""

    function = ""

    def __init__(self, **arguments: Any) -> None:
        super().__init__()
        self.arguments = arguments

    def forward(self, input: Any) -> Any:  # noqa: A002  (PyTorch's name)
        return call(type(self).__name__, self.function, input, **self.arguments)

    def extra_repr(self) -> str:
        return ", ".join(f"{key}={value!r}" for key, value in self.arguments.items())


class _Inplace(_Activation):
    def __init__(self, inplace: bool = False) -> None:
        super().__init__(**options(inplace=(inplace, False)))


class CELU(_Activation):
    function = "celu"

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__(alpha=alpha, **options(inplace=(inplace, False)))


class ELU(_Activation):
    function = "elu"

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__(alpha=alpha, **options(inplace=(inplace, False)))


class SELU(_Inplace):
    function = "selu"


class GLU(_Activation):
    function = "glu"

    def __init__(self, dim: int = -1) -> None:
        super().__init__(dim=dim)


class Hardshrink(_Activation):
    function = "hardshrink"

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__(lambd=lambd)


class Softshrink(Hardshrink):
    function = "softshrink"


class Hardsigmoid(_Inplace):
    function = "hardsigmoid"


class Hardswish(_Inplace):
    function = "hardswish"


class Mish(_Inplace):
    function = "mish"


class ReLU6(_Inplace):
    function = "relu6"


class Hardtanh(_Activation):
    function = "hardtanh"

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False,
                 min_value: float | None = None, max_value: float | None = None) -> None:
        # min_value/max_value: PyTorch's deprecated spellings, still honoured there
        min_val = min_val if min_value is None else min_value
        max_val = max_val if max_value is None else max_value
        if max_val <= min_val:
            raise ValueError(f"Hardtanh: max_val ({max_val}) must be greater than min_val "
                             f"({min_val})")
        super().__init__(min_val=min_val, max_val=max_val, **options(inplace=(inplace, False)))


class Threshold(_Activation):
    function = "threshold"

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__(threshold=threshold, value=value, **options(inplace=(inplace, False)))


class Softplus(_Activation):
    function = "softplus"

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__(**options(beta=(beta, 1.0), threshold=(threshold, 20.0)))


class LogSigmoid(_Activation):
    function = "logsigmoid"


class Softsign(_Activation):
    function = "softsign"


class Tanhshrink(_Activation):
    function = "tanhshrink"


class Softmin(_Activation):
    function = "softmin"

    def __init__(self, dim: int | None = None) -> None:
        super().__init__(dim=dim)


class Softmax2d(_Activation):
    """Softmax over the channels of (N, C, H, W) or (C, H, W) inputs."""

    function = "softmax"

    def forward(self, input: Any) -> Any:  # noqa: A002
        if input.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected an input of 3 or 4 dimensions, got shape "
                             f"{tuple(input.shape)}")
        return call("Softmax2d", "softmax", input, dim=-3)


class PReLU(Module):
    """max(0, x) + weight * min(0, x), with one learnt slope or one per channel (dim 1)."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self.num_parameters, self.init = num_parameters, init
        if dtype is not None and np.dtype(getattr(dtype, "numpy_dtype", dtype)) != np.float32:
            raise NotImplementedError(f"PReLU: dtype={dtype!r} is not supported by zerograd.torch "
                                      f"(float32 only)")
        self.weight = Parameter(np.full((num_parameters,), init, dtype=np.float32))
        if device is not None:
            self.to(device)

    def forward(self, input: Any) -> Any:  # noqa: A002
        return call("PReLU", "prelu", input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"
