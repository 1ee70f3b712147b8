"""The machinery every optimizer shares: parameter groups over ``defaults``, per-parameter state,
hooks, the (threaded) ``update()`` and ``state_dict()``. An optimizer adds only its formula, as
``rule(p, g, state, h)``; ``update_one(param)`` hands it the parameter's data ``p`` (updated in
place), its gradient ``g``, its ``state`` (``state['step']`` already counts this update, each
array named in ``slots`` starts at zero) and its group's hyperparameters ``h`` as Python floats.

>>> import numpy as np
>>> from zerograd.core import Parameter, Variable
>>> class HalfStep(Optimizer):
...     def rule(self, p, g, state, h):
...         p -= h["lr"] / 2 * g
>>> w = Parameter(np.array([1.0]))
>>> w.grad = Variable(np.array([1.0]))
>>> HalfStep(lr=1.0).setup([w]).update(); w.data
array([0.5])
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from zerograd.core.checks import is_real
from zerograd.core.config import Config
from zerograd.core.cuda import get_array_module
from zerograd.core.variable import Variable
from zerograd.nn.optimizers import saving
from zerograd.nn.optimizers.groups import BOOKKEEPING_KEYS, as_group_list, describe, param_list
from zerograd.nn.optimizers.hyperparameters import NON_NEGATIVE, Hyperparameter, check_hyperparameter
from zerograd.nn.optimizers.threads import balanced_bins, update_threads

__all__ = ["Optimizer"]

class Optimizer:
    """Base class: holds parameter groups, per-parameter state and hooks; ``update()`` runs the
    hooks on the parameters that have a gradient, then ``update_one`` on each.

    ``setup(target)`` takes a Layer (its ``params()``), an iterable of Parameters, or a list of
    parameter groups: dicts with ``'params'`` and hyperparameters that override ``defaults``.
    A parameter is skipped when its grad is None, its ``requires_grad`` is False, or a hook
    (FreezeParam) removes it. A subclass gives its formula as ``rule`` (or, as in the book,
    overrides ``update_one``), its hyperparameters' ``rules`` and its state arrays' ``slots``.
    """

    rules: dict[str, Any] = {"lr": NON_NEGATIVE}
    aliases: dict[str, str] = {}  # group keys accepted under another name, e.g. Adam's 'alpha'
    slots: tuple[str, ...] = ()  # the state arrays of each parameter, zero at its first update
    optional_state: tuple[str, ...] = ()  # state entries an option adds (amsgrad's maximum...)
    options: dict[str, Any] = {}  # optional hyperparameters beyond the book's, with their defaults
    decoupled_weight_decay = False  # True: weight_decay shrinks p (AdamW), False: adds to g (L2)
    lr = Hyperparameter("lr")

    def __init__(self, **defaults: Any) -> None:
        self.defaults = {key: self._checked(key, value) for key, value in defaults.items()}
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[Variable, dict[str, Any]] = {}
        self.hooks: list[Callable[[list[Variable]], Any]] = []
        self.target: Any = None
        self.t = 0  # number of update() calls
        self._group_of: dict[Variable, dict[str, Any]] = {}
        self._buffers: dict[tuple, Any] = {}
        self._pool: ThreadPoolExecutor | None = None  # update()'s threads, made on first need
        self._pool_size = 0

    def _options(self, given: dict[str, Any]) -> dict[str, Any]:
        """The optional hyperparameters given to the constructor, checked by name: they enter
        the groups only when given, so the book's optimizers keep the book's groups."""
        unknown = [key for key in given if key not in self.options]
        if unknown:
            known = ", ".join(self.options) or "none"
            raise TypeError(f"{type(self).__name__}: unknown option {unknown[0]!r} (known: {known})")
        return given

    # --- setting up ------------------------------------------------------------------------------
    def setup(self, target: Any) -> Optimizer:
        """Take the parameters to optimise (forgetting any earlier ones and their state);
        returns self."""
        groups = as_group_list(target, type(self).__name__)
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
        params = param_list(group["params"], f"{name}: {where}")
        hyper = dict(self.defaults)
        for key, value in group.items():
            if key == "params":
                continue
            key = self.aliases.get(key, key)
            self.check_group_key(key, where)
            hyper[key] = self._checked(key, value, where)
        self._check_new_params(params, where)
        new_group = {"params": params, **hyper}
        self.param_groups.append(new_group)
        for param in params:
            self._group_of[param] = new_group

    def check_group_key(self, key: str, where: str) -> None:
        """A group may hold this optimizer's hyperparameters and the bookkeeping keys only."""
        if key not in self.defaults and key not in BOOKKEEPING_KEYS:
            known = ", ".join(self.defaults) or "none"
            raise ValueError(f"{type(self).__name__}: unknown hyperparameter {key!r} in {where} "
                             f"(known: {known})")

    def _check_new_params(self, params: list[Variable], where: str) -> None:
        name = type(self).__name__
        seen: set[int] = set()
        for param in params:
            if id(param) in seen:
                raise ValueError(f"{name}: {describe(param)} appears twice in {where}")
            seen.add(id(param))
            if param in self._group_of:
                i = next(i for i, g in enumerate(self.param_groups) if g is self._group_of[param])
                raise ValueError(f"{name}: {describe(param)} is in parameter group {i} and "
                                 f"again in {where}; a parameter belongs to one group only")

    def add_hook(self, hook: Callable[[list[Variable]], Any]) -> None:
        """Register ``hook(params)``, called by ``update()`` before any parameter changes."""
        self.hooks.append(hook)

    # --- updating --------------------------------------------------------------------------------
    def update(self) -> None:
        """Run the hooks, then update each parameter that has a gradient (on several threads
        when large NumPy parameters make it pay: see ``set_update_threads``)."""
        if not self.param_groups:
            raise RuntimeError(f"{type(self).__name__}.update: call setup(target) first")
        params = [p for group in self.param_groups for p in group["params"]
                  if p.grad is not None and p.requires_grad]
        for hook in self.hooks:
            hook(params)  # a hook may drop parameters from the list (FreezeParam)
        self.t += 1
        params = [p for p in params if p.grad is not None]
        bins = balanced_bins(params, update_threads())
        if len(bins) < 2:
            self._update_all(params)
            return
        if self._pool_size < len(bins):
            self._pool = ThreadPoolExecutor(max_workers=len(bins),
                                            thread_name_prefix="zerograd-optimizer")
            self._pool_size = len(bins)
        # Config is per thread: the pool's threads take the caller's kernels setting
        kernels_on = Config.kernels
        for done in [self._pool.submit(self._update_all, chunk, kernels_on) for chunk in bins]:
            done.result()

    def _update_all(self, params: list[Variable], kernels_on: bool | None = None) -> None:
        if kernels_on is not None:
            Config.kernels = kernels_on
        for param in params:
            self.update_one(param)

    def update_one(self, param: Variable) -> None:
        """Update one parameter in place from its gradient with its group's hyperparameters."""
        p, g = param.data, param.grad.data
        if g.shape != p.shape:
            raise ValueError(f"{type(self).__name__}.update: the gradient of {describe(param)} "
                             f"has shape {tuple(g.shape)}; it must have the parameter's shape")
        group = self.group_of(param)
        hyper = {k: float(v) if is_real(v) else v for k, v in group.items() if k != "params"}
        state = self._state_of(param)
        state["step"] += 1
        self.rule(p, g, state, hyper)

    def rule(self, p: Any, g: Any, state: dict[str, Any], h: dict[str, Any]) -> None:
        """The optimizer's formula: update ``p`` in place from ``g``; each optimizer defines it."""
        raise NotImplementedError(f"{type(self).__name__} defines neither rule nor update_one")

    def gradient(self, p: Any, g: Any, h: dict[str, Any]) -> Any:
        """The gradient the formula sees, as PyTorch's optimizers make it: negated under
        ``maximize``, then ``weight_decay`` either adds weight_decay * p to it (L2) or, decoupled
        (AdamW, or a group's ``decoupled_weight_decay``), shrinks p by lr * weight_decay first."""
        if h.get("maximize"):
            g = -g
        decay = h.get("weight_decay", 0.0)
        if decay:
            if h.get("decoupled_weight_decay", self.decoupled_weight_decay):
                p *= 1 - h["lr"] * decay
            else:
                g = g + decay * p
        return g

    def state_shape(self, key: str, data: Any) -> Any:
        """The shape of state array ``key`` of a parameter holding ``data`` (the parameter's,
        except where an optimizer keeps factors, as Adafactor does)."""
        return None if data is None else data.shape

    @staticmethod
    def lazy_slot(state: dict[str, Any], name: str, like: Any, fill: float = 0.0) -> Any:
        """A state array that only some options need (created filled with ``fill`` on first use)."""
        array = state.get(name)
        if array is None:
            array = state[name] = get_array_module(like).full_like(like, fill)
        return array

    def group_of(self, param: Variable) -> dict[str, Any]:
        """The parameter group (and so the hyperparameters) that ``param`` belongs to."""
        try:
            return self._group_of[param]
        except KeyError:
            self._group_of = {p: g for g in self.param_groups for p in g["params"]}
            if param in self._group_of:
                return self._group_of[param]
            raise ValueError(f"{type(self).__name__}: {describe(param)} is in no parameter "
                             f"group of this optimizer; pass it to setup()") from None

    def _state_of(self, param: Variable) -> dict[str, Any]:
        """The state of ``param``, created on first use: a step count and a zero array per slot."""
        state = self.state.get(param)
        if state is None:
            xp = get_array_module(param.data)
            state = {"step": 0, **{slot: xp.zeros_like(param.data) for slot in self.slots}}
            self.state[param] = state
        return state

    def _scratch(self, like: Any) -> Any:
        """A reusable work array shaped like ``like`` (one per dtype, array module and thread), in
        ``like``'s memory order: out= arithmetic between a column-major parameter (a transposed
        weight, as zerograd.torch's Linear keeps) and a row-major buffer is several times slower
        (benchmarks/RESULTS.md, "Measured design choices")."""
        if like.ndim > 1 and like.flags.f_contiguous and not like.flags.c_contiguous:
            return self._scratch(like.T).T
        key = (like.dtype.str, type(like), threading.get_ident())
        buffer = self._buffers.get(key)
        if buffer is None or buffer.size < like.size:
            buffer = get_array_module(like).empty(like.size, dtype=like.dtype)
            self._buffers[key] = buffer
        return buffer[:like.size].reshape(like.shape)

    def __getstate__(self) -> dict[str, Any]:
        """Copies and pickles leave the thread pool out (it is a cache, remade on first need)."""
        state = dict(self.__dict__)
        state["_pool"], state["_pool_size"] = None, 0
        return state

    # --- hyperparameters -------------------------------------------------------------------------
    def _default_group(self) -> dict[str, Any]:
        return self.param_groups[0] if self.param_groups else self.defaults

    def _checked(self, key: str, value: Any, where: str = "") -> Any:
        """``value`` checked against the rule of hyperparameter ``key`` (unruled keys pass)."""
        name = type(self).__name__
        rule_key = self.aliases.get(key, key)
        if rule_key not in self.rules:
            return value
        return check_hyperparameter(f"{name} ({where})" if where else name, key, value,
                                    self.rules[rule_key], optimizer=name)

    # --- saving and loading ----------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state as plain data: ``{'type', 't', 'state', 'param_groups'}``.

        Parameters are named by their position across the groups (0, 1, ...), as in PyTorch;
        ``state`` maps those numbers to copies of each parameter's slots and step count, and
        each group lists its hyperparameters and the numbers of its parameters.
        """
        return saving.state_dict(self)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyperparameters, step counts and slots saved by ``state_dict()`` of an
        optimizer of the same type set up with parameters of the same shapes. Everything is
        checked before anything changes: a group without a hyperparameter, a state without a
        slot or with a slot of the wrong shape is refused and leaves the optimizer as it was."""
        groups, state, t = saving.checked_state(self, state_dict)
        self.t = t
        for group, saved in zip(self.param_groups, groups):
            params = group["params"]
            group.clear()
            group["params"] = params
            group.update(saved)
        self.state = state
        self._group_of = {p: g for g in self.param_groups for p in g["params"]}

    def __repr__(self) -> str:
        hyper = ", ".join(f"{k}={v!r}" for k, v in self._default_group().items()
                          if k not in BOOKKEEPING_KEYS)
        return f"{type(self).__name__}({hyper}, groups={len(self.param_groups)})"
