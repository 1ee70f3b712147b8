"""``torch.optim``: zerograd's optimizers (their rules, parameter groups, state and state dicts)
built PyTorch's way, ``SGD(model.parameters(), lr=0.1, momentum=0.9)``, stepped with ``step()``
and cleared with ``zero_grad()``. ``weight_decay`` is the L2 term g + wd * p (zerograd's
WeightDecay hook; AdamW's is decoupled, its own rule) and applies to every group."""

from __future__ import annotations

from typing import Any

from zerograd.core import Variable, using_config
from zerograd.nn import optimizers as native
from zerograd.torch.optim import lr_scheduler

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]


def _param_groups(params: Any) -> Any:
    params = list(params)
    if not params:
        raise ValueError("optimizer got an empty parameter list")
    return params


def _unsupported(owner: str, name: str, value: Any, default: Any) -> None:
    if value != default:
        raise NotImplementedError(f"{owner}: {name}={value!r} is not supported by zerograd.torch "
                                  f"(only {name}={default!r})")


def _arrays_within(value: Any) -> Any:
    """``value`` with every Tensor inside dicts, lists and tuples replaced by its array."""
    if isinstance(value, Variable):
        return value.data
    if isinstance(value, dict):
        return {key: _arrays_within(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_arrays_within(item) for item in value)
    return value


class Optimizer(native.Optimizer):
    """What every ``torch.optim`` optimizer adds to zerograd's: ``step()`` and ``zero_grad()``."""

    def _finish_setup(self, params: Any, weight_decay: float) -> None:
        self.setup(_param_groups(params))
        if weight_decay:
            self.add_hook(native.WeightDecay(weight_decay))

    def step(self, closure: Any = None) -> Any:
        """Update every parameter from its gradient; ``closure`` (re-evaluating the loss) is
        called first, with gradients recorded, and its loss returned."""
        loss = None
        if closure is not None:
            with using_config("enable_backprop", True):
                loss = closure()
        self.update()
        return loss

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore ``state_dict()``'s state, also after ``torch.save``/``torch.load`` (which
        hand its arrays back as Tensors)."""
        super().load_state_dict(_arrays_within(state_dict))

    def zero_grad(self, set_to_none: bool = True) -> None:
        for group in self.param_groups:
            for param in group["params"]:
                if set_to_none or param.grad is None:
                    param.grad = None
                else:
                    param.grad.data[...] = 0


class SGD(Optimizer, native.MomentumSGD):
    """Plain gradient descent while every group's momentum is 0, else PyTorch's momentum rule."""

    def __init__(self, params: Any, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False) -> None:
        _unsupported("SGD", "dampening", dampening, 0)
        if nesterov and momentum <= 0:
            raise ValueError("SGD: nesterov momentum requires a momentum above 0")
        native.MomentumSGD.__init__(self, lr=lr, momentum=momentum, nesterov=nesterov)
        self._finish_setup(params, weight_decay)

    def rule(self, p: Any, g: Any, state: dict[str, Any], h: dict[str, Any]) -> None:
        if h["momentum"]:
            native.MomentumSGD.rule(self, p, g, state, h)
        else:
            native.SGD.rule(self, p, g, state, h)


class Adam(Optimizer, native.Adam):
    def __init__(self, params: Any, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False) -> None:
        _unsupported("Adam", "amsgrad", amsgrad, False)
        native.Adam.__init__(self, lr, betas[0], betas[1], eps)
        self._finish_setup(params, weight_decay)


class AdamW(Optimizer, native.AdamW):
    def __init__(self, params: Any, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False) -> None:
        _unsupported("AdamW", "amsgrad", amsgrad, False)
        native.AdamW.__init__(self, lr, betas[0], betas[1], eps, weight_decay)
        self._finish_setup(params, 0)


class RMSprop(Optimizer, native.RMSprop):
    def __init__(self, params: Any, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False) -> None:
        _unsupported("RMSprop", "momentum", momentum, 0)
        _unsupported("RMSprop", "centered", centered, False)
        native.RMSprop.__init__(self, lr, alpha, eps)
        self._finish_setup(params, weight_decay)


class Adagrad(Optimizer, native.AdaGrad):
    def __init__(self, params: Any, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10) -> None:
        _unsupported("Adagrad", "lr_decay", lr_decay, 0)
        _unsupported("Adagrad", "initial_accumulator_value", initial_accumulator_value, 0)
        native.AdaGrad.__init__(self, lr, eps)
        self._finish_setup(params, weight_decay)
