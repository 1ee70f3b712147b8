"""The compiled optimizer updates (zerograd.core.kernels.optim) against their NumPy references
(the same optimizers with Config.kernels off): bitwise over several steps on both float dtypes,
serial, on the kernels' threads and on update()'s own threads; what stays on NumPy; and against
torch.optim in float32. Skipped without Numba. test_optimizers_mlp.py compares the same
optimizers with torch.optim in float64 (kernels on by default)."""

from __future__ import annotations

import numpy as np
import pytest

from zerograd.core import Parameter, Variable, using_config
from zerograd.core.testing import assert_allclose, torch_or_skip
from zerograd.nn.optimizers import Adam, AdamW, MomentumSGD, set_update_threads

pytest.importorskip("numba", reason="the compiled kernels need Numba (zerograd-core[kernels])")

from zerograd.core.kernels import optim  # noqa: E402  (after the skip: it needs Numba)

# one parameter per path: a bias, a Fortran-ordered weight (zerograd.torch's Linear keeps its
# weight transposed), and two of several chunks (the parallel kernel with update() on one
# thread; the serial one on update()'s threads)
SHAPES = [(5,), (7, 6), (optim.CHUNK + 100,), (300, 250)]
FORTRAN = 1

OPTIMIZERS = {
    "Adam-L2-maximize": lambda: Adam(alpha=0.01, weight_decay=0.1, maximize=True),
    "AdamW": lambda: AdamW(alpha=0.01, beta1=0.8, beta2=0.99, weight_decay=0.1),
    "Momentum-dampening-L2": lambda: MomentumSGD(lr=0.05, momentum=0.9, dampening=0.3,
                                                 weight_decay=0.01),
    "Nesterov-maximize": lambda: MomentumSGD(lr=0.05, momentum=0.8, nesterov=True, maximize=True),
}


def train(make, dtype, kernels_on, threads, steps=3, shapes=SHAPES):
    """The parameters after ``steps`` updates with fresh gradients each step."""
    rng = np.random.default_rng(0)
    params = [Parameter(rng.standard_normal(shape).astype(dtype)) for shape in shapes]
    params[FORTRAN].data = np.asfortranarray(params[FORTRAN].data)
    optimizer = make().setup(params)
    set_update_threads(threads)
    try:
        for _ in range(steps):
            for p in params:
                g = rng.standard_normal(p.shape).astype(dtype)
                p.grad = Variable(np.asfortranarray(g) if p.data.flags.f_contiguous else g)
            with using_config("kernels", kernels_on):
                optimizer.update()
    finally:
        set_update_threads(None)
    return [p.data for p in params]


@pytest.fixture
def kernel_calls(monkeypatch):
    """The number of parameters each kernel updated; every parameter of several chunks updated
    on the main thread goes to the parallel kernel (whatever the thread count)."""
    monkeypatch.setattr(optim, "_in_parallel", lambda size: size > optim.CHUNK)
    calls = {"adam": 0, "momentum_sgd": 0}
    for name in calls:
        real = getattr(optim, name)

        def spy(*args, _real=real, _name=name):
            done = _real(*args)
            calls[_name] += done
            return done
        monkeypatch.setattr(optim, name, spy)
    return calls


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", list(OPTIMIZERS))
def test_kernel_gives_numpy_bits_serial_and_threaded(case, dtype, kernel_calls):
    reference = train(OPTIMIZERS[case], dtype, kernels_on=False, threads=2)
    assert sum(kernel_calls.values()) == 0  # update()'s threads take the caller's setting
    for threads in (1, 2):
        ours = train(OPTIMIZERS[case], dtype, kernels_on=True, threads=threads)
        for i, (a, b) in enumerate(zip(ours, reference)):
            assert a.dtype == dtype
            np.testing.assert_array_equal(a, b, err_msg=f"{case}, {threads} threads, param {i}")
    assert sum(kernel_calls.values()) == 2 * 3 * len(SHAPES)


def test_zero_denominator_gives_numpys_nan():
    """eps=0 and a zero gradient: 0 / 0 is NaN as in NumPy, never Python's ZeroDivisionError."""
    def make():
        return Adam(alpha=0.1, eps=0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        results = [train(make, np.float32, on, 1, steps=1, shapes=[(4,), (2, 2)]) for on in
                   (False, True)]
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_amsgrad_and_mixed_layouts_stay_on_numpy(kernel_calls):
    shapes = [(3, 4), (3, 4)]
    for on in (False, True):
        rng = np.random.default_rng(1)
        p, q = (Parameter(rng.standard_normal(s)) for s in shapes)
        p.grad = Variable(rng.standard_normal(shapes[0]))
        q.grad = Variable(np.asfortranarray(rng.standard_normal(shapes[1])))  # q is C-ordered
        with using_config("kernels", on):
            Adam(alpha=0.1, amsgrad=True).setup([p]).update()
            MomentumSGD(lr=0.1).setup([q]).update()
        if not on:
            expected = p.data, q.data
    np.testing.assert_array_equal(p.data, expected[0])
    np.testing.assert_array_equal(q.data, expected[1])
    assert kernel_calls == {"adam": 0, "momentum_sgd": 0}


TORCH = {
    "Adam": (lambda: Adam(alpha=0.01, weight_decay=0.1),
             lambda o, p: o.Adam(p, lr=0.01, weight_decay=0.1)),
    "AdamW-maximize": (lambda: AdamW(alpha=0.01, weight_decay=0.1, maximize=True),
                       lambda o, p: o.AdamW(p, lr=0.01, weight_decay=0.1, maximize=True)),
    "Nesterov-L2": (lambda: MomentumSGD(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
                    lambda o, p: o.SGD(p, lr=0.05, momentum=0.9, nesterov=True,
                                       weight_decay=0.01)),
}


@pytest.mark.parametrize("case", list(TORCH))
def test_kernel_matches_torch_optim_in_float32(case, kernel_calls):
    torch = torch_or_skip()
    make_ours, make_torch = TORCH[case]
    rng = np.random.default_rng(2)
    start = rng.standard_normal((2, optim.CHUNK + 7)).astype(np.float32)
    grads = rng.standard_normal((4, *start.shape)).astype(np.float32)
    ours = Parameter(start.copy())
    theirs = torch.tensor(start.copy(), requires_grad=True)
    optimizer, reference = make_ours().setup([ours]), make_torch(torch.optim, [theirs])
    for g in grads:
        ours.grad = Variable(g.copy())
        theirs.grad = torch.tensor(g.copy())
        with using_config("kernels", True):
            optimizer.update()
        reference.step()
    assert sum(kernel_calls.values()) == len(grads)
    assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-5, atol=1e-6, what=case)
