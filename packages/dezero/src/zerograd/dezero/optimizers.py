"""The book's ``dezero.optimizers``: Optimizer, SGD, MomentumSGD, AdaGrad, AdaDelta, Adam and
the hooks WeightDecay, ClipGrad, FreezeParam, plus RMSprop and AdamW; re-exported from
zerograd.nn.optimizers. Learning-rate schedulers are in ``zerograd.dezero.schedulers``.

Hyperparameters live in PyTorch-style parameter groups: ``Adam(alpha=...)`` sets the groups'
``lr``, and the book's read-only bias-corrected ``Adam.lr`` is ``Adam.step_size``.

>>> import numpy as np
>>> from zerograd.dezero import Parameter, Variable
>>> from zerograd.dezero.optimizers import SGD
>>> p = Parameter(np.array([1.0])); p.grad = Variable(np.array([2.0]))
>>> SGD(lr=0.5).setup([p]).update(); p.data
array([0.])
"""

# The facade re-exports every public name of zerograd.nn.optimizers, so that the two never drift.
from zerograd.nn.optimizers import *  # noqa: F403
from zerograd.nn.optimizers import __all__  # noqa: F401  (the same public names)
