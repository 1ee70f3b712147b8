"""``torch.nn``'s layers with PyTorch's arguments, defaults and parameter layout, each calling
zerograd's Functions (Linear's weight is (out, in) and enters zerograd's linear transposed)."""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core import functions as CF
from zerograd.core.checks import check_positive_int, check_real
from zerograd.core.cuda import get_array_module
from zerograd.nn import functions as NF
from zerograd.torch.nn import functional as F
from zerograd.torch.nn import init
from zerograd.torch.nn.module import Module
from zerograd.torch.tensor import Parameter, as_tensor_result


def _empty_parameter(*shape: int) -> Parameter:
    return Parameter(np.empty(shape, dtype=np.float32))


class Identity(Module):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, x: Any) -> Any:
        return x


class Linear(Module):
    """y = x weight^T + bias; weight (out_features, in_features), PyTorch's init.

    The weight is PyTorch's (out, in) array stored column-major: its transpose, which zerograd's
    linear takes, is then an ordinary row-major (in, out) matrix, and the gradient that comes back
    transposed has the weight's own memory order. With the weight row-major the facade's MLP
    step is measurably slower than the native one (strided matmuls and updates;
    benchmarks/torch_facade.py, figures in benchmarks/RESULTS.md, "Measured design choices").
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True) -> None:
        super().__init__()
        self.in_features = check_positive_int("Linear", "in_features", in_features)
        self.out_features = check_positive_int("Linear", "out_features", out_features)
        self.weight = Parameter(np.empty((in_features, out_features), np.float32).T)
        self.bias = _empty_parameter(out_features) if bias else None
        self.reset_parameters()

    def restore_layout(self) -> None:
        """Back to column-major after a load replaced the weight's array."""
        self.weight.data = get_array_module(self.weight.data).asfortranarray(self.weight.data)

    def reset_parameters(self) -> None:
        init.default_uniform_(self.weight, self.in_features)
        if self.bias is not None:
            init.default_uniform_(self.bias, self.in_features)

    def forward(self, x: Any) -> Any:
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Conv2d(Module):
    """Convolution over (N, C, H, W) with weight (out, in / groups, KH, KW), PyTorch's init."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True) -> None:
        super().__init__()
        kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding = (kh, kw), stride, padding
        self.dilation, self.groups = dilation, groups
        self.weight = _empty_parameter(out_channels, in_channels // groups, kh, kw)
        self.bias = _empty_parameter(out_channels) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        fan_in = self.weight.shape[1] * self.kernel_size[0] * self.kernel_size[1]
        init.default_uniform_(self.weight, fan_in)
        if self.bias is not None:
            init.default_uniform_(self.bias, fan_in)

    def forward(self, x: Any) -> Any:
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation,
                        self.groups)

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}")


class _Pool2d(Module):
    """Pooling with PyTorch's defaults: the stride is the kernel size unless given."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool2d):
    def forward(self, x: Any) -> Any:
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding)


class AvgPool2d(_Pool2d):
    def forward(self, x: Any) -> Any:
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding)


class AdaptiveAvgPool2d(Module):
    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Any) -> Any:
        return F.adaptive_avg_pool2d(x, self.output_size)


def _activation(name: str, function: Any) -> type:
    def forward(self: Module, x: Any) -> Any:
        return function(x)

    return type(name, (Module,), {"__init__": lambda self, inplace=False: Module.__init__(self),
                                  "forward": forward, "__doc__": f"nn.{name}: {function.__name__}."})


ReLU = _activation("ReLU", F.relu)
Sigmoid = _activation("Sigmoid", F.sigmoid)
Tanh = _activation("Tanh", F.tanh)
GELU = _activation("GELU", F.gelu)
SiLU = _activation("SiLU", F.silu)


class LeakyReLU(Module):
    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: Any) -> Any:
        return F.leaky_relu(x, self.negative_slope)


class Softmax(Module):
    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Any) -> Any:
        return F.softmax(x, self.dim)


class LogSoftmax(Softmax):
    def forward(self, x: Any) -> Any:
        return F.log_softmax(x, self.dim)


class Flatten(Module):
    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Any) -> Any:
        return F.flatten(x, self.start_dim, self.end_dim)


class Dropout(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        self.p = check_real("Dropout", "p", p, low=0, high=1)

    def forward(self, x: Any) -> Any:
        return F.dropout(x, self.p, self.is_training())


class _BatchNorm(Module):
    """Running statistics as PyTorch keeps them: running = (1 - momentum) running + momentum batch,
    with the batch variance unbiased (zerograd's batch_norm with decay = 1 - momentum)."""

    dims: tuple[int, ...] = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1,
                 affine: bool = True, track_running_stats: bool = True) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.weight = Parameter(np.ones(num_features, np.float32)) if affine else None
        self.bias = Parameter(np.zeros(num_features, np.float32)) if affine else None
        self.register_buffer("running_mean", np.zeros(num_features, np.float32))
        self.register_buffer("running_var", np.ones(num_features, np.float32))
        self.register_buffer("num_batches_tracked", np.zeros((), np.int64))

    def forward(self, x: Any) -> Any:
        if x.ndim not in self.dims:
            raise ValueError(f"{type(self).__name__}: expected a {' or '.join(map(str, self.dims))}-D "
                             f"input, got shape {tuple(x.shape)}")
        training = self.is_training()
        if training:
            self.num_batches_tracked += 1
        gamma = self.weight if self.weight is not None else np.ones(self.num_features, x.dtype)
        beta = self.bias if self.bias is not None else np.zeros(self.num_features, x.dtype)
        return as_tensor_result(NF.batch_norm(x, gamma, beta, self.running_mean, self.running_var,
                                              decay=1 - self.momentum, eps=self.eps, train=training))


class BatchNorm1d(_BatchNorm):
    dims = (2,)


class BatchNorm2d(_BatchNorm):
    dims = (4,)


class LayerNorm(Module):
    def __init__(self, normalized_shape: Any, eps: float = 1e-5,
                 elementwise_affine: bool = True) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps = shape, eps
        self.weight = Parameter(np.ones(shape, np.float32)) if elementwise_affine else None
        self.bias = Parameter(np.zeros(shape, np.float32)) if elementwise_affine else None

    def forward(self, x: Any) -> Any:
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)


class Embedding(Module):
    """A lookup table weight (num_embeddings, embedding_dim), drawn from N(0, 1) as in PyTorch."""

    def __init__(self, num_embeddings: int, embedding_dim: int) -> None:
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.weight = _empty_parameter(num_embeddings, embedding_dim)
        init.normal_(self.weight)

    def forward(self, x: Any) -> Any:
        return F.embedding(x, self.weight)


class Unflatten(Module):
    def __init__(self, dim: int, unflattened_size: Any) -> None:
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, x: Any) -> Any:
        shape = x.shape
        dim = self.dim % len(shape)
        return as_tensor_result(CF.reshape(x, (*shape[:dim], *self.unflattened_size, *shape[dim + 1:])))
