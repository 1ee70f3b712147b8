"""zerograd.nn: layers, functions (activations, losses, normalisation) and the module system of
zerograd.

>>> import numpy as np
>>> import zerograd.nn.functions as F
>>> from zerograd.nn.models import MLP
>>> model = MLP((16, 3), activation=F.relu)
>>> loss = F.softmax_cross_entropy(model(np.ones((4, 8), dtype=np.float32)), np.array([0, 1, 2, 0]))
>>> loss.backward()
>>> sorted(name for name, _ in model.named_params())
['l0.W', 'l0.b', 'l1.W', 'l1.b']
"""

from zerograd.nn import functions, init, layers, models, optimizers, schedulers
from zerograd.nn.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from zerograd.nn.layer import Layer, Model
from zerograd.nn.mode import test_mode
from zerograd.nn.state import IncompatibleKeys

__version__ = "0.1.0"
__all__ = ["CheckpointError", "IncompatibleKeys", "Layer", "Model", "functions",
           "init", "layers", "load_checkpoint", "models", "optimizers", "save_checkpoint",
           "schedulers", "test_mode"]
