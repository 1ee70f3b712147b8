"""zerograd-dezero: the module layout of "Deep Learning from Scratch 3" (DeZero) over zerograd,
so the book's code runs with only its imports changed (``import dezero`` ->
``import zerograd.dezero as dezero``). Every name is re-exported from its home package.

>>> import numpy as np
>>> import zerograd.dezero as dezero
>>> import zerograd.dezero.functions as F
>>> x = dezero.Variable(np.array(1.0))
>>> y = F.tanh(x)
>>> y.backward(create_graph=True)
>>> gx = x.grad
>>> x.cleargrad()
>>> gx.backward()
>>> round(float(x.grad.data), 6)  # d2/dx2 tanh(x) = -2 tanh(x) (1 - tanh(x)^2)
-0.6397
"""

from zerograd.core import (
    Config,
    Function,
    Parameter,
    Variable,
    as_array,
    as_variable,
    no_grad,
    seed,
    setup_variable,
    using_config,
)
from zerograd.data import DataLoader, Dataset, SeqDataLoader
from zerograd.dezero import (
    core,
    core_simple,
    cuda,
    dataloaders,
    datasets,
    functions,
    functions_conv,
    init,
    layers,
    models,
    optimizers,
    schedulers,
    transforms,
    utils,
)
from zerograd.nn import Layer, Model, load_checkpoint, save_checkpoint, test_mode

# The book switches between its simple and full cores with this flag; zerograd has one engine.
is_simple_core = False

__version__ = "0.1.0"
__all__ = [
    "Config", "DataLoader", "Dataset", "Function", "Layer", "Model", "Parameter", "SeqDataLoader",
    "Variable", "as_array", "as_variable", "core", "core_simple", "cuda", "dataloaders", "datasets",
    "functions", "functions_conv", "init", "is_simple_core", "layers", "load_checkpoint", "models",
    "no_grad", "optimizers", "save_checkpoint", "schedulers", "seed", "setup_variable", "test_mode",
    "transforms", "using_config", "utils",
]
