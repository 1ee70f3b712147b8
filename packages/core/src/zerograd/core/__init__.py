"""zerograd-core: the define-by-run engine.

>>> import numpy as np
>>> from zerograd.core import Variable
>>> x = Variable(np.array(2.0))
>>> y = x ** 3 + 2 * x
>>> y.backward()
>>> x.grad
variable(14.0)
"""

from zerograd.core import cuda, functions, kernels, utils
from zerograd.core.config import Config, no_grad, using_config
from zerograd.core.errors import ShapeError
from zerograd.core.function import Function
from zerograd.core.operators import setup_variable
from zerograd.core.seeding import seed
from zerograd.core.variable import Parameter, Variable, as_array, as_variable

setup_variable()  # the operators are built from the functions, so they are attached last

__version__ = "0.1.0"
__all__ = [
    "Config", "Function", "Parameter", "ShapeError", "Variable", "as_array", "as_variable", "cuda",
    "functions", "kernels",
    "no_grad", "seed", "setup_variable", "using_config", "utils",
]
