"""The book's teaching variants: the Variable of its simple core, whose gradient is a plain array
(``core_simple.Variable``), and the fused functions spelled out, each a composition of zerograd's
public functions in the order the book composes it. These give the same values as the fused
functions (``linear``, ``sigmoid``, ``softmax``, ``mean_squared_error``, ``softmax_cross_entropy``)
with a longer graph and more memory: use them to read the book, the fused ones to train.

This is the only logic in zerograd-dezero; ``conv2d_simple`` and ``pooling_simple`` live in
zerograd-vision.
"""

from __future__ import annotations

from typing import Any

from zerograd.core import Variable, as_variable, cuda
from zerograd.core.functions import clip, exp, get_item, log, matmul
from zerograd.core.functions import sum as sum_
from zerograd.nn.functions import softmax

__all__ = ["ArrayGradVariable", "linear_simple", "mean_squared_error_simple", "sigmoid_simple",
           "softmax_cross_entropy_simple", "softmax_simple"]


class ArrayGradVariable(Variable):
    """The Variable of the book's simple core (steps 1-32): its ``grad`` is a plain array, so the
    book's ``x.data -= lr * x.grad`` works (``zerograd.dezero.core_simple.Variable``).

    zerograd's one engine computes the gradient as a Variable (so that gradients of gradients
    work); this class keeps only its array, as the simple core does, and so has no higher-order
    gradients. Make the Variables a program updates with it; the results of operations are
    zerograd's Variables.

    >>> import numpy as np
    >>> x = ArrayGradVariable(np.array(3.0))
    >>> (x * x).backward()
    >>> x.grad
    array(6.)
    """

    __slots__ = ("_grad",)

    @property
    def grad(self) -> Any:
        return self._grad

    @grad.setter
    def grad(self, value: Any) -> None:
        self._grad = value.data if isinstance(value, Variable) else value


def linear_simple(x: Any, W: Any, b: Any = None) -> Variable:
    """The book's linear_simple: y = x W + b as a matmul node and an add node (``linear`` fuses
    them into one). The book frees the product's data after the addition; zerograd's add keeps
    its inputs' shapes for backward, so it stays.

    x (N, I), W (I, O), b (O,) or None -> y (N, O).

    >>> import numpy as np
    >>> x, W = np.ones((2, 3)), np.full((3, 4), 0.5)
    >>> linear_simple(x, W, np.ones(4)).data
    array([[2.5, 2.5, 2.5, 2.5],
           [2.5, 2.5, 2.5, 2.5]])
    """
    y = matmul(x, W)
    return y if b is None else y + b


def sigmoid_simple(x: Any) -> Variable:
    """The book's sigmoid_simple: y = 1 / (1 + exp(-x)) from exp, add and div nodes.

    >>> import numpy as np
    >>> sigmoid_simple(np.array([0.0])).data
    array([0.5])
    """
    x = as_variable(x)
    return 1 / (1 + exp(-x))


def softmax_simple(x: Any, axis: int = 1) -> Variable:
    """The book's softmax_simple: y = exp(x) / sum(exp(x), axis), without subtracting the
    maximum first (so large inputs overflow, as in the book; ``softmax`` is stable).

    >>> import numpy as np
    >>> softmax_simple(np.array([[0.0, 0.0]])).data
    array([[0.5, 0.5]])
    """
    x = as_variable(x)
    y = exp(x)
    return y / sum_(y, axis=axis, keepdims=True)


def mean_squared_error_simple(x0: Any, x1: Any) -> Variable:
    """The book's mean_squared_error_simple: sum((x0 - x1) ** 2) / len(x0 - x1), i.e. the
    squared error summed and divided by the batch size N.

    >>> import numpy as np
    >>> mean_squared_error_simple(np.array([[1.0], [3.0]]), np.zeros((2, 1))).data
    array(5.)
    """
    x0, x1 = as_variable(x0), as_variable(x1)
    diff = x0 - x1
    return sum_(diff ** 2) / len(diff)


def softmax_cross_entropy_simple(x: Any, t: Any) -> Variable:
    """The book's softmax_cross_entropy_simple: p = softmax(x) clipped to [1e-15, 1], then
    -sum(log p[n, t[n]]) / N.

    x (N, C) scores, t (N,) class ids -> a scalar.

    >>> import numpy as np
    >>> float(softmax_cross_entropy_simple(np.zeros((2, 4)), np.array([0, 3])).data)  # log 4
    1.3862943611198906
    """
    x, t = as_variable(x), as_variable(t)
    n = x.shape[0]
    p = clip(softmax(x), 1e-15, 1.0)
    rows = cuda.get_array_module(t.data).arange(n)
    log_p = get_item(log(p), (rows, t.data))
    return -1 * sum_(log_p) / n
