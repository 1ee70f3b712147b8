"""Learning-rate schedulers (beyond the book), re-exported from zerograd.nn.schedulers: each
``step()`` writes a new ``lr`` into every parameter group, with torch.optim.lr_scheduler's
sequences.

>>> import numpy as np
>>> from zerograd.dezero import Parameter
>>> from zerograd.dezero.optimizers import SGD
>>> from zerograd.dezero.schedulers import StepLR
>>> optimizer = SGD(lr=1.0).setup([Parameter(np.zeros(1))])
>>> scheduler = StepLR(optimizer, step_size=1, gamma=0.5)
>>> scheduler.step(); optimizer.lr
0.5
"""

# The facade re-exports every public name of zerograd.nn.schedulers, so that the two never drift.
from zerograd.nn.schedulers import *  # noqa: F403
from zerograd.nn.schedulers import __all__  # noqa: F401  (the same public names)
