"""``torch.nn``'s layers with PyTorch's arguments, defaults and parameter layout, each calling
zerograd's Functions (Linear's weight is (out, in) and enters zerograd's linear transposed)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from zerograd.core import functions as CF
from zerograd.core.checks import check_positive_int, check_real
from zerograd.core.cuda import get_array_module
from zerograd.nn import functions as NF
from zerograd.torch.nn import functional as F
from zerograd.torch.nn import init
from zerograd.torch.nn.module import Module, ShapeError, buffer_array
from zerograd.torch.tensor import Parameter, as_tensor_result


def _pair(value: Any) -> tuple[Any, Any]:
    return (value, value) if isinstance(value, int) else tuple(value)


def _float_dtype(where: str, dtype: Any) -> Any:
    """A module's ``dtype=`` argument (None: float32) as a NumPy floating dtype."""
    result = np.dtype(np.float32 if dtype is None else dtype)
    if result.kind != "f":
        raise TypeError(f"{where}: dtype must be a floating-point dtype, got {dtype!r}")
    return result


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
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        for name, value in (("in_channels", in_channels), ("out_channels", out_channels),
                            ("groups", groups)):
            check_positive_int("Conv2d", name, value)
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"Conv2d: in_channels ({in_channels}) and out_channels "
                             f"({out_channels}) must be divisible by groups ({groups})")
        if padding_mode != "zeros":
            raise NotImplementedError(f"Conv2d: padding_mode={padding_mode!r} is not supported "
                                      f"(only 'zeros')")
        kh, kw = _pair(kernel_size)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride = (kh, kw), _pair(stride)
        self.padding = padding if isinstance(padding, str) else _pair(padding)
        self.dilation, self.groups = _pair(dilation), groups
        self.weight = _empty_parameter(out_channels, in_channels // groups, kh, kw)
        self.bias = _empty_parameter(out_channels) if bias else None
        self.reset_parameters()
        self._cast(_float_dtype("Conv2d", dtype))

    def reset_parameters(self) -> None:
        fan_in = self.weight.shape[1] * self.kernel_size[0] * self.kernel_size[1]
        init.default_uniform_(self.weight, fan_in)
        if self.bias is not None:
            init.default_uniform_(self.bias, fan_in)

    def forward(self, x: Any) -> Any:
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation,
                        self.groups)

    def extra_repr(self) -> str:
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0, 0):
            text += f", padding={self.padding!r}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        return text + (", bias=False" if self.bias is None else "")


class _Pool2d(Module):
    """Pooling with PyTorch's defaults: the stride is the kernel size unless given."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        self.kernel_size, self.padding = kernel_size, padding
        self.stride = kernel_size if stride is None else stride

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool2d):
    def extra_repr(self) -> str:
        return super().extra_repr() + ", dilation=1, ceil_mode=False"

    def forward(self, x: Any) -> Any:
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding)


class AvgPool2d(_Pool2d):
    def forward(self, x: Any) -> Any:
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding)


class AdaptiveAvgPool2d(Module):
    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"

    def forward(self, x: Any) -> Any:
        return F.adaptive_avg_pool2d(x, self.output_size)


def _activation(name: str, function: Any, has_inplace: bool = True) -> type:
    """A Module calling ``function``; ``inplace=True`` is accepted and printed as PyTorch does
    (the output is computed out of place: autograd needs the input)."""
    def __init__(self: Module, inplace: bool = False) -> None:
        Module.__init__(self)
        self.inplace = bool(inplace)

    def forward(self: Module, x: Any) -> Any:
        return function(x)

    def extra_repr(self: Module) -> str:
        return "inplace=True" if self.inplace else ""

    body = {"__init__": __init__, "forward": forward, "__doc__": f"nn.{name}: {function.__name__}."}
    if has_inplace:
        body["extra_repr"] = extra_repr
    else:
        body["__init__"] = lambda self: Module.__init__(self)
    return type(name, (Module,), body)


ReLU = _activation("ReLU", F.relu)
Sigmoid = _activation("Sigmoid", F.sigmoid, has_inplace=False)
Tanh = _activation("Tanh", F.tanh, has_inplace=False)
SiLU = _activation("SiLU", F.silu)


class GELU(Module):
    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x: Any) -> Any:
        return F.gelu(x, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class LeakyReLU(Module):
    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, bool(inplace)

    def forward(self, x: Any) -> Any:
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Softmax(Module):
    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Any) -> Any:
        return F.softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    def forward(self, x: Any) -> Any:
        return F.log_softmax(x, self.dim)


class Flatten(Module):
    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Any) -> Any:
        return F.flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        self.p = check_real("Dropout", "p", p, low=0, high=1)
        self.inplace = bool(inplace)

    def forward(self, x: Any) -> Any:
        return F.dropout(x, self.p, self.is_training())

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class _BatchNorm(Module):
    """Batch normalisation as PyTorch keeps it: running = (1 - momentum) running + momentum batch
    (the batch variance unbiased), or the cumulative average when ``momentum`` is None; without
    ``track_running_stats`` no running buffers and batch statistics in eval mode too. zerograd's
    batch_norm does the math (decay = 1 - momentum). Unlike the book's BatchNorm, training on one
    value per channel raises PyTorch's ValueError; an empty batch is refused too."""

    _ranks: tuple[int, ...] = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        name = type(self).__name__
        self.num_features = check_positive_int(name, "num_features", num_features)
        self.eps = check_real(name, "eps", eps, low=0)
        self.momentum = None if momentum is None else check_real(name, "momentum", momentum,
                                                                 low=0, high=1)
        self.affine, self.track_running_stats = bool(affine), bool(track_running_stats)
        dtype = _float_dtype(name, dtype)
        self.weight = Parameter(np.ones(num_features, dtype)) if affine else None
        self.bias = Parameter(np.zeros(num_features, dtype)) if affine and bias else None
        tracked = self.track_running_stats
        self.register_buffer("running_mean", np.zeros(num_features, dtype) if tracked else None)
        self.register_buffer("running_var", np.ones(num_features, dtype) if tracked else None)
        self.register_buffer("num_batches_tracked", np.zeros((), np.int64) if tracked else None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            buffer_array(self.running_mean)[...] = 0
            buffer_array(self.running_var)[...] = 1
            buffer_array(self.num_batches_tracked)[...] = 0

    def forward(self, x: Any) -> Any:
        shape, name = tuple(x.shape), type(self).__name__
        if len(shape) not in self._ranks:
            raise ValueError(f"{name}: expected a {' or '.join(f'{r}-D' for r in self._ranks)} "
                             f"input, got shape {shape}")
        if shape[1] != self.num_features:
            raise ShapeError(f"{name}: input of shape {shape} has {shape[1]} channels (axis 1), "
                             f"expected num_features={self.num_features}")
        training = self.is_training()
        values_per_channel = math.prod(shape) // shape[1]
        if values_per_channel == 0:
            raise ValueError(f"{name}: the input of shape {shape} is empty")
        if training and values_per_channel == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input "
                             f"size torch.Size({list(shape)})")
        decay, mean, var = self._running_statistics(x, training)
        gamma = self.weight if self.weight is not None else np.ones(shape[1], x.dtype)
        beta = self.bias if self.bias is not None else np.zeros(shape[1], x.dtype)
        x4 = CF.reshape(x, (*shape, 1)) if len(shape) == 3 else x  # (N, C, L) as (N, C, L, 1)
        y = NF.batch_norm(x4, gamma, beta, mean, var, decay=decay, eps=self.eps,
                          train=training or not self.track_running_stats)
        return as_tensor_result(CF.reshape(y, shape) if len(shape) == 3 else y)

    def _running_statistics(self, x: Any, training: bool) -> tuple[float, Any, Any]:
        """(decay, mean array, var array) for batch_norm: the running buffers, counted and with
        PyTorch's factor when training; scratch arrays when they are not tracked."""
        if not self.track_running_stats:
            xp = get_array_module(x.data)
            return 1.0, xp.zeros(self.num_features, x.dtype), xp.ones(self.num_features, x.dtype)
        factor = 0.0
        if training:
            count = buffer_array(self.num_batches_tracked)
            count += 1
            factor = 1.0 / float(count) if self.momentum is None else self.momentum
        return 1.0 - factor, buffer_array(self.running_mean), buffer_array(self.running_var)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    _ranks = (2, 3)


class BatchNorm2d(_BatchNorm):
    _ranks = (4,)


class LayerNorm(Module):
    def __init__(self, normalized_shape: Any, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps = shape, eps
        self.elementwise_affine = bool(elementwise_affine)
        dtype = _float_dtype("LayerNorm", dtype)
        self.weight = Parameter(np.ones(shape, dtype)) if elementwise_affine else None
        self.bias = Parameter(np.zeros(shape, dtype)) if elementwise_affine and bias else None

    def forward(self, x: Any) -> Any:
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class Embedding(Module):
    """A lookup table weight (num_embeddings, embedding_dim), drawn from N(0, 1) as in PyTorch."""

    def __init__(self, num_embeddings: int, embedding_dim: int) -> None:
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.weight = _empty_parameter(num_embeddings, embedding_dim)
        init.normal_(self.weight)

    def forward(self, x: Any) -> Any:
        return F.embedding(x, self.weight)

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"


class Unflatten(Module):
    def __init__(self, dim: int, unflattened_size: Any) -> None:
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"

    def forward(self, x: Any) -> Any:
        shape = x.shape
        dim = self.dim % len(shape)
        return as_tensor_result(CF.reshape(x, (*shape[:dim], *self.unflattened_size, *shape[dim + 1:])))
