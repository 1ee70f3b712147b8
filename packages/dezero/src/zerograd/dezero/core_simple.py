"""The book's ``dezero.core_simple`` (the core of its first stages): the objects of
``zerograd.dezero.core`` without Parameter and test_mode, which the simple core lacks. There is
one engine in zerograd, so ``is_simple_core`` is False; the one difference is ``Variable``, whose
``grad`` is a plain array as in the book's simple core, so steps 28-29 (``x.data -= lr * x.grad``)
run unchanged. Results of operations are zerograd's Variables.

>>> import numpy as np
>>> from zerograd.dezero.core_simple import Variable
>>> x = Variable(np.array(2.0))
>>> y = x ** 3 + 2 * x
>>> y.backward()
>>> x.grad
array(14.)
"""

from zerograd.core import (
    Config,
    Function,
    as_array,
    as_variable,
    no_grad,
    setup_variable,
    using_config,
)
from zerograd.core.functions import Add, Div, Mul, Neg, Sub, add, div, mul, neg, pow, rdiv, rpow, rsub, sub
from zerograd.core.functions import PowConstant as Pow
from zerograd.dezero._teaching import ArrayGradVariable as Variable

__all__ = [
    "Add", "Config", "Div", "Function", "Mul", "Neg", "Pow", "Sub", "Variable", "add", "as_array",
    "as_variable", "div", "mul", "neg", "no_grad", "pow", "rdiv", "rpow", "rsub", "setup_variable",
    "sub", "using_config",
]
