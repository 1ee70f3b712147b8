"""Optimizers and optimizer hooks: the book's ``setup(target)`` / ``update()`` API, organised like
torch.optim (parameter groups over ``defaults``, per-parameter ``state``, ``state_dict()``).

    optimizer = Adam(alpha=0.001).setup(model)            # or setup([{'params': ..., 'lr': ...}])
    optimizer.add_hook(WeightDecay(1e-4))
    loss.backward()
    optimizer.update()                                     # hooks first, then each parameter

Every group carries an ``lr``; that is what schedulers change. Each optimizer's ``update_one`` is
its formula, applied in place on ``param.data`` through the array module that owns it (NumPy or
CuPy), reusing one scratch buffer so that a step allocates nothing.

>>> import numpy as np
>>> from zerograd.core import Parameter, Variable
>>> w = Parameter(np.array([1.0, 2.0]))
>>> optimizer = SGD(lr=0.1).setup([w])
>>> w.grad = Variable(np.array([10.0, -10.0]))
>>> optimizer.update()
>>> w.data
array([0., 3.])
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from zerograd.core import cuda
from zerograd.core.cuda import get_array_module
from zerograd.core.variable import Variable

__all__ = [
    "AdaDelta", "AdaGrad", "Adam", "AdamW", "ClipGrad", "FreezeParam", "MomentumSGD", "Optimizer",
    "RMSprop", "SGD", "WeightDecay",
]


# --- hyperparameter rules ------------------------------------------------------------------------
def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_))


Rule = tuple[str, Callable[[Any], bool]]
NON_NEGATIVE: Rule = ("a number >= 0", lambda v: _is_number(v) and v >= 0)
FRACTION: Rule = ("a number in [0, 1)", lambda v: _is_number(v) and 0 <= v < 1)
CLOSED_FRACTION: Rule = ("a number in [0, 1]", lambda v: _is_number(v) and 0 <= v <= 1)
FLAG: Rule = ("True or False", lambda v: isinstance(v, (bool, np.bool_)))

# Keys a group may carry besides its hyperparameters: schedulers record the starting lr.
_BOOKKEEPING_KEYS = ("params", "initial_lr")


class Hyperparameter:
    """An optimizer attribute that reads and writes one hyperparameter of the default (first)
    parameter group, or of ``defaults`` before ``setup``."""

    def __init__(self, key: str) -> None:
        self.key = key

    def __get__(self, optimizer: Optimizer | None, owner: type | None = None) -> Any:
        if optimizer is None:
            return self
        return optimizer._default_group()[self.key]

    def __set__(self, optimizer: Optimizer, value: Any) -> None:
        optimizer._check(self.key, value)
        optimizer._default_group()[self.key] = value


# A parameter this large is worth a thread of its own during update() (smaller ones cost more
# in hand-over than they save).
PARALLEL_MIN_SIZE = 1 << 16


def _update_threads() -> int:
    """Threads for update(): the count the user gave OpenMP/BLAS, else the CPU count."""
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        value = os.environ.get(name, "")
        if value.isdigit() and int(value) > 0:
            return int(value)
    return os.cpu_count() or 1


def _balanced_bins(params: list[Variable], threads: int) -> list[list[Variable]]:
    """Split NumPy parameters into up to ``threads`` bins of similar total size (largest first);
    a single bin when threads would not pay (few large parameters, or GPU arrays)."""
    large = [p for p in params if p.data.size >= PARALLEL_MIN_SIZE]
    if threads < 2 or len(large) < 2 or not all(isinstance(p.data, np.ndarray) for p in params):
        return [params]
    bins: list[list[Variable]] = [[] for _ in range(min(threads, len(large)))]
    totals = [0] * len(bins)
    for param in sorted(params, key=lambda p: p.data.size, reverse=True):
        lightest = totals.index(min(totals))
        bins[lightest].append(param)
        totals[lightest] += param.data.size
    return bins


class Optimizer:
    """Base class: holds parameter groups, per-parameter state and hooks; ``update()`` runs the
    hooks on the parameters that have a gradient, then ``update_one`` on each.

    ``setup(target)`` takes a Layer (its ``params()``), an iterable of Parameters, or a list of
    parameter groups: dicts with ``'params'`` and hyperparameters that override ``defaults``.
    A parameter is skipped when its grad is None, its ``requires_grad`` is False, or a hook
    (FreezeParam) removes it.
    """

    rules: dict[str, Rule] = {"lr": NON_NEGATIVE}
    aliases: dict[str, str] = {}  # group keys accepted under another name, e.g. Adam's 'alpha'
    lr = Hyperparameter("lr")

    def __init__(self, **defaults: Any) -> None:
        for key, value in defaults.items():
            self._check(key, value)
        self.defaults = defaults
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[Variable, dict[str, Any]] = {}
        self.hooks: list[Callable[[list[Variable]], Any]] = []
        self.target: Any = None
        self.t = 0  # number of update() calls
        self._group_of: dict[Variable, dict[str, Any]] = {}
        self._buffers: dict[tuple, Any] = {}
        self._pool: ThreadPoolExecutor | None = None  # update()'s threads, made on first need
        self._pool_size = 0

    # --- setting up ------------------------------------------------------------------------------
    def setup(self, target: Any) -> Optimizer:
        """Take the parameters to optimise (forgetting any earlier ones and their state);
        returns self."""
        groups = _as_group_list(target, type(self).__name__)
        before = self.param_groups, self.state, self._group_of
        self.param_groups, self.state, self._group_of = [], {}, {}
        try:
            for group in groups:
                self.add_param_group(group)
        except Exception:
            self.param_groups, self.state, self._group_of = before  # a failed setup changes nothing
            raise
        self.target = target
        return self

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add one group: ``{'params': parameters, hyperparameter: value, ...}``; missing
        hyperparameters take ``defaults``."""
        name = type(self).__name__
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError(f"{name}: a parameter group must be a dict with a 'params' entry, "
                            f"got {group!r}")
        where = f"parameter group {len(self.param_groups)}"
        params = _param_list(group["params"], f"{name}: {where}")
        hyper = dict(self.defaults)
        for key, value in group.items():
            if key == "params":
                continue
            key = self.aliases.get(key, key)
            if key not in self.defaults and key not in _BOOKKEEPING_KEYS:
                known = ", ".join(self.defaults) or "none"
                raise ValueError(f"{name}: unknown hyperparameter {key!r} in {where} "
                                 f"(known: {known})")
            self._check(key, value, where)
            hyper[key] = value
        self._check_new_params(params, where)
        new_group = {"params": params, **hyper}
        self.param_groups.append(new_group)
        for param in params:
            self._group_of[param] = new_group

    def _check_new_params(self, params: list[Variable], where: str) -> None:
        name = type(self).__name__
        seen: set[int] = set()
        for param in params:
            if id(param) in seen:
                raise ValueError(f"{name}: {_describe(param)} appears twice in {where}")
            seen.add(id(param))
            if param in self._group_of:
                i = next(i for i, g in enumerate(self.param_groups) if g is self._group_of[param])
                raise ValueError(f"{name}: {_describe(param)} is in parameter group {i} and "
                                 f"again in {where}; a parameter belongs to one group only")

    def add_hook(self, hook: Callable[[list[Variable]], Any]) -> None:
        """Register ``hook(params)``, called by ``update()`` before any parameter changes."""
        self.hooks.append(hook)

    # --- updating --------------------------------------------------------------------------------
    def update(self) -> None:
        """Run the hooks, then update each parameter that has a gradient."""
        if not self.param_groups:
            raise RuntimeError(f"{type(self).__name__}.update: call setup(target) first")
        params = [p for group in self.param_groups for p in group["params"]
                  if p.grad is not None and p.requires_grad]
        for hook in self.hooks:
            hook(params)  # a hook may drop parameters from the list (FreezeParam)
        self.t += 1
        params = [p for p in params if p.grad is not None]
        bins = _balanced_bins(params, _update_threads())
        if len(bins) < 2:
            for param in params:
                self.update_one(param)
            return
        # Parameters are independent, so updating them on several threads gives bitwise the
        # serial result; NumPy releases the GIL inside its loops, so the threads really overlap.
        if self._pool_size < len(bins):
            self._pool = ThreadPoolExecutor(max_workers=len(bins),
                                            thread_name_prefix="zerograd-optimizer")
            self._pool_size = len(bins)
        for done in [self._pool.submit(self._update_all, chunk) for chunk in bins]:
            done.result()

    def __getstate__(self) -> dict[str, Any]:
        """Copies and pickles leave the thread pool out (it is a cache, remade on first need)."""
        state = dict(self.__dict__)
        state["_pool"], state["_pool_size"] = None, 0
        return state

    def _update_all(self, params: list[Variable]) -> None:
        for param in params:
            self.update_one(param)

    def update_one(self, param: Variable) -> None:
        """Update one parameter in place from its gradient; each optimizer defines it."""
        raise NotImplementedError

    def group_of(self, param: Variable) -> dict[str, Any]:
        """The parameter group (and so the hyperparameters) that ``param`` belongs to."""
        try:
            return self._group_of[param]
        except KeyError:
            self._group_of = {p: g for g in self.param_groups for p in g["params"]}
            if param in self._group_of:
                return self._group_of[param]
            raise ValueError(f"{type(self).__name__}: {_describe(param)} is in no parameter "
                             f"group of this optimizer; pass it to setup()") from None

    def _state_of(self, param: Variable, *names: str) -> dict[str, Any]:
        """The state of ``param``, created on first use: a step count and zero arrays."""
        state = self.state.get(param)
        if state is None:
            xp = get_array_module(param.data)
            state = {"step": 0}
            for name in names:
                state[name] = xp.zeros_like(param.data)
            self.state[param] = state
        return state

    def _scratch(self, like: Any, slot: int = 0) -> Any:
        """A reusable work array shaped like ``like`` (one buffer per slot, dtype and module)."""
        key = (slot, like.dtype.str, type(like), threading.get_ident())  # one set per thread
        buffer = self._buffers.get(key)
        if buffer is None or buffer.size < like.size:
            buffer = get_array_module(like).empty(like.size, dtype=like.dtype)
            self._buffers[key] = buffer
        return buffer[:like.size].reshape(like.shape)

    # --- hyperparameters -------------------------------------------------------------------------
    def _default_group(self) -> dict[str, Any]:
        return self.param_groups[0] if self.param_groups else self.defaults

    def _check(self, key: str, value: Any, where: str = "") -> None:
        rule = self.rules.get(key)
        if rule is not None and not rule[1](value):
            place = f" in {where}" if where else ""
            raise ValueError(f"{type(self).__name__}: {key} must be {rule[0]}{place}, "
                             f"got {value!r}")

    # --- saving and loading ----------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state as plain data: ``{'type', 't', 'state', 'param_groups'}``.

        Parameters are named by their position across the groups (0, 1, ...), as in PyTorch;
        ``state`` maps those numbers to copies of each parameter's moments and step count, and
        each group lists its hyperparameters and the numbers of its parameters.
        """
        index: dict[Variable, int] = {}
        groups = []
        for group in self.param_groups:
            numbers = []
            for param in group["params"]:
                index[param] = len(index)
                numbers.append(index[param])
            groups.append({**{k: v for k, v in group.items() if k != "params"},
                           "params": numbers})
        state = {index[p]: {k: _copied(v) for k, v in s.items()}
                 for p, s in self.state.items() if p in index}
        return {"type": type(self).__name__, "t": self.t, "state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyperparameters, step counts and moments saved by ``state_dict()`` of an
        optimizer of the same type set up with parameters of the same shapes. Everything is
        checked before anything changes."""
        name = type(self).__name__
        _check_state_dict_form(state_dict, name)
        if state_dict["type"] != name:
            raise ValueError(f"{name}.load_state_dict: the state dict belongs to a "
                             f"{state_dict['type']} optimizer, not to {name}")
        if not self.param_groups:
            raise RuntimeError(f"{name}.load_state_dict: call setup(target) first")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{name}.load_state_dict: the state dict has {len(saved_groups)} "
                             f"parameter groups, this optimizer {len(self.param_groups)}")
        param_at: dict[Any, Variable] = {}
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"{name}.load_state_dict: parameter group {i} has "
                                 f"{len(group['params'])} parameters, the state dict's "
                                 f"{len(saved['params'])}")
            for key, value in saved.items():
                if key != "params":
                    self._check(key, value, f"parameter group {i} of the state dict")
            param_at.update(zip(saved["params"], group["params"]))
        new_state = {}
        for number, saved_state in state_dict["state"].items():
            if number not in param_at:
                raise ValueError(f"{name}.load_state_dict: state for parameter {number!r}, "
                                 f"which no parameter group lists")
            param = param_at[number]
            new_state[param] = {key: _restored(value, param, f"{name}.load_state_dict", key)
                                for key, value in saved_state.items()}
        self.t = int(state_dict["t"])
        for group, saved in zip(self.param_groups, saved_groups):
            params = group["params"]
            group.clear()
            group["params"] = params
            group.update({k: v for k, v in saved.items() if k != "params"})
        self.state = new_state
        self._group_of = {p: g for g in self.param_groups for p in g["params"]}

    def __repr__(self) -> str:
        hyper = ", ".join(f"{k}={v!r}" for k, v in self._default_group().items()
                          if k not in _BOOKKEEPING_KEYS)
        return f"{type(self).__name__}({hyper}, groups={len(self.param_groups)})"


def _describe(param: Variable) -> str:
    name = getattr(param, "name", None)
    shape = None if param.data is None else tuple(param.data.shape)
    return f"parameter {name!r} (shape {shape})" if name else f"a parameter of shape {shape}"


def _param_list(params: Any, where: str) -> list[Variable]:
    """Parameters given as one Variable, a Layer (anything with params()) or an iterable."""
    if isinstance(params, Variable):
        params = [params]
    elif callable(getattr(params, "params", None)):
        params = params.params()
    try:
        params = list(params)
    except TypeError:
        raise TypeError(f"{where}: expected Parameters, a Layer or an iterable of Parameters, "
                        f"got {type(params).__name__}") from None
    if not params:
        raise ValueError(f"{where}: got no parameters to optimise")
    for param in params:
        if not isinstance(param, Variable):
            raise TypeError(f"{where}: expected Parameters, got a {type(param).__name__}")
    return params


def _as_group_list(target: Any, name: str) -> list[dict[str, Any]]:
    """setup()'s target as a list of parameter-group dicts."""
    if isinstance(target, Variable) or callable(getattr(target, "params", None)):
        return [{"params": target}]
    if isinstance(target, dict):
        items = [target]
    else:
        try:
            items = list(target)
        except TypeError:
            raise TypeError(f"{name}.setup: expected a Layer, Parameters or a list of parameter "
                            f"groups, got {type(target).__name__}") from None
    if items and all(isinstance(item, dict) for item in items):
        return items
    if any(isinstance(item, dict) for item in items):
        raise TypeError(f"{name}.setup: mix of parameter-group dicts and Parameters; give a list "
                        f"of dicts or a list of Parameters")
    return [{"params": items}]


def _check_state_dict_form(state_dict: Any, name: str) -> None:
    if not isinstance(state_dict, dict) or not {"type", "t", "state", "param_groups"} <= set(
            state_dict):
        keys = sorted(state_dict) if isinstance(state_dict, dict) else type(state_dict).__name__
        raise ValueError(f"{name}.load_state_dict: expected an optimizer state dict with 'type', "
                         f"'t', 'state' and 'param_groups', got {keys}")


def _copied(value: Any) -> Any:
    return value.copy() if hasattr(value, "copy") and hasattr(value, "shape") else value


def _restored(value: Any, param: Variable, where: str, key: str) -> Any:
    """A saved state value, copied onto the parameter's device and dtype."""
    if not hasattr(value, "shape") or not hasattr(value, "dtype") or value.ndim == 0:
        return value.item() if hasattr(value, "item") else value
    data = param.data
    if data is None:
        return np.array(cuda.as_numpy(value))
    if tuple(value.shape) != tuple(data.shape):
        raise ValueError(f"{where}: state {key!r} has shape {tuple(value.shape)}, but "
                         f"{_describe(param)} has shape {tuple(data.shape)}")
    if get_array_module(data) is np:
        return np.array(cuda.as_numpy(value), dtype=data.dtype)
    return cuda.as_cupy(value).astype(data.dtype, copy=True)


# --- the optimizers ------------------------------------------------------------------------------
class SGD(Optimizer):
    """Stochastic gradient descent: p <- p - lr * g.

    >>> from zerograd.core import Parameter, Variable
    >>> p = Parameter(np.array([1.0])); p.grad = Variable(np.array([2.0]))
    >>> SGD(lr=0.5).setup([p]).update(); p.data
    array([0.])
    """

    def __init__(self, lr: float = 0.01) -> None:
        super().__init__(lr=lr)

    def update_one(self, param: Variable) -> None:
        lr = float(self.group_of(param)["lr"])
        p, g = param.data, param.grad.data
        step = self._scratch(p)
        get_array_module(p).multiply(g, lr, out=step)
        p -= step


class MomentumSGD(Optimizer):
    """SGD with momentum, PyTorch's formula:

        b <- momentum * b + g;  p <- p - lr * b             (nesterov: p <- p - lr * (g + momentum * b))

    The book writes v <- momentum * v - lr * g; p <- p + v, which is the same while lr is constant
    (v = -lr * b) but PyTorch's form stays right when a scheduler changes lr.

    >>> from zerograd.core import Parameter, Variable
    >>> p = Parameter(np.array([0.0])); opt = MomentumSGD(lr=0.1, momentum=0.9).setup([p])
    >>> for _ in range(2): p.grad = Variable(np.array([1.0])); opt.update()
    >>> p.data  # -0.1 * 1 - 0.1 * 1.9
    array([-0.29])
    """

    rules = {**Optimizer.rules, "momentum": NON_NEGATIVE, "nesterov": FLAG}
    momentum = Hyperparameter("momentum")
    nesterov = Hyperparameter("nesterov")

    def __init__(self, lr: float = 0.01, momentum: float = 0.9, nesterov: bool = False) -> None:
        super().__init__(lr=lr, momentum=momentum, nesterov=nesterov)

    def update_one(self, param: Variable) -> None:
        group = self.group_of(param)
        lr, momentum = float(group["lr"]), float(group["momentum"])
        p, g = param.data, param.grad.data
        xp = get_array_module(p)
        state = self._state_of(param, "momentum_buffer")
        state["step"] += 1
        b, step = state["momentum_buffer"], self._scratch(p)
        b *= momentum
        b += g
        if group["nesterov"]:
            xp.multiply(b, momentum, out=step)
            step += g
        else:
            step[...] = b
        step *= lr
        p -= step


class AdaGrad(Optimizer):
    """AdaGrad: h <- h + g * g;  p <- p - lr * g / (sqrt(h) + eps)  (eps outside the root, as in
    the book and PyTorch).

    >>> from zerograd.core import Parameter, Variable
    >>> p = Parameter(np.array([1.0])); p.grad = Variable(np.array([3.0]))
    >>> AdaGrad(lr=0.1).setup([p]).update(); p.data  # 1 - 0.1 * 3 / 3
    array([0.9])
    """

    rules = {**Optimizer.rules, "eps": NON_NEGATIVE}
    eps = Hyperparameter("eps")

    def __init__(self, lr: float = 0.001, eps: float = 1e-8) -> None:
        super().__init__(lr=lr, eps=eps)

    def update_one(self, param: Variable) -> None:
        group = self.group_of(param)
        lr, eps = float(group["lr"]), float(group["eps"])
        p, g = param.data, param.grad.data
        xp = get_array_module(p)
        state = self._state_of(param, "sum_sq")
        state["step"] += 1
        h, step = state["sum_sq"], self._scratch(p)
        xp.multiply(g, g, out=step)
        h += step
        xp.sqrt(h, out=step)
        step += eps
        xp.divide(g, step, out=step)
        step *= lr
        p -= step


class AdaDelta(Optimizer):
    """AdaDelta (Zeiler 2012), with PyTorch's lr multiplier (1.0 gives the book's rule):

        v <- rho * v + (1 - rho) * g^2
        d <- sqrt(u + eps) / sqrt(v + eps) * g
        u <- rho * u + (1 - rho) * d^2
        p <- p - lr * d

    eps sits inside both roots, as in the book and PyTorch (the book takes the root of the
    ratio, PyTorch the ratio of the roots; this follows PyTorch).

    >>> from zerograd.core import Parameter, Variable
    >>> p = Parameter(np.array([1.0])); p.grad = Variable(np.array([1.0]))
    >>> opt = AdaDelta().setup([p]); opt.update(); round(float(p.data[0]), 6)
    0.995528
    """

    rules = {**Optimizer.rules, "rho": CLOSED_FRACTION, "eps": NON_NEGATIVE}
    rho = Hyperparameter("rho")
    eps = Hyperparameter("eps")

    def __init__(self, rho: float = 0.95, eps: float = 1e-6, lr: float = 1.0) -> None:
        super().__init__(lr=lr, rho=rho, eps=eps)

    def update_one(self, param: Variable) -> None:
        group = self.group_of(param)
        lr, rho, eps = float(group["lr"]), float(group["rho"]), float(group["eps"])
        p, g = param.data, param.grad.data
        xp = get_array_module(p)
        state = self._state_of(param, "square_avg", "acc_delta")
        state["step"] += 1
        v, u = state["square_avg"], state["acc_delta"]
        delta, work = self._scratch(p, 0), self._scratch(p, 1)
        v *= rho
        xp.multiply(g, g, out=work)
        work *= 1 - rho
        v += work
        xp.add(u, eps, out=delta)
        xp.sqrt(delta, out=delta)
        xp.add(v, eps, out=work)
        xp.sqrt(work, out=work)
        delta /= work
        delta *= g
        u *= rho
        xp.multiply(delta, delta, out=work)
        work *= 1 - rho
        u += work
        delta *= lr
        p -= delta


class RMSprop(Optimizer):
    """RMSprop: v <- alpha * v + (1 - alpha) * g^2;  p <- p - lr * g / (sqrt(v) + eps)
    (eps outside the root, as in PyTorch; the book has no RMSprop).

    >>> from zerograd.core import Parameter, Variable
    >>> p = Parameter(np.array([1.0])); p.grad = Variable(np.array([2.0]))
    >>> RMSprop(lr=0.01, alpha=0.75).setup([p]).update(); p.data  # 1 - 0.01 * 2 / 1
    array([0.98])
    """

    rules = {**Optimizer.rules, "alpha": CLOSED_FRACTION, "eps": NON_NEGATIVE}
    alpha = Hyperparameter("alpha")
    eps = Hyperparameter("eps")

    def __init__(self, lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8) -> None:
        super().__init__(lr=lr, alpha=alpha, eps=eps)

    def update_one(self, param: Variable) -> None:
        group = self.group_of(param)
        lr, alpha, eps = float(group["lr"]), float(group["alpha"]), float(group["eps"])
        p, g = param.data, param.grad.data
        xp = get_array_module(p)
        state = self._state_of(param, "square_avg")
        state["step"] += 1
        v, step = state["square_avg"], self._scratch(p)
        v *= alpha
        xp.multiply(g, g, out=step)
        step *= 1 - alpha
        v += step
        xp.sqrt(v, out=step)
        step += eps
        xp.divide(g, step, out=step)
        step *= lr
        p -= step


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015) in PyTorch's form; ``alpha`` (or ``lr=``) sets the groups' lr:

        m <- beta1 * m + (1 - beta1) * g
        v <- beta2 * v + (1 - beta2) * g^2
        p <- p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

    t counts the parameter's own updates. The book divides by sqrt(v) + eps and folds both
    corrections into its ``Adam.lr`` = alpha * sqrt(1 - beta2^t) / (1 - beta1^t), which is the
    same rule with eps scaled by sqrt(1 - beta2^t); zerograd follows PyTorch, keeps ``lr`` as the
    group's learning rate and offers the book's value as ``step_size``.

    >>> from zerograd.core import Parameter, Variable
    >>> p = Parameter(np.array([1.0])); p.grad = Variable(np.array([5.0]))
    >>> opt = Adam(alpha=0.1).setup([p]); opt.update(); p.data  # the first step moves by lr
    array([0.9])
    """

    rules = {**Optimizer.rules, "beta1": FRACTION, "beta2": FRACTION, "eps": NON_NEGATIVE}
    aliases = {"alpha": "lr"}
    alpha = Hyperparameter("lr")
    beta1 = Hyperparameter("beta1")
    beta2 = Hyperparameter("beta2")
    eps = Hyperparameter("eps")

    def __init__(self, alpha: float = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, *, lr: float | None = None) -> None:
        super().__init__(lr=alpha if lr is None else lr, beta1=beta1, beta2=beta2, eps=eps)

    @property
    def step_size(self) -> float:
        """The book's bias-corrected learning rate lr * sqrt(1 - beta2^t) / (1 - beta1^t) at the
        latest update t (at t = 1 before any update); read-only."""
        t = max(self.t, 1)
        return self.lr * math.sqrt(1 - self.beta2 ** t) / (1 - self.beta1 ** t)

    def update_one(self, param: Variable) -> None:
        group = self.group_of(param)
        lr, beta1, beta2 = float(group["lr"]), float(group["beta1"]), float(group["beta2"])
        eps = float(group["eps"])
        p, g = param.data, param.grad.data
        xp = get_array_module(p)
        state = self._state_of(param, "m", "v")
        state["step"] = t = state["step"] + 1
        m, v, step = state["m"], state["v"], self._scratch(p)
        m *= beta1  # m <- beta1 m + (1 - beta1) g
        xp.multiply(g, 1 - beta1, out=step)
        m += step
        v *= beta2  # v <- beta2 v + (1 - beta2) g^2
        xp.multiply(g, g, out=step)
        step *= 1 - beta2
        v += step
        # m / (sqrt(v) / c + eps) = c m / (sqrt(v) + c eps) with c = sqrt(1 - beta2^t): the
        # correction rides on the scalars, one pass fewer over the parameter.
        c = math.sqrt(1 - beta2 ** t)
        xp.sqrt(v, out=step)
        step += c * eps
        xp.divide(m, step, out=step)
        step *= lr * c / (1 - beta1 ** t)
        p -= step


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter 2019), as torch.optim.AdamW:
    p <- p * (1 - lr * weight_decay), then Adam's step.

    >>> from zerograd.core import Parameter, Variable
    >>> p = Parameter(np.array([2.0])); p.grad = Variable(np.array([1.0]))
    >>> AdamW(alpha=0.1, weight_decay=0.5).setup([p]).update(); p.data  # 2 * 0.95 - 0.1
    array([1.8])
    """

    rules = {**Adam.rules, "weight_decay": NON_NEGATIVE}
    weight_decay = Hyperparameter("weight_decay")

    def __init__(self, alpha: float = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, weight_decay: float = 0.01, *, lr: float | None = None
                 ) -> None:
        Optimizer.__init__(self, lr=alpha if lr is None else lr, beta1=beta1, beta2=beta2,
                           eps=eps, weight_decay=weight_decay)

    def update_one(self, param: Variable) -> None:
        group = self.group_of(param)
        param.data *= 1 - float(group["lr"]) * float(group["weight_decay"])
        super().update_one(param)


# --- hooks ---------------------------------------------------------------------------------------
# Hooks replace a gradient rather than change it in place: backward may hand the same gradient
# array to two parameters (y = a + b), and an in-place change would then apply twice.
class WeightDecay:
    """Hook: L2 regularisation, g <- g + rate * p (PyTorch's ``weight_decay`` of SGD and Adam).

    >>> from zerograd.core import Parameter, Variable
    >>> p = Parameter(np.array([1.0])); p.grad = Variable(np.array([0.0]))
    >>> opt = SGD(lr=1.0).setup([p]); opt.add_hook(WeightDecay(0.1)); opt.update(); p.data
    array([0.9])
    """

    def __init__(self, rate: float) -> None:
        if not NON_NEGATIVE[1](rate):
            raise ValueError(f"WeightDecay: rate must be a number >= 0, got {rate!r}")
        self.rate = float(rate)

    def __call__(self, params: list[Variable]) -> None:
        for param in params:
            param.grad = Variable(param.grad.data + self.rate * param.data, requires_grad=False)


class ClipGrad:
    """Hook: rescale all gradients together so that their global L2 norm is at most
    ``max_norm``: g <- g * max_norm / (norm + 1e-6) when that factor is below 1
    (torch.nn.utils.clip_grad_norm_).

    >>> from zerograd.core import Parameter, Variable
    >>> p = Parameter(np.array([0.0, 0.0])); p.grad = Variable(np.array([3.0, 4.0]))
    >>> opt = SGD(lr=1.0).setup([p]); opt.add_hook(ClipGrad(1.0)); opt.update()
    >>> np.round(p.data, 6)
    array([-0.6, -0.8])
    """

    def __init__(self, max_norm: float) -> None:
        if not NON_NEGATIVE[1](max_norm):
            raise ValueError(f"ClipGrad: max_norm must be a number >= 0, got {max_norm!r}")
        self.max_norm = float(max_norm)

    def __call__(self, params: list[Variable]) -> None:
        total = 0.0
        for param in params:
            g = param.grad.data.ravel()
            total += float(get_array_module(g).vdot(g, g))
        rate = self.max_norm / (math.sqrt(total) + 1e-6)
        if rate < 1:
            for param in params:
                param.grad = Variable(param.grad.data * rate, requires_grad=False)


class FreezeParam:
    """Hook: leave the parameters of the given Layers (or the given Parameters) unchanged; they
    are dropped from the update, their gradients are kept. Hooks added after this one do not
    see them.

    >>> from zerograd.core import Parameter, Variable
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
