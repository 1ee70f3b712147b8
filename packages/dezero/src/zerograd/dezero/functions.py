"""The book's ``dezero.functions`` (imported as F): every differentiable function of zerograd,
re-exported from its home package, plus the book's teaching variants.

- zerograd.core.functions: arithmetic, math, shape, reduction, selection, matmul, cast;
- zerograd.nn.functions: activations, losses, linear, dropout, normalisation, embed_id, accuracy;
- zerograd.vision.functions: conv2d, deconv2d, pooling, average_pooling, im2col, col2im, ...;
- zerograd.text.functions: the fused rnn_cell, lstm_cell, gru_cell;
- the teaching variants linear_simple, sigmoid_simple, softmax_simple,
  mean_squared_error_simple, softmax_cross_entropy_simple (compositions of the functions above,
  see zerograd.dezero._teaching) and conv2d_simple, pooling_simple (zerograd-vision).

The Function classes the book's F holds (Sin, Exp, Reshape, Sum, MatMul, Linear, Sigmoid,
Softmax, SoftmaxCrossEntropy, BatchNorm, ...) are here too; ``Pow`` is the book's ``Pow(c)``.

>>> import numpy as np
>>> import zerograd.dezero.functions as F
>>> x = np.array([[1.0, 2.0, 3.0]])
>>> bool(np.allclose(F.softmax_simple(x).data, F.softmax(x).data))
True
"""

from zerograd.core.functions import (
    Abs,
    Add,
    AddConstant,
    AsType,
    BroadcastTo,
    Clip,
    Concat,
    ConstantDiv,
    ConstantPow,
    Cos,
    Div,
    DivConstant,
    Exp,
    GetItem,
    GetItemGrad,
    Log,
    LogSumExp,
    MatMul,
    Max,
    Maximum,
    Min,
    Minimum,
    Mul,
    MulConstant,
    Neg,
    PowConstant,
    Reshape,
    Sin,
    Split,
    Sqrt,
    Sub,
    SubConstant,
    SubFromConstant,
    Sum,
    SumTo,
    Tanh,
    Transpose,
    Where,
    abs,
    add,
    astype,
    average,
    broadcast_to,
    clip,
    concat,
    cos,
    div,
    exp,
    expand_dims,
    flatten,
    get_item,
    log,
    logsumexp,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    mul,
    neg,
    pow,
    rdiv,
    reshape,
    rpow,
    rsub,
    sin,
    split,
    sqrt,
    squeeze,
    stack,
    sub,
    sum,
    sum_to,
    swapaxes,
    tanh,
    transpose,
    var,
    where,
)
from zerograd.core.functions import PowConstant as Pow
from zerograd.dezero import functions_conv as _conv
from zerograd.dezero._teaching import (
    linear_simple,
    mean_squared_error_simple,
    sigmoid_simple,
    softmax_cross_entropy_simple,
    softmax_simple,
)
from zerograd.dezero.functions_conv import *  # noqa: F403  (the conv names: _conv.__all__)
from zerograd.nn.functions import (
    accuracy,
    batch_norm,
    binary_cross_entropy,
    dropout,
    elu,
    embed_id,
    gelu,
    huber_loss,
    layer_norm,
    leaky_relu,
    linear,
    log_softmax,
    mean_squared_error,
    nll_loss,
    relu,
    sigmoid,
    sigmoid_cross_entropy,
    silu,
    softmax,
    softmax_cross_entropy,
    softplus,
)
from zerograd.nn.functions.activation import ELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Softplus
from zerograd.nn.functions.dropout import Dropout
from zerograd.nn.functions.linear import Linear
from zerograd.nn.functions.loss import MeanSquaredError, SigmoidCrossEntropy, SoftmaxCrossEntropy
from zerograd.nn.functions.normalization import BatchNorm, LayerNorm
from zerograd.text.functions import GRUCell, LSTMCell, RNNCell, gru_cell, lstm_cell, rnn_cell

__all__ = [
    "Abs", "Add", "AddConstant", "AsType", "BatchNorm", "BroadcastTo", "Clip", "Concat",
    "ConstantDiv", "ConstantPow", "Cos", "Div", "DivConstant", "Dropout", "ELU", "Exp", "GRUCell",
    "GetItem", "GetItemGrad", "LSTMCell", "LayerNorm", "LeakyReLU", "Linear", "Log", "LogSoftmax",
    "LogSumExp", "MatMul", "Max", "Maximum", "MeanSquaredError", "Min", "Minimum", "Mul",
    "MulConstant", "Neg", "Pow", "PowConstant", "RNNCell", "ReLU", "Reshape", "Sigmoid",
    "SigmoidCrossEntropy", "Sin", "Softmax", "SoftmaxCrossEntropy", "Softplus", "Split", "Sqrt",
    "Sub", "SubConstant", "SubFromConstant", "Sum", "SumTo", "Tanh", "Transpose", "Where", "abs",
    "accuracy", "add", "astype", "average", "batch_norm", "binary_cross_entropy", "broadcast_to",
    "clip", "concat", "cos", "div", "dropout", "elu", "embed_id", "exp", "expand_dims", "flatten",
    "gelu", "get_item", "gru_cell", "huber_loss", "layer_norm", "leaky_relu", "linear",
    "linear_simple", "log", "log_softmax", "logsumexp", "lstm_cell", "matmul", "max", "maximum",
    "mean", "mean_squared_error", "mean_squared_error_simple", "min", "minimum", "mul", "neg",
    "nll_loss", "pow", "rdiv", "relu", "reshape", "rnn_cell", "rpow", "rsub", "sigmoid",
    "sigmoid_cross_entropy", "sigmoid_simple", "silu", "sin", "softmax", "softmax_cross_entropy",
    "softmax_cross_entropy_simple", "softmax_simple", "softplus", "split", "sqrt", "squeeze",
    "stack", "sub", "sum", "sum_to", "swapaxes", "tanh", "transpose", "var", "where",
    *_conv.__all__,
]
