"""Optimizers and optimizer hooks: the book's ``setup(target)`` / ``update()`` API, organised like
torch.optim (parameter groups over ``defaults``, per-parameter ``state``, ``state_dict()``).

    optimizer = Adam(alpha=0.001).setup(model)            # or setup([{'params': ..., 'lr': ...}])
    optimizer.add_hook(WeightDecay(1e-4))
    loss.backward()
    optimizer.update()                                     # hooks first, then each parameter

Every group carries an ``lr``; that is what schedulers change. The machinery (groups, state,
state_dict, the threaded update) lives in ``optimizer``, ``groups``, ``saving`` and ``threads``;
each optimizer is its formula, in ``sgd``, ``adaptive``, ``adam``, ``adam_variants``,
``rprop`` and ``adafactor``; hooks are in ``hooks``.
``set_update_threads(n)`` sets how many threads ``update()`` may use.

>>> import numpy as np
>>> from zerograd.core import Parameter, Variable
>>> w = Parameter(np.array([1.0, 2.0]))
>>> optimizer = SGD(lr=0.1).setup([w])
>>> w.grad = Variable(np.array([10.0, -10.0]))
>>> optimizer.update()
>>> w.data
array([0., 3.])
"""

from zerograd.nn.optimizers.adafactor import Adafactor
from zerograd.nn.optimizers.adam import Adam, AdamW
from zerograd.nn.optimizers.adam_variants import Adamax, NAdam, RAdam
from zerograd.nn.optimizers.adaptive import AdaDelta, AdaGrad, RMSprop
from zerograd.nn.optimizers.hooks import ClipGrad, FreezeParam, WeightDecay
from zerograd.nn.optimizers.optimizer import Optimizer
from zerograd.nn.optimizers.rprop import Rprop
from zerograd.nn.optimizers.sgd import ASGD, SGD, MomentumSGD
from zerograd.nn.optimizers.threads import set_update_threads, update_threads

__all__ = [
    "ASGD", "AdaDelta", "AdaGrad", "Adafactor", "Adam", "AdamW", "Adamax", "ClipGrad",
    "FreezeParam", "MomentumSGD", "NAdam", "Optimizer", "RAdam", "RMSprop", "Rprop", "SGD",
    "WeightDecay", "set_update_threads", "update_threads",
]
