"""Optimizers' bad input: learning rates, hyperparameters, groups and setup targets that are
clear errors, and the arguments checked at construction (issue 13, point 1)."""

from __future__ import annotations

import numpy as np
import pytest

from zerograd.core import Parameter
from zerograd.nn.optimizers import (
    SGD,
    AdaDelta,
    AdaGrad,
    Adam,
    AdamW,
    ClipGrad,
    FreezeParam,
    MomentumSGD,
    RMSprop,
    WeightDecay,
)


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
