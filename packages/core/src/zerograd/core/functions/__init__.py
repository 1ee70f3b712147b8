"""The differentiable functions of zerograd-core: arithmetic, elementwise math, shapes, reductions,
selection and matrix products. Each public function wraps one Function class."""

import types

from zerograd.core.functions.arithmetic import (
    Add,
    AddConstant,
    ConstantDiv,
    ConstantPow,
    Div,
    DivConstant,
    Mul,
    MulConstant,
    Neg,
    Pow,
    PowConstant,
    Sub,
    SubConstant,
    SubFromConstant,
    add,
    div,
    mul,
    neg,
    pow,
    rdiv,
    rpow,
    rsub,
    sub,
)
from zerograd.core.functions.cast import AsType, astype
from zerograd.core.functions.math import (
    Abs,
    Cos,
    Exp,
    Log,
    Sin,
    Sqrt,
    Tanh,
    abs,
    cos,
    exp,
    log,
    sin,
    sqrt,
    tanh,
)
from zerograd.core.functions.matmul import MatMul, matmul
from zerograd.core.functions.reduction import (
    LogSumExp,
    Max,
    Min,
    Sum,
    average,
    logsumexp,
    max,
    mean,
    min,
    sum,
    var,
)
from zerograd.core.functions.selection import (
    Clip,
    Maximum,
    Minimum,
    Where,
    clip,
    maximum,
    minimum,
    where,
)
from zerograd.core.functions.shape import (
    BroadcastTo,
    Concat,
    GetItem,
    GetItemGrad,
    Reshape,
    Split,
    SumTo,
    Transpose,
    broadcast_to,
    concat,
    expand_dims,
    flatten,
    get_item,
    reshape,
    split,
    squeeze,
    stack,
    sum_to,
    swapaxes,
    transpose,
)

# Functions and Function classes only: the submodules (math among them) must not leak through
# `from zerograd.core.functions import *`.
__all__ = [name for name, value in globals().items()
           if not name.startswith("_") and not isinstance(value, types.ModuleType)]
