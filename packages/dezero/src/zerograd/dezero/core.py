"""The book's ``dezero.core``: Variable, Parameter, Function, the switches and the arithmetic,
re-exported from zerograd-core (``test_mode`` from zerograd-nn).

``Pow`` is the book's one-constant form ``Pow(c)(x) = x ** c``, zerograd's ``PowConstant``
(zerograd.core.functions.Pow is the two-Variable ``x ** y``).

>>> import numpy as np
>>> from zerograd.dezero.core import Variable, Pow
>>> x = Variable(np.array(3.0))
>>> y = Pow(2)(x)
>>> y.backward()
>>> y, x.grad
(variable(9.0), variable(6.0))
"""

from zerograd.core import (
    Config,
    Function,
    Parameter,
    Variable,
    as_array,
    as_variable,
    no_grad,
    setup_variable,
    using_config,
)
from zerograd.core.functions import Add, Div, Mul, Neg, Sub, add, div, mul, neg, pow, rdiv, rpow, rsub, sub
from zerograd.core.functions import PowConstant as Pow
from zerograd.nn import test_mode

__all__ = [
    "Add", "Config", "Div", "Function", "Mul", "Neg", "Parameter", "Pow", "Sub", "Variable", "add",
    "as_array", "as_variable", "div", "mul", "neg", "no_grad", "pow", "rdiv", "rpow", "rsub",
    "setup_variable", "sub", "test_mode", "using_config",
]
