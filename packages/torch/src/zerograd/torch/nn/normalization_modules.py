"""Normalisation modules beyond BatchNorm and LayerNorm: GroupNorm, InstanceNorm1d/2d/3d,
LocalResponseNorm and RMSNorm, with PyTorch's constructor arguments, parameters and buffers,
over zerograd.nn's feature_normalization functions; and Bilinear, over zerograd.nn's bilinear."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from zerograd.nn.functions.bilinear import bilinear
from zerograd.nn.functions.feature_normalization import (
    group_norm,
    instance_norm,
    local_response_norm,
    rms_norm,
)
from zerograd.torch.nn import init
from zerograd.torch.nn._families import by_dims
from zerograd.torch.nn.module import Module
from zerograd.torch.tensor import Parameter, as_tensor_result

__all__ = ["Bilinear", "GroupNorm", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d",
           "LocalResponseNorm", "RMSNorm"]


def _check_dtype(owner: str, dtype: Any) -> None:
    if dtype is not None and np.dtype(getattr(dtype, "numpy_dtype", dtype)) != np.float32:
        raise NotImplementedError(f"{owner}: dtype={dtype!r} is not supported (float32 only)")


def _filled(shape: tuple[int, ...], value: float) -> Parameter:
    return Parameter(np.full(shape, value, dtype=np.float32))


class GroupNorm(Module):
    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__()
        _check_dtype("GroupNorm", dtype)
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups})")
        self.num_groups, self.num_channels, self.eps, self.affine = (num_groups, num_channels,
                                                                     eps, affine)
        self.weight = _filled((num_channels,), 1.0) if affine else None
        self.bias = _filled((num_channels,), 0.0) if affine and bias else None

    def forward(self, input: Any) -> Any:  # noqa: A002  (PyTorch's name)
        return as_tensor_result(group_norm(input, self.num_groups, self.weight, self.bias,
                                           self.eps))

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"


class _InstanceNorm(Module):
    dims = 1

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        _check_dtype(type(self).__name__, dtype)
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self.weight = _filled((num_features,), 1.0) if affine else None
        self.bias = _filled((num_features,), 0.0) if affine and bias else None
        if track_running_stats:
            self.register_buffer("running_mean", np.zeros(num_features, dtype=np.float32))
            self.register_buffer("running_var", np.ones(num_features, dtype=np.float32))
            self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))

    def forward(self, input: Any) -> Any:  # noqa: A002
        name = type(self).__name__
        if input.ndim not in (self.dims + 1, self.dims + 2):
            raise ValueError(f"{name}: expected a {self.dims + 1}-D or {self.dims + 2}-D input, "
                             f"got shape {tuple(input.shape)}")
        single = input.ndim == self.dims + 1
        x = input.reshape(1, *input.shape) if single else input
        use_input_stats = self.training or not self.track_running_stats
        # PyTorch's InstanceNorm never counts batches: momentum None means 0 (no update).
        momentum = self.momentum if self.momentum is not None else 0.0
        running_mean = running_var = None  # buffers: arrays, updated in place
        if self.track_running_stats:
            running_mean, running_var = self.running_mean, self.running_var
        y = instance_norm(x, running_mean, running_var, self.weight, self.bias,
                          use_input_stats, momentum, self.eps)
        return as_tensor_result(y.reshape(*input.shape) if single else y)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


InstanceNorm1d, InstanceNorm2d, InstanceNorm3d = by_dims(_InstanceNorm, "InstanceNorm")


class LocalResponseNorm(Module):
    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0
                 ) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input: Any) -> Any:  # noqa: A002
        return as_tensor_result(local_response_norm(input, self.size, self.alpha, self.beta,
                                                    self.k))

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class RMSNorm(Module):
    def __init__(self, normalized_shape: Any, eps: float | None = None,
                 elementwise_affine: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        _check_dtype("RMSNorm", dtype)
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps = shape, eps
        self.elementwise_affine = elementwise_affine
        self.weight = _filled(shape, 1.0) if elementwise_affine else None

    def forward(self, input: Any) -> Any:  # noqa: A002
        return as_tensor_result(rms_norm(input, self.normalized_shape, self.weight, self.eps))

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class Bilinear(Module):
    """y = x1^T W x2 + b with W (out, in1, in2), PyTorch's init U(-1/sqrt(in1), 1/sqrt(in1))."""

    def __init__(self, in1_features: int, in2_features: int, out_features: int,
                 bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        _check_dtype("Bilinear", dtype)
        self.in1_features, self.in2_features = in1_features, in2_features
        self.out_features = out_features
        self.weight = _filled((out_features, in1_features, in2_features), 0.0)
        self.bias = _filled((out_features,), 0.0) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.in1_features)
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Any, input2: Any) -> Any:
        return as_tensor_result(bilinear(input1, input2, self.weight, self.bias))

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
