"""Optimizer hooks: functions of the parameter list that ``update()`` calls before it changes
any parameter.

Hooks replace a gradient rather than change it in place: backward may hand the same gradient
array to two parameters (y = a + b), and an in-place change would then apply twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from zerograd.core.checks import check_real
from zerograd.core.cuda import get_array_module
from zerograd.core.variable import Variable

__all__ = ["ClipGrad", "FreezeParam", "WeightDecay"]


class WeightDecay:
    """Hook: L2 regularisation, g <- g + rate * p (PyTorch's ``weight_decay`` of SGD and Adam).

    >>> import numpy as np
    >>> from zerograd.core import Parameter, Variable
    >>> from zerograd.nn.optimizers import SGD
    >>> p = Parameter(np.array([1.0])); p.grad = Variable(np.array([0.0]))
    >>> opt = SGD(lr=1.0).setup([p]); opt.add_hook(WeightDecay(0.1)); opt.update(); p.data
    array([0.9])
    """

    def __init__(self, rate: float) -> None:
        self.rate = float(check_real("WeightDecay", "rate", rate, low=0))

    def __call__(self, params: list[Variable]) -> None:
        for param in params:
            param.grad = Variable(param.grad.data + self.rate * param.data, requires_grad=False)


class ClipGrad:
    """Hook: rescale all gradients together so that their global L2 norm is at most
    ``max_norm``: g <- g * max_norm / (norm + 1e-6) when that factor is below 1
    (torch.nn.utils.clip_grad_norm_).

    >>> import numpy as np
    >>> from zerograd.core import Parameter, Variable
    >>> from zerograd.nn.optimizers import SGD
    >>> p = Parameter(np.array([0.0, 0.0])); p.grad = Variable(np.array([3.0, 4.0]))
    >>> opt = SGD(lr=1.0).setup([p]); opt.add_hook(ClipGrad(1.0)); opt.update()
    >>> np.round(p.data, 6)
    array([-0.6, -0.8])
    """

    def __init__(self, max_norm: float) -> None:
        self.max_norm = float(check_real("ClipGrad", "max_norm", max_norm, low=0))

    def __call__(self, params: list[Variable]) -> None:
        if not params:
            return
        # The norm and the factor stay on the arrays' device (no host round trip per parameter);
        # like PyTorch, the factor is clamped to 1 and always applied rather than tested.
        xp = get_array_module(params[0].grad.data)
        total = sum(xp.vdot(g, g).astype(np.float64) for g in (p.grad.data.ravel() for p in params))
        rate = xp.minimum(self.max_norm / (xp.sqrt(total) + 1e-6), 1.0)
        for param in params:
            g = param.grad.data
            param.grad = Variable(g * rate.astype(g.dtype), requires_grad=False)


class FreezeParam:
    """Hook: leave the parameters of the given Layers (or the given Parameters) unchanged; they
    are dropped from the update, their gradients are kept. Hooks added after this one do not
    see them.

    >>> import numpy as np
    >>> from zerograd.core import Parameter, Variable
    >>> from zerograd.nn.optimizers import SGD
    >>> a, b = Parameter(np.array([1.0])), Parameter(np.array([1.0]))
    >>> opt = SGD(lr=1.0).setup([a, b]); opt.add_hook(FreezeParam(a))
    >>> a.grad = Variable(np.array([1.0])); b.grad = Variable(np.array([1.0])); opt.update()
    >>> a.data, b.data
    (array([1.]), array([0.]))
    """

    def __init__(self, *layers: Any) -> None:
        for layer in layers:
            if not isinstance(layer, Variable) and not callable(getattr(layer, "params", None)):
                raise TypeError(f"FreezeParam: expected Layers or Parameters, got "
                                f"{type(layer).__name__}")
        self.freeze_targets = layers

    def frozen(self) -> set[int]:
        """The ids of the frozen parameters (Layers are asked each time: lazy ones grow)."""
        ids = set()
        for layer in self.freeze_targets:
            params: Iterable[Variable] = [layer] if isinstance(layer, Variable) else layer.params()
            ids.update(id(p) for p in params)
        return ids

    def __call__(self, params: list[Variable]) -> None:
        frozen = self.frozen()
        params[:] = [p for p in params if id(p) not in frozen]
