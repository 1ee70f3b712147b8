"""The optimizers' book API: setup, update and update_one, hooks (weight decay, clipping,
freezing), subclasses, lazy layers and groups by layer; the hyperparameters (lr, the book's
names and defaults, float32 state, NumPy scalars, buffers' memory order); the update threads."""

from __future__ import annotations

import os

import numpy as np
import pytest

from zerograd.core import Parameter, Variable
from zerograd.core import functions as F
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
