"""Optimizers on a small real model (a 2-layer tanh MLP whose gradients change every step):
every optimizer and its options against torch.optim over 50 steps, the weight-decay and clipping
hooks and parameter groups as torch's; state_dict round trips that continue bitwise, what
state_dict holds, and the checks of load_state_dict and of gradients from outside."""

from __future__ import annotations

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
    MomentumSGD,
    RMSprop,
    WeightDecay,
)

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
    p64.grad = Variable(2 * p64.data)  # one step on sum(p^2)
    optimizer.update()
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
