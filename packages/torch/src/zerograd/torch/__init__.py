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
    cdouble,
    cfloat,
    complex64,
    complex128,
    double,
    float,  # noqa: A004
    float16,
    float32,
    float64,
    half,
    int8,
    int16,
    int32,
    int64,
    long,
    short,
    uint8,
)
from zerograd.torch.operations import numel, relu
from zerograd.torch.ops_compare import (
    allclose,
    bitwise_and,
    bitwise_left_shift,
    bitwise_not,
    bitwise_or,
    bitwise_right_shift,
    bitwise_xor,
    eq,
    equal,
    ge,
    greater,
    greater_equal,
    gt,
    isclose,
    isfinite,
    isinf,
    isnan,
    isneginf,
    isposinf,
    isreal,
    le,
    less,
    less_equal,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    lt,
    ne,
    not_equal,
    signbit,
)
from zerograd.torch.ops_creation import (
    eye,
    logspace,
    meshgrid,
    scalar_tensor,
    tril_indices,
    triu_indices,
)
from zerograd.torch.ops_extra import (
    alias_copy,
    angle,
    bincount,
    block_diag,
    bucketize,
    cartesian_prod,
    cdist,
    conj,
    conj_physical,
    corrcoef,
    cov,
    cross,
    cummax,
    cummin,
    cumulative_trapezoid,
    diagonal_copy,
    diff,
    dist,
    dsplit,
    expand_copy,
    fill,
    gcd,
    heaviside,
    histc,
    hsplit,
    isin,
    lcm,
    log_softmax,
    logdet,
    matrix_power,
    mode,
    nanmedian,
    nanquantile,
    narrow_copy,
    permute_copy,
    quantile,
    renorm,
    resolve_conj,
    resolve_neg,
    searchsorted,
    select,
    slogdet,
    softmax,
    split_with_sizes,
    squeeze_copy,
    sum_to_size,
    t_copy,
    trace,
    transpose_copy,
    trapezoid,
    trapz,
    unbind_copy,
    unfold,
    unfold_copy,
    unique,
    unique_consecutive,
    unsafe_chunk,
    unsafe_split,
    unsqueeze_copy,
    view_copy,
    vsplit,
)
from zerograd.torch.ops_index import (
    argwhere,
    gather,
    index_add,
    index_copy,
    index_fill,
    index_select,
    masked_fill,
    masked_select,
    nonzero,
    scatter,
    scatter_add,
    scatter_reduce,
    take,
    take_along_dim,
    where,
)
from zerograd.torch.ops_math import (
    abs,  # noqa: A004
    absolute,
    acos,
    acosh,
    add,
    addcdiv,
    addcmul,
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctan2,
    arctanh,
    asin,
    asinh,
    atan,
    atan2,
    atanh,
    ceil,
    clamp,
    clamp_max,
    clamp_min,
    clip,
    copysign,
    cos,
    cosh,
    deg2rad,
    div,
    divide,
    erf,
    erfc,
    erfinv,
    exp,
    exp2,
    expm1,
    fix,
    float_power,
    floor,
    floor_divide,
    fmax,
    fmin,
    fmod,
    frac,
    hypot,
    lerp,
    log,
    log1p,
    log2,
    log10,
    logaddexp,
    logaddexp2,
    logit,
    maximum,
    minimum,
    mul,
    multiply,
    nan_to_num,
    neg,
    negative,
    positive,
    pow,  # noqa: A004
    rad2deg,
    reciprocal,
    remainder,
    round,  # noqa: A004
    rsqrt,
    rsub,
    sgn,
    sigmoid,
    sign,
    sin,
    sinc,
    sinh,
    sqrt,
    square,
    sub,
    subtract,
    tan,
    tanh,
    true_divide,
    trunc,
    xlogy,
)
from zerograd.torch.ops_products import (
    addbmm,
    addmm,
    addmv,
    addr,
    baddbmm,
    bmm,
    chain_matmul,
    det,
    dot,
    einsum,
    ger,
    inner,
    kron,
    matmul,
    mm,
    mv,
    outer,
    tensordot,
    vdot,
)
from zerograd.torch.ops_reduce import (
    all,  # noqa: A004
    amax,
    amin,
    aminmax,
    any,  # noqa: A004
    argmax,
    argmin,
    argsort,
    count_nonzero,
    cumprod,
    cumsum,
    kthvalue,
    logcumsumexp,
    logsumexp,
    max,  # noqa: A004
    mean,
    median,
    min,  # noqa: A004
    msort,
    nanmean,
    nansum,
    norm,
    prod,
    sort,
    std,
    std_mean,
    sum,  # noqa: A004
    topk,
    var,
    var_mean,
)
from zerograd.torch.ops_shape import (
    adjoint,
    atleast_1d,
    atleast_2d,
    atleast_3d,
    broadcast_shapes,
    broadcast_tensors,
    broadcast_to,
    cat,
    chunk,
    column_stack,
    concat,
    concatenate,
    diag,
    diag_embed,
    diagonal,
    dstack,
    flatten,
    flip,
    fliplr,
    flipud,
    hstack,
    moveaxis,
    movedim,
    narrow,
    permute,
    ravel,
    repeat_interleave,
    reshape,
    roll,
    rot90,
    row_stack,
    split,
    squeeze,
    stack,
    swapaxes,
    swapdims,
    tensor_split,
    tile,
    transpose,
    tril,
    triu,
    unbind,
    unflatten,
    unsqueeze,
    vstack,
)
from zerograd.torch.printing import get_printoptions, set_printoptions
from zerograd.torch.promotion import (
    get_default_dtype,
    is_floating_point,
    is_tensor,
    promote_types,
    result_type,
    set_default_dtype,
)
from zerograd.torch.random import (
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    seed,
    set_rng_state,
)
from zerograd.torch.sampling import bernoulli, multinomial, normal, rand_like, randint_like, randn_like
from zerograd.torch.serialization import load, save
from zerograd.torch.tensor import Size, Tensor

__version__ = "0.1.0"
__all__ = sorted("""
Tensor abs absolute acos acosh add addbmm addcdiv addcmul addmm addmv addr adjoint alias_copy all
allclose amax amin aminmax angle any arange arccos arccosh arcsin arcsinh arctan arctan2 arctanh
argmax argmin argsort argwhere asin asinh atan atan2 atanh atleast_1d atleast_2d atleast_3d
baddbmm bincount bitwise_and bitwise_left_shift bitwise_not bitwise_or bitwise_right_shift
bitwise_xor block_diag bmm bool broadcast_shapes broadcast_tensors broadcast_to bucketize
cartesian_prod cat cdist cdouble ceil cfloat chain_matmul chunk clamp clamp_max clamp_min clip
column_stack complex128 complex64 concat concatenate conj conj_physical copysign corrcoef cos cosh
count_nonzero cov cross cuda cummax cummin cumprod cumsum cumulative_trapezoid deg2rad det device
diag diag_embed diagonal diagonal_copy diff dist div divide dot double dsplit dstack einsum empty
empty_like eq equal erf erfc erfinv exp exp2 expand_copy expm1 eye fill fix flatten flip fliplr flipud float
float16 float32 float64 float_power floor floor_divide fmax fmin fmod frac from_numpy full
full_like gather gcd ge ger get_default_dtype greater greater_equal gt half heaviside histc hsplit
hstack hypot index_add index_copy index_fill index_select inner int16 int32 int64 int8
is_floating_point is_tensor isclose isfinite isin isinf isnan isneginf isposinf isreal kron
kthvalue lcm le lerp less less_equal linalg linspace load log log10 log1p log2 log_softmax
logaddexp logaddexp2 logcumsumexp logdet logical_and logical_not logical_or logical_xor logit
logspace logsumexp long lt manual_seed masked_fill masked_select matmul matrix_power max maximum
mean median meshgrid min minimum mm mode moveaxis movedim msort mul multiply mv nan_to_num nanmean
nanmedian nanquantile nansum narrow narrow_copy ne neg negative no_grad nonzero norm not_equal
numel ones ones_like outer permute permute_copy positive pow prod promote_types quantile rad2deg
rand randint randn randperm ravel reciprocal relu remainder renorm repeat_interleave reshape
resolve_conj resolve_neg result_type roll rot90 round row_stack rsqrt rsub save scalar_tensor
scatter scatter_add scatter_reduce searchsorted select set_default_dtype sgn short sigmoid sign
signbit sin sinc sinh slogdet softmax sort split split_with_sizes sqrt square squeeze squeeze_copy
stack std std_mean sub subtract sum sum_to_size swapaxes swapdims t_copy take take_along_dim tan
tanh tensor tensor_split tensordot tile topk trace transpose transpose_copy trapezoid trapz tril
tril_indices triu triu_indices true_divide trunc uint8 unbind unbind_copy unflatten unfold
unfold_copy unique unique_consecutive unsafe_chunk unsafe_split unsqueeze unsqueeze_copy var
var_mean vdot view_copy vsplit vstack where xlogy zeros zeros_like
Generator Size autograd default_generator enable_grad get_rng_state inference_mode initial_seed
is_grad_enabled is_inference_mode_enabled seed set_grad_enabled set_rng_state
get_printoptions set_printoptions bernoulli multinomial normal rand_like randint_like randn_like
""".split())


# The submodules, so that ``torch.nn.Linear`` works after ``import zerograd.torch as torch``.
from zerograd.torch import linalg, nn, optim, utils  # noqa: E402  (they import the names above)

__all__ += ["nn", "optim", "utils"]


def __getattr__(name: str):
    raise AttributeError(f"zerograd.torch has no {name!r}: it covers the part of PyTorch its "
                         f"README lists (PyTorch's torch.{name} is not there)")
