"""Optimizers and hooks: the book's API, parameter groups, torch.optim equivalence over 50 steps of
a real model, state_dict round trips and bad input."""

from __future__ import annotations

import os

import numpy as np
import pytest

from zerograd.core import Parameter, Variable
from zerograd.core import functions as F
from zerograd.core.testing import assert_allclose, torch_or_skip
from zerograd.nn.optimizers import (
    SGD,
    AdaDelta,
    AdaGrad,
    Adam,
    AdamW,
    ClipGrad,
    FreezeParam,
    MomentumSGD,
    Optimizer,
    RMSprop,
    WeightDecay,
    set_update_threads,
    update_threads,
)
from zerograd.nn.optimizers.threads import PARALLEL_MIN_SIZE

STEPS = 50


# --- a small real model: a 2-layer tanh MLP regression whose gradients change every step ---------
def mlp_arrays(seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((4, 8)) * 0.5, rng.standard_normal(8) * 0.1,
            rng.standard_normal((8, 3)) * 0.5, rng.standard_normal(3) * 0.1]


def regression_data(seed=1):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((16, 4))
    return x, np.sin(x[:, :3] * 2) + x[:, 1:] ** 2


def zerograd_loss(params, x, t):
    w1, b1, w2, b2 = params
    y = F.matmul(F.tanh(F.matmul(x, w1) + b1), w2) + b2
    return F.sum((y - t) ** 2) / len(x)


def torch_loss(torch, params, x, t):
    w1, b1, w2, b2 = params
    y = torch.tanh(torch.as_tensor(x) @ w1 + b1) @ w2 + b2
    return ((y - torch.as_tensor(t)) ** 2).sum() / len(x)


def train_zerograd(optimizer, params, steps=STEPS, hooks=()):
    x, t = regression_data()
    for hook in hooks:
        optimizer.add_hook(hook)
    for _ in range(steps):
        for p in params:
            p.cleargrad()
        zerograd_loss(params, x, t).backward()
        optimizer.update()
    return [p.data for p in params]


def train_torch(torch, make_optimizer, params, steps=STEPS, clip=None):
    x, t = regression_data()
    optimizer = make_optimizer(params)
    for _ in range(steps):
        optimizer.zero_grad()
        torch_loss(torch, params, x, t).backward()
        if clip is not None:
            torch.nn.utils.clip_grad_norm_(params, clip)
        optimizer.step()
    return [p.detach().numpy() for p in params]


def zerograd_params():
    return [Parameter(a.copy()) for a in mlp_arrays()]


def torch_params(torch):
    return [torch.tensor(a, requires_grad=True) for a in mlp_arrays()]


EXACT, ADAPTIVE = 1e-6, 1e-4
CASES = {
    "SGD": (lambda: SGD(lr=0.1), lambda o: lambda p: o.SGD(p, lr=0.1), EXACT),
    "MomentumSGD": (lambda: MomentumSGD(lr=0.05, momentum=0.9),
                    lambda o: lambda p: o.SGD(p, lr=0.05, momentum=0.9), EXACT),
    "Nesterov": (lambda: MomentumSGD(lr=0.05, momentum=0.8, nesterov=True),
                 lambda o: lambda p: o.SGD(p, lr=0.05, momentum=0.8, nesterov=True), EXACT),
    "AdaGrad": (lambda: AdaGrad(lr=0.05, eps=1e-8),
                lambda o: lambda p: o.Adagrad(p, lr=0.05, eps=1e-8), ADAPTIVE),
    "AdaDelta": (lambda: AdaDelta(rho=0.95, eps=1e-6),
                 lambda o: lambda p: o.Adadelta(p, lr=1.0, rho=0.95, eps=1e-6), ADAPTIVE),
    "AdaDelta-lr": (lambda: AdaDelta(rho=0.9, eps=1e-6, lr=0.5),
                    lambda o: lambda p: o.Adadelta(p, lr=0.5, rho=0.9, eps=1e-6), ADAPTIVE),
    "RMSprop": (lambda: RMSprop(lr=0.01, alpha=0.99, eps=1e-8),
                lambda o: lambda p: o.RMSprop(p, lr=0.01, alpha=0.99, eps=1e-8), ADAPTIVE),
    "Adam": (lambda: Adam(alpha=0.01), lambda o: lambda p: o.Adam(p, lr=0.01), ADAPTIVE),
    "Adam-betas": (lambda: Adam(alpha=0.02, beta1=0.8, beta2=0.99, eps=1e-6),
                   lambda o: lambda p: o.Adam(p, lr=0.02, betas=(0.8, 0.99), eps=1e-6), ADAPTIVE),
    "AdamW": (lambda: AdamW(alpha=0.01, weight_decay=0.1),
              lambda o: lambda p: o.AdamW(p, lr=0.01, weight_decay=0.1), ADAPTIVE),
}


@pytest.mark.parametrize("case", list(CASES))
def test_matches_torch_optim_over_50_steps(case):
    torch = torch_or_skip()
    make_ours, make_torch, rtol = CASES[case]
    params = zerograd_params()
    ours = train_zerograd(make_ours().setup(params), params)
    theirs = train_torch(torch, make_torch(torch.optim), torch_params(torch))
    for i, (a, b) in enumerate(zip(ours, theirs)):
        assert_allclose(a, b, rtol=rtol, atol=1e-9, what=f"{case}: parameter {i}")
    start = mlp_arrays()
    assert not np.allclose(ours[0], start[0])  # it trained


def test_weight_decay_hook_matches_torch_sgd_weight_decay():
    torch = torch_or_skip()
    params = zerograd_params()
    ours = train_zerograd(SGD(lr=0.1).setup(params), params, hooks=[WeightDecay(0.01)])
    theirs = train_torch(torch, lambda p: torch.optim.SGD(p, lr=0.1, weight_decay=0.01),
                         torch_params(torch))
    for a, b in zip(ours, theirs):
        assert_allclose(a, b, rtol=EXACT, atol=1e-9)


def test_clip_grad_hook_matches_torch_clip_grad_norm():
    torch = torch_or_skip()
    params = zerograd_params()
    ours = train_zerograd(Adam(alpha=0.01).setup(params), params, hooks=[ClipGrad(0.5)])
    theirs = train_torch(torch, lambda p: torch.optim.Adam(p, lr=0.01), torch_params(torch),
                         clip=0.5)
    for a, b in zip(ours, theirs):
        assert_allclose(a, b, rtol=ADAPTIVE, atol=1e-9)


def test_parameter_groups_match_torch_groups():
    torch = torch_or_skip()
    params = zerograd_params()
    optimizer = MomentumSGD(lr=0.05, momentum=0.9).setup([
        {"params": params[:2], "lr": 0.1},
        {"params": params[2:], "momentum": 0.5},
    ])
    ours = train_zerograd(optimizer, params)
    t_params = torch_params(torch)
    theirs = train_torch(torch, lambda p: torch.optim.SGD(
        [{"params": p[:2], "lr": 0.1}, {"params": p[2:], "momentum": 0.5}],
        lr=0.05, momentum=0.9), t_params)
    for a, b in zip(ours, theirs):
        assert_allclose(a, b, rtol=EXACT, atol=1e-9)


# --- the book's API ------------------------------------------------------------------------------
def quadratic_step(params, optimizer):
    """One step on sum(p^2): gradient 2p."""
    for p in params:
        p.cleargrad()
    total = sum(F.sum(p * p) for p in params)
    total.backward()
    optimizer.update()


def test_setup_returns_the_optimizer_and_accepts_iterables_and_single_parameters():
    p = Parameter(np.ones(3))
    optimizer = SGD()
    assert optimizer.setup([p]) is optimizer
    assert SGD().setup(p).param_groups[0]["params"] == [p]
    assert SGD().setup(iter([p])).param_groups[0]["params"] == [p]
    assert optimizer.target == [p]


def test_setup_accepts_an_object_with_params_as_a_layer():
    class Holder:
        def __init__(self):
            self.w, self.b = Parameter(np.ones((2, 2))), Parameter(np.zeros(2))

        def params(self):
            yield self.w
            yield self.b

    holder = Holder()
    optimizer = Adam().setup(holder)
    assert optimizer.target is holder
    assert optimizer.param_groups[0]["params"] == [holder.w, holder.b]
    grouped = Adam().setup([{"params": holder, "lr": 0.5}])
    assert grouped.param_groups[0]["lr"] == 0.5


def test_update_changes_each_parameter_in_place():
    p = Parameter(np.array([1.0, -2.0]))
    data = p.data
    optimizer = SGD(lr=0.25).setup([p])
    quadratic_step([p], optimizer)
    assert p.data is data
    np.testing.assert_array_equal(p.data, [0.5, -1.0])


def test_update_skips_parameters_without_grad_or_requires_grad_false():
    a, b, c = (Parameter(np.array([1.0])) for _ in range(3))
    c.requires_grad_(False)
    optimizer = SGD(lr=0.5).setup([a, b, c])
    a.grad = Variable(np.array([1.0]))
    c.grad = Variable(np.array([1.0]))
    optimizer.update()
    assert a.data[0] == 0.5 and b.data[0] == 1.0 and c.data[0] == 1.0
    assert b not in optimizer.state


def test_update_one_updates_one_parameter_with_its_groups_hyperparameters():
    a, b = Parameter(np.array([1.0])), Parameter(np.array([1.0]))
    optimizer = SGD(lr=0.1).setup([{"params": [a]}, {"params": [b], "lr": 0.5}])
    b.grad = Variable(np.array([1.0]))
    optimizer.update_one(b)
    assert b.data[0] == 0.5 and a.data[0] == 1.0


def test_update_one_of_an_unknown_parameter_is_a_clear_error():
    optimizer = SGD().setup([Parameter(np.ones(1))])
    stranger = Parameter(np.ones(1))
    stranger.grad = Variable(np.ones(1))
    with pytest.raises(ValueError, match="in no parameter group"):
        optimizer.update_one(stranger)


def test_hooks_run_before_the_update_and_see_the_parameters_with_grads():
    a, b = Parameter(np.array([1.0])), Parameter(np.array([2.0]))
    seen = []
    optimizer = SGD(lr=0.5).setup([a, b])
    optimizer.add_hook(lambda params: seen.append([(p, p.data.copy()) for p in params]))
    a.grad = Variable(np.array([1.0]))
    optimizer.update()
    assert len(seen) == 1 and len(seen[0]) == 1
    param, data_before = seen[0][0]
    assert param is a and data_before[0] == 1.0 and a.data[0] == 0.5


def test_freeze_param_skips_frozen_parameters_and_keeps_their_grads():
    a, b = Parameter(np.array([1.0])), Parameter(np.array([1.0]))
    optimizer = SGD(lr=0.5).setup([a, b])
    optimizer.add_hook(FreezeParam(a))
    quadratic_step([a, b], optimizer)
    assert a.data[0] == 1.0 and b.data[0] == 0.0
    assert a.grad is not None


def test_freeze_param_accepts_layers_and_tolerates_parameters_without_grad():
    class Holder:
        def __init__(self):
            self.w = Parameter(np.array([1.0]))

        def params(self):
            yield self.w

    frozen, free, idle = Holder(), Parameter(np.array([1.0])), Parameter(np.array([1.0]))
    optimizer = Adam(alpha=0.1).setup([frozen.w, free, idle])
    optimizer.add_hook(FreezeParam(frozen, idle))
    optimizer.add_hook(ClipGrad(1.0))
    frozen.w.grad = Variable(np.array([1.0]))
    free.grad = Variable(np.array([1.0]))
    optimizer.update()  # idle has no grad, frozen.w is frozen: neither may crash the update
    assert frozen.w.data[0] == 1.0 and idle.data[0] == 1.0 and free.data[0] < 1.0


def test_hooks_do_not_apply_twice_to_a_gradient_shared_by_two_parameters():
    a, b = Parameter(np.array([1.0])), Parameter(np.array([2.0]))
    F.sum(a + b).backward()  # backward may hand both the same gradient object
    optimizer = SGD(lr=1.0).setup([a, b])
    optimizer.add_hook(WeightDecay(0.5))
    optimizer.update()
    np.testing.assert_allclose([a.data[0], b.data[0]], [1 - (1 + 0.5), 2 - (1 + 1.0)])


def test_clip_grad_leaves_small_gradients_alone_and_scales_large_ones_by_the_global_norm():
    a, b = Parameter(np.zeros(1)), Parameter(np.zeros(1))
    a.grad, b.grad = Variable(np.array([0.3])), Variable(np.array([0.4]))
    ClipGrad(1.0)([a, b])
    assert a.grad.data[0] == 0.3
    a.grad, b.grad = Variable(np.array([3.0])), Variable(np.array([4.0]))
    ClipGrad(1.0)([a, b])
    np.testing.assert_allclose([a.grad.data[0], b.grad.data[0]], [0.6, 0.8], rtol=1e-6)


def test_a_book_style_optimizer_subclass_works():
    class BookSGD(Optimizer):
        def __init__(self, lr=0.01):
            super().__init__()
            self.lr = lr

        def update_one(self, param):
            param.data -= self.lr * param.grad.data

    p = Parameter(np.array([1.0]))
    optimizer = BookSGD(lr=0.25).setup([p])
    assert optimizer.param_groups[0]["lr"] == 0.25
    quadratic_step([p], optimizer)
    assert p.data[0] == 0.5


def test_setup_with_a_lazy_layer_model_trains_after_the_first_call():
    from zerograd.nn.models import MLP

    model = MLP((8, 2))
    optimizer = MomentumSGD(lr=0.1).setup(model)  # the book's order: W not sized yet
    x = np.ones((4, 3), dtype=np.float32)
    for _ in range(2):
        model.cleargrads()
        F.sum(model(x) ** 2).backward()
        optimizer.update()
    assert optimizer.param_groups[0]["params"] == list(model.params())
    assert optimizer.state[model.l0.W]["momentum_buffer"].shape == (3, 8)


def test_groups_and_freezing_by_layer():
    from zerograd.nn.models import MLP

    model = MLP((8, 2))
    x = np.ones((4, 3), dtype=np.float32)
    model(x)
    optimizer = SGD(lr=0.1).setup([{"params": model.l0.params(), "lr": 0.01},
                                   {"params": model.l1.params()}])
    assert optimizer.param_groups[0]["lr"] == 0.01 and optimizer.param_groups[1]["lr"] == 0.1
    optimizer.add_hook(FreezeParam(model.l1))
    frozen = model.l1.W.data.copy()
    free = model.l0.W.data.copy()
    model.cleargrads()
    F.sum(model(x) ** 2).backward()
    optimizer.update()
    np.testing.assert_array_equal(model.l1.W.data, frozen)
    assert not np.array_equal(model.l0.W.data, free)


# --- hyperparameters -----------------------------------------------------------------------------
def test_lr_reads_and_writes_the_default_group_and_groups_are_writable():
    a, b = Parameter(np.array([1.0])), Parameter(np.array([1.0]))
    optimizer = MomentumSGD(lr=0.1).setup([{"params": [a]}, {"params": [b], "lr": 0.2}])
    assert optimizer.lr == 0.1 and optimizer.momentum == 0.9
    optimizer.lr = 0.3
    optimizer.param_groups[1]["momentum"] = 0.0
    assert optimizer.param_groups[0]["lr"] == 0.3 and optimizer.param_groups[1]["lr"] == 0.2
    a.grad, b.grad = Variable(np.array([1.0])), Variable(np.array([1.0]))
    optimizer.update()
    optimizer.update()
    np.testing.assert_allclose([a.data[0], b.data[0]], [1 - 0.3 - 0.3 * 1.9, 1 - 0.2 - 0.2])


def test_lr_before_setup_reads_and_writes_the_defaults():
    optimizer = SGD(lr=0.1)
    optimizer.lr = 0.5
    assert optimizer.lr == 0.5
    assert optimizer.setup([Parameter(np.ones(1))]).param_groups[0]["lr"] == 0.5


def test_adam_alpha_sets_the_group_lr_and_step_size_is_the_books_lr():
    p = Parameter(np.ones(2))
    optimizer = Adam(alpha=0.01, beta1=0.8, beta2=0.9).setup([p])
    assert optimizer.lr == optimizer.alpha == optimizer.param_groups[0]["lr"] == 0.01
    assert Adam(lr=0.02).alpha == 0.02
    for _ in range(3):
        quadratic_step([p], optimizer)
    assert optimizer.step_size == pytest.approx(0.01 * np.sqrt(1 - 0.9 ** 3) / (1 - 0.8 ** 3))
    with pytest.raises(AttributeError):
        optimizer.step_size = 1.0
    optimizer.alpha = 0.5
    assert optimizer.param_groups[0]["lr"] == 0.5
    grouped = Adam().setup([{"params": [Parameter(np.ones(1))], "alpha": 0.3}])
    assert grouped.param_groups[0]["lr"] == 0.3 and "alpha" not in grouped.param_groups[0]


def test_adadelta_has_an_lr_multiplier_of_one():
    optimizer = AdaDelta()
    assert optimizer.lr == 1.0 and optimizer.rho == 0.95 and optimizer.eps == 1e-6


def test_defaults_follow_the_book():
    assert SGD().lr == 0.01
    assert (MomentumSGD().lr, MomentumSGD().momentum, MomentumSGD().nesterov) == (0.01, 0.9, False)
    assert (AdaGrad().lr, AdaGrad().eps) == (0.001, 1e-8)
    assert (RMSprop().lr, RMSprop().alpha, RMSprop().eps) == (0.01, 0.99, 1e-8)
    adam = Adam()
    assert (adam.alpha, adam.beta1, adam.beta2, adam.eps) == (0.001, 0.9, 0.999, 1e-8)
    assert AdamW().weight_decay == 0.01


@pytest.mark.parametrize("make", [SGD, MomentumSGD, AdaGrad, AdaDelta, RMSprop, Adam, AdamW])
def test_float32_parameters_and_state_stay_float32(make):
    p = Parameter(np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3))
    optimizer = make().setup([p])
    for _ in range(2):
        quadratic_step([p], optimizer)
    assert p.data.dtype == np.float32
    for value in optimizer.state.get(p, {}).values():
        if isinstance(value, np.ndarray):
            assert value.dtype == np.float32


# --- state_dict ----------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda: SGD(lr=0.1), lambda: MomentumSGD(lr=0.05, nesterov=True), lambda: AdaGrad(lr=0.05),
    lambda: AdaDelta(), lambda: RMSprop(lr=0.01), lambda: Adam(alpha=0.01), lambda: AdamW(0.01),
])
def test_state_dict_round_trip_continues_bitwise(make):
    params = zerograd_params()
    optimizer = make().setup([{"params": params[:2]}, {"params": params[2:], "lr": 0.02}])
    train_zerograd(optimizer, params, steps=5)
    saved = optimizer.state_dict()
    copies = [Parameter(p.data.copy()) for p in params]
    resumed = make().setup([{"params": copies[:2]}, {"params": copies[2:]}])
    resumed.load_state_dict(saved)
    assert resumed.param_groups[1]["lr"] == 0.02 and resumed.t == 5
    train_zerograd(optimizer, params, steps=5)
    train_zerograd(resumed, copies, steps=5)
    for a, b in zip(params, copies):
        np.testing.assert_array_equal(a.data, b.data)


def test_state_dict_is_plain_data_keyed_by_parameter_number_and_holds_copies():
    params = zerograd_params()
    optimizer = Adam(alpha=0.01).setup(params)
    train_zerograd(optimizer, params, steps=2)
    saved = optimizer.state_dict()
    assert saved["type"] == "Adam" and saved["t"] == 2
    assert saved["param_groups"] == [{"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8,
                                      "params": [0, 1, 2, 3]}]
    assert sorted(saved["state"]) == [0, 1, 2, 3] and saved["state"][0]["step"] == 2
    m = saved["state"][0]["m"].copy()
    train_zerograd(optimizer, params, steps=1)
    np.testing.assert_array_equal(saved["state"][0]["m"], m)


def test_load_state_dict_casts_state_to_the_parameters_dtype():
    p64 = Parameter(np.ones(3))
    optimizer = Adam().setup([p64])
    quadratic_step([p64], optimizer)
    p32 = Parameter(np.ones(3, dtype=np.float32))
    resumed = Adam().setup([p32])
    resumed.load_state_dict(optimizer.state_dict())
    assert resumed.state[p32]["m"].dtype == np.float32


def test_loading_another_optimizer_types_state_dict_is_a_clear_error():
    p = Parameter(np.ones(2))
    sgd = SGD().setup([p])
    adam = Adam().setup([p])
    with pytest.raises(ValueError, match="belongs to a SGD optimizer, not to Adam"):
        adam.load_state_dict(sgd.state_dict())
    with pytest.raises(ValueError, match="belongs to a Adam optimizer, not to AdamW"):
        AdamW().setup([p]).load_state_dict(adam.state_dict())
    with pytest.raises(ValueError, match="expected an optimizer state dict"):
        adam.load_state_dict({"lr": 0.1})


def test_load_state_dict_checks_groups_and_shapes_before_changing_anything():
    params = zerograd_params()
    optimizer = Adam(alpha=0.01).setup(params)
    train_zerograd(optimizer, params, steps=1)
    saved = optimizer.state_dict()
    with pytest.raises(ValueError, match="has 1 parameter groups, this optimizer 2"):
        Adam().setup([{"params": params[:2]}, {"params": params[2:]}]).load_state_dict(saved)
    with pytest.raises(ValueError, match="parameter group 0 has 3 parameters"):
        Adam().setup(params[:3]).load_state_dict(saved)
    other = Adam(alpha=0.5).setup([Parameter(np.ones(a.shape[::-1])) for a in mlp_arrays()])
    with pytest.raises(ValueError, match="has shape"):
        other.load_state_dict(saved)
    assert other.lr == 0.5 and other.state == {}
    bad = optimizer.state_dict()
    bad["param_groups"][0]["lr"] = -1.0
    with pytest.raises(ValueError, match="lr must be a finite number >= 0"):
        optimizer.load_state_dict(bad)
    with pytest.raises(RuntimeError, match="call setup"):
        Adam().load_state_dict(saved)


# --- bad input -----------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda: SGD(lr=-0.1), lambda: MomentumSGD(lr=-1), lambda: AdaGrad(lr=-1e-3),
    lambda: AdaDelta(lr=-1.0), lambda: RMSprop(lr=-0.01), lambda: Adam(alpha=-0.001),
    lambda: AdamW(lr=-0.001),
])
def test_a_negative_learning_rate_is_a_clear_error(make):
    with pytest.raises(ValueError, match=r"(lr|alpha) must be a finite number >= 0, got -"):
        make()


def test_a_negative_learning_rate_in_a_group_or_assignment_is_a_clear_error():
    p = Parameter(np.ones(1))
    with pytest.raises(ValueError, match=r"SGD \(parameter group 0\): lr must be a finite number "
                                         r">= 0, got -1"):
        SGD().setup([{"params": [p], "lr": -1}])
    optimizer = SGD().setup([p])
    with pytest.raises(ValueError, match="lr must be a finite number >= 0"):
        optimizer.lr = -0.5
    with pytest.raises(TypeError, match="lr must be a finite number >= 0, got '0.1' \\(str\\)"):
        SGD(lr="0.1")


@pytest.mark.parametrize("make, match", [
    (lambda: MomentumSGD(momentum=-0.1), "momentum must be"),
    (lambda: MomentumSGD(nesterov=1), "nesterov must be True or False"),
    (lambda: Adam(beta1=1.0), r"beta1 must be a finite number in \[0, 1\)"),
    (lambda: Adam(beta2=-0.1), "beta2 must be"),
    (lambda: Adam(eps=-1e-8), "eps must be"),
    (lambda: AdaDelta(rho=1.5), "rho must be"),
    (lambda: RMSprop(alpha=2.0), "alpha must be"),
    (lambda: AdamW(weight_decay=-0.01), "weight_decay must be"),
    (lambda: WeightDecay(-1), "WeightDecay: rate must be"),
    (lambda: ClipGrad(float("nan")), "ClipGrad: max_norm must be"),
    (lambda: FreezeParam("layer"), "FreezeParam: expected Layers or Parameters"),
])
def test_bad_hyperparameters_are_clear_errors(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_a_parameter_in_two_groups_or_twice_in_one_is_a_clear_error():
    a, b = Parameter(np.ones(1), name="a"), Parameter(np.ones(2))
    with pytest.raises(ValueError, match="'a' .* is in parameter group 0 and again in parameter "
                                         "group 1"):
        SGD().setup([{"params": [a, b]}, {"params": [a]}])
    with pytest.raises(ValueError, match="appears twice in parameter group 0"):
        SGD().setup([a, b, a])
    optimizer = SGD().setup([a])
    with pytest.raises(ValueError, match="is in parameter group 0 and again"):
        optimizer.add_param_group({"params": [a]})
    with pytest.raises(ValueError, match="is in parameter group 0 and again"):
        optimizer.setup([{"params": [b]}, {"params": [b]}])
    assert optimizer.param_groups[0]["params"] == [a] and len(optimizer.param_groups) == 1


@pytest.mark.parametrize("target, error, match", [
    (3, TypeError, "expected a Layer, Parameters or a list of parameter groups"),
    ([], ValueError, "got no parameters"),
    ([np.ones(2)], TypeError, "expected Parameters, got a ndarray"),
    ([{"lr": 0.1}], TypeError, "must be a dict with a 'params' entry"),
    ([{"params": [Parameter(np.ones(1))], "learning_rate": 0.1}], ValueError,
     "unknown hyperparameter 'learning_rate'"),
    ([{"params": [Parameter(np.ones(1))]}, Parameter(np.ones(1))], TypeError, "mix of"),
])
def test_bad_setup_targets_are_clear_errors(target, error, match):
    with pytest.raises(error, match=match):
        SGD().setup(target)


def test_update_before_setup_is_a_clear_error():
    with pytest.raises(RuntimeError, match=r"SGD.update: call setup\(target\) first"):
        SGD().update()


# --- threads -------------------------------------------------------------------------------------
@pytest.fixture
def update_threads_setting():
    """Restores the default thread count after the test."""
    yield set_update_threads
    set_update_threads(None)


def threaded_run(cls, threads):
    """Three updates of ``cls`` over two large parameters and a small one, with ``threads``."""
    set_update_threads(threads)
    rng = np.random.default_rng(0)
    params = [Parameter(rng.standard_normal(n).astype(np.float32))
              for n in (3 * PARALLEL_MIN_SIZE, PARALLEL_MIN_SIZE, 7)]
    optimizer = cls().setup(params)
    for _ in range(3):
        for p in params:
            p.grad = Variable(rng.standard_normal(p.shape).astype(np.float32))
        optimizer.update()
    return [p.data for p in params], optimizer


@pytest.mark.parametrize("cls", [SGD, MomentumSGD, Adam, AdamW, RMSprop, AdaGrad, AdaDelta])
def test_threaded_update_is_bitwise_the_serial_one(cls, update_threads_setting):
    serial, optimizer = threaded_run(cls, 1)
    assert optimizer._pool_size == 0  # the serial path ran
    threaded, optimizer = threaded_run(cls, 2)
    assert optimizer._pool_size == 2  # the threaded path ran
    for a, b in zip(serial, threaded):
        np.testing.assert_array_equal(a, b)


def test_the_thread_count_is_a_setting_not_the_environment(update_threads_setting, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    set_update_threads(2)
    assert update_threads() == 2
    _, optimizer = threaded_run(Adam, 2)
    assert optimizer._pool_size == 2
    set_update_threads(None)
    monkeypatch.setenv("OMP_NUM_THREADS", "7")
    assert update_threads() == len(os.sched_getaffinity(0))


@pytest.mark.parametrize("count, error", [(0, ValueError), (1.5, TypeError), ("2", TypeError)])
def test_a_bad_thread_count_is_a_clear_error(count, error, update_threads_setting):
    with pytest.raises(error, match="set_update_threads: count must be a positive int"):
        set_update_threads(count)


def test_an_optimizer_that_used_threads_can_still_be_deep_copied(update_threads_setting):
    import copy

    _, optimizer = threaded_run(Adam, 2)
    clone = copy.deepcopy(optimizer)
    assert clone._pool is None and clone.state_dict()["t"] == 3


# --- gradients and state from outside are checked (issue 13, point 7) ---------------------------
ALL_OPTIMIZERS = [SGD, MomentumSGD, AdaGrad, AdaDelta, RMSprop, Adam, AdamW]


@pytest.mark.parametrize("cls", ALL_OPTIMIZERS)
def test_a_gradient_of_the_wrong_shape_is_a_clear_error_not_a_broadcast(cls):
    w = Parameter(np.ones((2, 2)), name="W")
    w.grad = Variable(np.ones(2))  # would broadcast over the rows
    optimizer = cls().setup([w])
    with pytest.raises(ValueError) as error:
        optimizer.update()
    message = str(error.value)
    assert message == (f"{cls.__name__}.update: the gradient of parameter 'W' (shape (2, 2)) has "
                       f"shape (2,); it must have the parameter's shape")
    np.testing.assert_array_equal(w.data, np.ones((2, 2)))


def trained_adam():
    params = zerograd_params()
    optimizer = Adam(alpha=0.01).setup(params)
    train_zerograd(optimizer, params, steps=2)
    return optimizer


def assert_unchanged(optimizer, before):
    after = optimizer.state_dict()
    assert after["t"] == before["t"] and after["param_groups"] == before["param_groups"]
    for number, state in before["state"].items():
        for key, value in state.items():
            np.testing.assert_array_equal(after["state"][number][key], value)


@pytest.mark.parametrize("spoil, match", [
    (lambda s: s["param_groups"][0].pop("lr"), r"parameter group 0 of the state dict lacks 'lr'"),
    (lambda s: s["param_groups"][0].pop("beta2"), "lacks 'beta2'"),
    (lambda s: s["state"][3].pop("v"), r"state of a parameter of shape \(3,\): expected "
                                       r"\['m', 'step', 'v'\], got \['m', 'step'\]"),
    (lambda s: s["state"][0].update(step=-1), "'step' must be an int >= 0, got -1"),
    (lambda s: s["state"][1].update(m=0.5), "'m' must be an array, got 0.5"),
    (lambda s: s["param_groups"][0].update(eps=float("nan")), "eps must be a finite number"),
    (lambda s: s.update(t="2"), "'t' must be an int >= 0"),
])
def test_load_state_dict_refuses_incomplete_state_and_changes_nothing(spoil, match):
    optimizer = trained_adam()
    bad = optimizer.state_dict()
    spoil(bad)
    target = trained_adam()
    before = target.state_dict()
    with pytest.raises((ValueError, TypeError), match=match):
        target.load_state_dict(bad)
    assert_unchanged(target, before)
    train_zerograd(target, [p for g in target.param_groups for p in g["params"]], steps=1)


def test_a_state_of_the_wrong_shape_names_each_shape_once():
    optimizer = trained_adam()
    other = Adam().setup([Parameter(np.ones(a.shape[::-1])) for a in mlp_arrays()])
    with pytest.raises(ValueError) as error:
        other.load_state_dict(optimizer.state_dict())
    assert str(error.value) == ("Adam.load_state_dict: state of a parameter of shape (8, 4): 'm' "
                                "has shape (4, 8)")


# --- construction checks (issue 13, point 1) -----------------------------------------------------
@pytest.mark.parametrize("make, hint", [
    (lambda model: Adam(model.params(), lr=0.01), "Adam(alpha=...).setup(model)"),
    (lambda model: Adam(model), "Adam(alpha=...).setup(model)"),
    (lambda model: SGD(list(model.params())), "SGD(lr=...).setup(model)"),
    (lambda model: MomentumSGD(model.l0.W), "MomentumSGD(lr=...).setup(model)"),
    (lambda model: AdaDelta(model.params()), "AdaDelta(rho=...).setup(model)"),
    (lambda model: AdamW([{"params": model.params()}]), "AdamW(alpha=...).setup(model)"),
])
def test_pytorch_argument_order_is_refused_at_construction_with_the_books_form(make, hint):
    from zerograd.nn.models import MLP

    model = MLP((3, 2))
    model(np.ones((1, 2)))
    with pytest.raises(TypeError, match="is a hyperparameter, not the parameters to optimise") \
            as error:
        make(model)
    assert str(error.value).endswith(f"as in the book: {hint}")


@pytest.mark.parametrize("make, error, match", [
    (lambda: Adam(alpha=float("inf")), ValueError, "Adam: alpha must be a finite number >= 0, "
                                                   "got inf"),
    (lambda: Adam(eps=float("nan")), ValueError, "Adam: eps must be a finite number >= 0"),
    (lambda: SGD(lr=None), TypeError, r"SGD: lr must be a finite number >= 0, got None"),
    (lambda: SGD(lr=True), TypeError, "SGD: lr must be a finite number >= 0, got True"),
    (lambda: MomentumSGD(momentum=float("nan")), ValueError, "momentum must be a finite number"),
    (lambda: MomentumSGD(nesterov="yes"), TypeError, "nesterov must be True or False"),
    (lambda: AdaGrad(eps=-1.0), ValueError, "AdaGrad: eps must be a finite number >= 0"),
    (lambda: RMSprop(alpha=1.5), ValueError, r"RMSprop: alpha must be a finite number in \[0, 1\]"),
    (lambda: AdaDelta(rho=float("nan")), ValueError, "AdaDelta: rho must be a finite number"),
    (lambda: Adam(beta2=1.0), ValueError, r"Adam: beta2 must be a finite number in \[0, 1\)"),
    (lambda: AdamW(weight_decay="0.1"), TypeError, "AdamW: weight_decay must be a finite number"),
    (lambda: WeightDecay(float("inf")), ValueError, "WeightDecay: rate must be a finite number"),
])
def test_every_optimizer_checks_its_arguments_at_construction(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_numpy_hyperparameters_become_python_floats():
    optimizer = Adam(alpha=np.float64(0.01), beta1=np.float32(0.5))
    assert type(optimizer.lr) is float and type(optimizer.beta1) is float
    p = Parameter(np.ones(3, dtype=np.float32))
    optimizer.setup([p])
    optimizer.param_groups[0]["lr"] = np.float64(0.1)  # a plain dict write, as a user may do
    quadratic_step([p], optimizer)
    assert p.data.dtype == np.float32


def test_work_buffers_follow_a_column_major_parameter():
    # out= arithmetic between a transposed (column-major) weight and a row-major buffer ran 5x
    # slower: the buffer takes the parameter's memory order.
    weight = Parameter(np.asfortranarray(np.ones((30, 20), dtype=np.float32)))
    optimizer = Adam().setup([weight])
    assert optimizer._scratch(weight.data).strides == weight.data.strides
    assert optimizer._scratch(np.ones((30, 20), np.float32)).flags.c_contiguous
