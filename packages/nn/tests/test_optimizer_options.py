"""PyTorch's options on zerograd's optimizers (maximize, weight_decay, amsgrad, dampening...)
and the optimizers the book lacks; their numbers against torch.optim are checked in
packages/torch/tests/test_optim_db.py (PyTorch's own optim_db)."""

import numpy as np
import pytest

from zerograd.core import Parameter, Variable
from zerograd.nn import optimizers as O


def _steps(optimizer, param, grads):
    for g in grads:
        param.grad = Variable(np.array(g))
        optimizer.update()
    return param.data


def test_book_optimizers_keep_the_books_groups():
    p = Parameter(np.ones(2))
    assert set(O.Adam().setup([p]).param_groups[0]) == {"params", "lr", "beta1", "beta2", "eps"}
    assert set(O.SGD().setup([p]).param_groups[0]) == {"params", "lr"}


def test_unknown_option_is_refused_by_name():
    with pytest.raises(TypeError, match=r"SGD: unknown option 'momentum' \(known: weight_decay, maximize\)"):
        O.SGD(momentum=0.9)


def test_maximize_climbs_and_weight_decay_adds_to_the_gradient():
    p = Parameter(np.array([1.0]))
    assert _steps(O.SGD(lr=0.1, maximize=True).setup([p]), p, [[2.0]]) == pytest.approx(1.2)
    q = Parameter(np.array([1.0]))
    assert _steps(O.SGD(lr=0.1, weight_decay=0.5).setup([q]), q, [[0.0]]) == pytest.approx(0.95)


def test_dampening_spares_the_first_step():
    p = Parameter(np.array([0.0]))
    optimizer = O.MomentumSGD(lr=1.0, momentum=0.5, dampening=0.5).setup([p])
    # b = 1, then b = 0.5 * 1 + 0.5 * 1 = 1: p = -1 - 1
    assert _steps(optimizer, p, [[1.0], [1.0]]) == pytest.approx(-2.0)


def test_grad_is_left_as_it_was():
    # PyTorch's optimizers read the gradient; weight_decay and maximize must not rewrite it.
    p = Parameter(np.array([1.0]))
    O.Adam(weight_decay=0.1, maximize=True).setup([p])
    p.grad = Variable(np.array([3.0]))
    O.Adam(weight_decay=0.1, maximize=True).setup([p]).update()
    assert p.grad.data.tolist() == [3.0]


@pytest.mark.parametrize("make", [
    lambda: O.Adam(amsgrad=True), lambda: O.NAdam(), lambda: O.RAdam(), lambda: O.Adamax(),
    lambda: O.ASGD(t0=1), lambda: O.Rprop(), lambda: O.Adafactor(),
    lambda: O.RMSprop(centered=True, momentum=0.5), lambda: O.AdaGrad(lr_decay=0.1),
], ids=["Adam-amsgrad", "NAdam", "RAdam", "Adamax", "ASGD", "Rprop", "Adafactor", "RMSprop",
        "AdaGrad"])
def test_state_dict_resumes_exactly(make):
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal((3, 2)) for _ in range(6)]
    start = rng.standard_normal((3, 2))
    whole = Parameter(start.copy())
    _steps(make().setup([whole]), whole, grads)
    first = Parameter(start.copy())
    optimizer = make().setup([first])
    _steps(optimizer, first, grads[:3])
    resumed = Parameter(first.data.copy())
    again = make().setup([resumed])
    again.load_state_dict(optimizer.state_dict())
    np.testing.assert_array_equal(_steps(again, resumed, grads[3:]), whole.data)


def test_rprop_and_adafactor_check_their_pairs():
    with pytest.raises(ValueError, match="Rprop: etas must satisfy 0 < etas"):
        O.Rprop(etas=(1.5, 1.2))
    with pytest.raises(TypeError, match="Rprop: step_sizes must be a pair"):
        O.Rprop(step_sizes=1.0)
    with pytest.raises(ValueError, match=r"Adafactor: eps\[1\] must be a finite number >= 0"):
        O.Adafactor(eps=(None, -1.0))


def test_a_scalar_parameter_keeps_its_state_arrays_through_load_state_dict():
    # 0-d state arrays used to come back as Python floats, which the slot check refused.
    p = Parameter(np.array(1.0))
    optimizer = O.Adam().setup([p])
    _steps(optimizer, p, [2.0])
    again = O.Adam().setup([Parameter(np.array(1.0))])
    again.load_state_dict(optimizer.state_dict())
    state = next(iter(again.state.values()))
    assert state["m"].shape == () and state["step"] == 1
