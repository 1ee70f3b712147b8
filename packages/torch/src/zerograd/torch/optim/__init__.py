"""``torch.optim``: zerograd's optimizers (their formulas live in zerograd.nn.optimizers) built
PyTorch's way, ``SGD(model.parameters(), lr=0.1, momentum=0.9)``, stepped with ``step()`` and
cleared with ``zero_grad()``. Parameter groups carry PyTorch's keys, with PyTorch's defaults
(``betas`` as a pair); ``foreach``, ``fused``, ``capturable`` and ``differentiable`` are accepted
and recorded but change nothing: on the CPU each is the same arithmetic in PyTorch too."""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core import Variable, using_config
from zerograd.core.cuda import get_array_module
from zerograd.nn import optimizers as native
from zerograd.nn.optimizers.hyperparameters import FRACTION, check_hyperparameter
from zerograd.torch.optim import lr_scheduler

__all__ = ["ASGD", "SGD", "Adadelta", "Adafactor", "Adagrad", "Adam", "AdamW", "Adamax", "NAdam",
           "Optimizer", "RAdam", "RMSprop", "Rprop", "lr_scheduler"]


def _param_groups(params: Any) -> Any:
    params = list(params)
    if not params:
        raise ValueError("optimizer got an empty parameter list")
    return params


def _arrays_within(value: Any) -> Any:
    """``value`` with every Tensor inside dicts, lists and tuples replaced by its array."""
    if isinstance(value, Variable):
        return value.data
    if isinstance(value, dict):
        return {key: _arrays_within(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_arrays_within(item) for item in value)
    return value


def _state_value(key: str, value: Any, params: list[Any], number: Any) -> Any:
    """A state entry as zerograd keeps it: PyTorch's float step as an int, and its None
    momentum buffer (SGD before momentum ever applied) as zeros shaped like the parameter."""
    if key == "step":
        return int(value)
    if value is None and isinstance(number, int) and 0 <= number < len(params):
        data = params[number].data
        return get_array_module(data).zeros_like(data)
    return value


def _number(value: Any) -> Any:
    """A one-element Tensor hyperparameter (``lr=torch.tensor(0.01)``) as a Python float."""
    if isinstance(value, Variable) and value.data is not None and value.data.size == 1:
        return float(value.data.reshape(()))
    return value


class Optimizer(native.Optimizer):
    """What every ``torch.optim`` optimizer adds to zerograd's: PyTorch's construction,
    ``step()``, ``zero_grad()``, and the ``betas`` pair of Adam's family in its groups."""

    def _torch_setup(self, params: Any, flags: dict[str, Any], betas: Any = None) -> None:
        """Record the accepted-and-ignored ``flags`` and ``betas`` in the defaults, then take
        the parameters."""
        if betas is not None:
            self.defaults.pop("beta1", None)
            self.defaults.pop("beta2", None)
            self.defaults["betas"] = self._checked("betas", betas)
        self.defaults.update(flags)
        self.setup(_param_groups(params))

    def _checked(self, key: str, value: Any, where: str = "") -> Any:
        value = _number(value)
        if key != "betas":
            return super()._checked(key, value, where)
        name = f"{type(self).__name__} ({where})" if where else type(self).__name__
        try:
            first, second = value
        except (TypeError, ValueError):
            raise TypeError(f"{name}: betas must be a pair of numbers, got {value!r}") from None
        return (check_hyperparameter(name, "betas[0]", _number(first), FRACTION),
                check_hyperparameter(name, "betas[1]", _number(second), FRACTION))

    def rule(self, p: Any, g: Any, state: dict[str, Any], h: dict[str, Any]) -> None:
        if "betas" in h:
            h = {**h, "beta1": h["betas"][0], "beta2": h["betas"][1]}
        super().rule(p, g, state, h)

    def step(self, closure: Any = None) -> Any:
        """Update every parameter from its gradient; ``closure`` (re-evaluating the loss) is
        called first, with gradients recorded, and its loss returned."""
        self._check_capturable()
        loss = None
        if closure is not None:
            with using_config("enable_backprop", True):
                loss = closure()
        self.update()
        return loss

    def _check_capturable(self) -> None:
        """capturable=True (CUDA graph capture) needs parameters on a GPU, as in PyTorch."""
        for group in self.param_groups:
            if group.get("capturable") and any(
                    get_array_module(p.data) is np for p in group["params"]):
                raise RuntimeError(f"{type(self).__name__}: capturable=True needs the parameters "
                                   f"on a GPU (cuda); these are on the cpu")

    # zerograd's state names that PyTorch spells otherwise (Adam's m is PyTorch's exp_avg...)
    torch_state_names: dict[str, str] = {}

    def state_dict(self) -> dict[str, Any]:
        """PyTorch's layout (``state`` keyed by parameter number with PyTorch's names, and
        ``param_groups``) plus zerograd's ``type`` and update count ``t``."""
        saved = super().state_dict()
        names = self.torch_state_names
        saved["state"] = {number: {names.get(key, key): value for key, value in state.items()}
                          for number, state in saved["state"].items()}
        return saved

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore ``state_dict()``'s state, also after ``torch.save``/``torch.load`` (which
        hand its arrays back as Tensors), or one that PyTorch's optimizer of the same name
        saved (its step counts are floats; ``t`` becomes the largest)."""
        saved = _arrays_within(state_dict)
        if not isinstance(saved, dict) or not isinstance(saved.get("state"), dict):
            super().load_state_dict(saved)  # the native checks word the error
            return
        native = {torch_name: name for name, torch_name in self.torch_state_names.items()}
        params = [p for group in self.param_groups for p in group["params"]]
        # PyTorch's SGD keeps no step count: a saved state means at least one step was taken.
        state = {number: {"step": 1, **{native.get(key, key): _state_value(key, value, params,
                                                                           number)
                                        for key, value in entry.items()}}
                 for number, entry in saved["state"].items()}
        steps = [entry.get("step", 0) for entry in state.values()]
        saved = {"type": type(self).__name__, "t": max(steps, default=0), **saved, "state": state}
        super().load_state_dict(saved)

    def zero_grad(self, set_to_none: bool = True) -> None:
        for group in self.param_groups:
            for param in group["params"]:
                if set_to_none or param.grad is None:
                    param.grad = None
                else:
                    param.grad.data[...] = 0


def _flags(foreach: Any = None, differentiable: bool = False, **more: Any) -> dict[str, Any]:
    return {"foreach": foreach, "differentiable": differentiable, **more}


class SGD(Optimizer, native.MomentumSGD):
    """Plain gradient descent while a group's momentum is 0, else PyTorch's momentum rule."""

    def __init__(self, params: Any, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach: Any = None, differentiable: bool = False, fused: Any = None) -> None:
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: nesterov momentum requires a momentum and zero dampening")
        native.MomentumSGD.__init__(self, lr=_number(lr), momentum=momentum, nesterov=nesterov,
                                    dampening=dampening, weight_decay=_number(weight_decay),
                                    maximize=maximize)
        self._torch_setup(params, _flags(foreach, differentiable, fused=fused))

    def rule(self, p: Any, g: Any, state: dict[str, Any], h: dict[str, Any]) -> None:
        if h["momentum"]:
            native.MomentumSGD.rule(self, p, g, state, h)
        else:
            native.SGD.rule(self, p, g, state, h)


class Adam(Optimizer, native.Adam):
    torch_state_names = {"m": "exp_avg", "v": "exp_avg_sq", "max_v": "max_exp_avg_sq"}

    def __init__(self, params: Any, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *,
                 foreach: Any = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused: Any = None,
                 decoupled_weight_decay: bool = False) -> None:
        native.Adam.__init__(self, lr=_number(lr), eps=eps, weight_decay=weight_decay,
                             amsgrad=amsgrad, maximize=maximize,
                             decoupled_weight_decay=decoupled_weight_decay)
        self._torch_setup(params, _flags(foreach, differentiable, capturable=capturable,
                                         fused=fused), betas)


class AdamW(Optimizer, native.AdamW):
    torch_state_names = Adam.torch_state_names

    def __init__(self, params: Any, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False, foreach: Any = None, capturable: bool = False,
                 differentiable: bool = False, fused: Any = None) -> None:
        native.AdamW.__init__(self, lr=_number(lr), eps=eps, weight_decay=weight_decay,
                              amsgrad=amsgrad, maximize=maximize)
        self._torch_setup(params, _flags(foreach, differentiable, capturable=capturable,
                                         fused=fused, decoupled_weight_decay=True), betas)


class Adagrad(Optimizer, native.AdaGrad):
    torch_state_names = {"sum_sq": "sum"}

    def __init__(self, params: Any, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach: Any = None,
                 *, maximize: bool = False, differentiable: bool = False, fused: Any = None
                 ) -> None:
        native.AdaGrad.__init__(self, _number(lr), eps, lr_decay=lr_decay,
                                weight_decay=weight_decay,
                                initial_accumulator_value=initial_accumulator_value,
                                maximize=maximize)
        self._torch_setup(params, _flags(foreach, differentiable, fused=fused))


class Adadelta(Optimizer, native.AdaDelta):
    def __init__(self, params: Any, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: Any = None, *, capturable: bool = False,
                 maximize: bool = False, differentiable: bool = False) -> None:
        native.AdaDelta.__init__(self, rho, eps, _number(lr), weight_decay=weight_decay,
                                 maximize=maximize)
        self._torch_setup(params, _flags(foreach, differentiable, capturable=capturable))


class RMSprop(Optimizer, native.RMSprop):
    def __init__(self, params: Any, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False,
                 capturable: bool = False, foreach: Any = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        native.RMSprop.__init__(self, _number(lr), alpha, eps, weight_decay=weight_decay,
                                momentum=momentum, centered=centered, maximize=maximize)
        self._torch_setup(params, _flags(foreach, differentiable, capturable=capturable))


class Adamax(Optimizer, native.Adamax):
    torch_state_names = {"m": "exp_avg", "u": "exp_inf"}

    def __init__(self, params: Any, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, foreach: Any = None, *,
                 maximize: bool = False, differentiable: bool = False, capturable: bool = False
                 ) -> None:
        native.Adamax.__init__(self, _number(lr), eps=eps, weight_decay=weight_decay,
                               maximize=maximize)
        self._torch_setup(params, _flags(foreach, differentiable, capturable=capturable), betas)


class NAdam(Optimizer, native.NAdam):
    torch_state_names = {"m": "exp_avg", "v": "exp_avg_sq"}

    def __init__(self, params: Any, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: Any = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False
                 ) -> None:
        native.NAdam.__init__(self, _number(lr), eps=eps, weight_decay=weight_decay,
                              momentum_decay=momentum_decay,
                              decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)
        self._torch_setup(params, _flags(foreach, differentiable, capturable=capturable), betas)


class RAdam(Optimizer, native.RAdam):
    torch_state_names = {"m": "exp_avg", "v": "exp_avg_sq"}

    def __init__(self, params: Any, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, decoupled_weight_decay: bool = False,
                 *, foreach: Any = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        native.RAdam.__init__(self, _number(lr), eps=eps, weight_decay=weight_decay,
                              decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)
        self._torch_setup(params, _flags(foreach, differentiable, capturable=capturable), betas)


class Rprop(Optimizer, native.Rprop):
    def __init__(self, params: Any, lr: float = 1e-2, etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, capturable: bool = False,
                 foreach: Any = None, maximize: bool = False, differentiable: bool = False) -> None:
        native.Rprop.__init__(self, _number(lr), etas, step_sizes, maximize)
        self._torch_setup(params, _flags(foreach, differentiable, capturable=capturable))


class ASGD(Optimizer, native.ASGD):
    def __init__(self, params: Any, lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75,
                 t0: float = 1e6, weight_decay: float = 0, foreach: Any = None,
                 maximize: bool = False, differentiable: bool = False, capturable: bool = False
                 ) -> None:
        native.ASGD.__init__(self, _number(lr), lambd, alpha, t0, weight_decay, maximize)
        self._torch_setup(params, _flags(foreach, differentiable, capturable=capturable))


class Adafactor(Optimizer, native.Adafactor):
    def __init__(self, params: Any, lr: float = 1e-2, beta2_decay: float = -0.8,
                 eps: tuple[float | None, float] = (None, 1e-3), d: float = 1.0,
                 weight_decay: float = 0.0, *, foreach: Any = None, maximize: bool = False
                 ) -> None:
        native.Adafactor.__init__(self, _number(lr), beta2_decay, eps, d, weight_decay, maximize)
        self._torch_setup(params, {"foreach": foreach})
