"""The GPU stand-in (zerograd.core.fakecupy) keeps CuPy's rules, cuda routes to it, and the
classic GPU bugs fail on it."""

from pathlib import Path

import numpy as np
import pytest

from zerograd.core import Variable, cuda, fakecupy, seed
from zerograd.core import functions as F


def on_device(array):
    return fakecupy.asarray(np.asarray(array))


# --- CuPy's rules -------------------------------------------------------------------------------
def test_device_array_is_not_numpy_and_refuses_implicit_conversion():
    x = on_device([1.0, 2.0])
    assert not isinstance(x, np.ndarray)
    for convert in (np.asarray, np.array, lambda a: a.__array__()):
        with pytest.raises(TypeError, match="Implicit conversion to a NumPy array is not allowed"):
            convert(x)
    host = x.get()
    assert type(host) is np.ndarray and host.tolist() == [1.0, 2.0]


def test_mixing_device_and_host_arrays_raises_both_ways():
    x, host = on_device([1.0, 2.0]), np.ones(2)
    for mixed in (lambda: x + host, lambda: host + x, lambda: np.maximum(x, host),
                  lambda: np.concatenate([x, host]), lambda: fakecupy.exp(host)):
        with pytest.raises(TypeError, match="numpy.ndarray mixed with a device array"):
            mixed()
    assert (x * 2.0 + np.float32(1)).get().tolist() == [3.0, 5.0]  # scalars are fine


def test_numpy_functions_and_ufuncs_dispatch_to_the_device():
    x = on_device([[1.0, -2.0], [3.0, 4.0]])
    for y in (np.exp(x), np.sum(x, axis=0), np.concatenate([x, x]), np.where(x > 0, x, 0.0),
              x.sum(), x.T, x[0], x.reshape(4), np.tensordot(x, x, axes=1)):
        assert isinstance(y, fakecupy.ndarray)
    assert float(x.sum()) == 6.0  # a reduction is a 0-d device array; float() copies it over
    target = fakecupy.zeros(3)
    np.add.at(target, on_device([0, 0, 2]), 1.0)
    assert target.get().tolist() == [2.0, 0.0, 1.0]
    x += 1.0  # in place stays the same device array
    assert isinstance(x, fakecupy.ndarray) and x.get()[0, 0] == 2.0


def test_device_random_is_separate_from_numpy_global_generator():
    np.random.seed(0)
    fakecupy.random.seed(0)
    draw = fakecupy.random.rand(3)
    assert isinstance(draw, fakecupy.ndarray)
    np.random.seed(0)
    fakecupy.random.seed(1)
    assert fakecupy.random.rand(3).get().tolist() != draw.get().tolist()


def test_transfers_are_counted_each_way():
    with fakecupy.counting_transfers() as moved:
        x = fakecupy.asarray(np.ones(3))
        (x * 2).sum()
        assert moved.total == 1
        x.get()
        float(x[0])
    assert (moved.to_device, moved.to_host) == (1, 2)


# --- routing through zerograd.core.cuda -----------------------------------------------------------
def test_cuda_routes_to_the_standin(device):
    assert cuda.gpu_enable and cuda.cupy is device and cuda.standin_active()
    x = cuda.as_cupy(np.arange(3.0))
    assert cuda.get_array_module(x) is device
    assert cuda.get_array_module(Variable(x)) is device
    assert type(cuda.as_numpy(x)) is np.ndarray
    assert cuda.as_cupy(x) is x
    assert "stand-in" in cuda.gpu_status()
    assert cuda.memory_info() == {"used": 0, "pooled": 0}


def test_leaving_the_standin_restores_the_cpu_only_state():
    before = cuda.gpu_enable, cuda.cupy
    with cuda.use_standin():
        pass
    assert (cuda.gpu_enable, cuda.cupy) == before


def test_variable_to_gpu_and_back_and_gradients_stay_on_device(device):
    x = Variable(np.linspace(-1, 1, 6).reshape(2, 3))
    x.to_gpu()
    y = F.sum(F.tanh(x) * x)
    y.backward(create_graph=True)
    assert isinstance(x.grad.data, device.ndarray)
    gx = x.grad
    x.cleargrad()
    F.sum(gx).backward()  # second order on the device too
    assert isinstance(x.grad.data, device.ndarray)
    x.to_cpu()
    assert type(x.data) is np.ndarray


def test_seed_seeds_the_device_generator(device):
    seed(5)
    first = device.random.rand(2).get()
    seed(5)
    np.testing.assert_array_equal(device.random.rand(2).get(), first)


def test_as_cupy_without_a_gpu_names_what_is_missing():
    if cuda.gpu_enable:
        pytest.skip("a GPU (or the stand-in) is active in this run")
    with pytest.raises(RuntimeError, match="as_cupy: CuPy has no GPU to move data to: .*cuda1"):
        cuda.as_cupy(np.ones(1))
    assert "CuPy is not installed" in cuda.gpu_status()


# --- the classic bugs: each one fails on the stand-in -------------------------------------------
def buggy_dropout(x, ratio=0.5):
    """A mask drawn from NumPy's generator, multiplied into device data."""
    mask = np.random.rand(*x.shape) > ratio
    return x * mask / (1 - ratio)


def buggy_buffer(rows):
    """A host buffer from np.zeros, filled from device data."""
    out = np.zeros((len(rows), rows[0].size))
    for i, row in enumerate(rows):
        out[i] = row
    return out


def buggy_norm(x):
    """np.asarray on a device array."""
    return np.asarray(x) / np.linalg.norm(np.asarray(x))


def test_host_dropout_mask_on_device_data_fails():
    x = on_device(np.ones((2, 3)))
    with pytest.raises(TypeError, match="mixed with a device array"):
        buggy_dropout(x)
    assert buggy_dropout(np.ones((2, 3))).shape == (2, 3)  # the same code is fine on NumPy


def test_host_buffer_filled_from_device_data_fails():
    with pytest.raises(TypeError, match="Implicit conversion"):
        buggy_buffer([on_device(np.ones(3)), on_device(np.ones(3))])
    assert buggy_buffer([np.ones(3)]).shape == (1, 3)


def test_asarray_on_device_data_fails():
    with pytest.raises(TypeError, match="Implicit conversion"):
        buggy_norm(on_device([3.0, 4.0]))
    assert buggy_norm(np.array([3.0, 4.0])).tolist() == [0.6, 0.8]


def test_device_array_on_the_left_of_a_variable_gives_a_variable(device):
    x = Variable(device.asarray(np.ones(2)))
    y = device.asarray(np.full(2, 3.0)) + x
    assert isinstance(y, Variable) and isinstance(y.data, device.ndarray)


def test_where_and_maximum_with_a_python_constant_stay_on_the_device(device):
    # regression: the constant became a 0-d NumPy array mixed into device data
    x = Variable(device.asarray(np.array([-1.0, 2.0])))
    for y in (F.where(x.data > 0, x, 0.0), F.maximum(x, 0.0), F.minimum(1.0, x)):
        assert isinstance(y.data, device.ndarray)
    y = F.sum(F.where(x.data > 0, x, 0.0))
    y.backward()
    assert x.grad.data.get().tolist() == [0.0, 1.0]


def test_check_backward_in_a_device_run_catches_a_function_that_leaves_the_device(device,
                                                                                  monkeypatch):
    from zerograd.core import Function
    from zerograd.core.testing import check_backward

    class HostSquare(Function):  # the bug: its forward returns host data for device input
        def forward(self, x):
            return cuda.as_numpy(x) ** 2

        def backward(self, gy):
            return 2 * self.inputs[0] * gy

    monkeypatch.setenv("ZEROGRAD_DEVICE", "standin")
    check_backward(F.tanh, np.linspace(-1, 1, 4))  # a correct function passes on the device
    with pytest.raises(AssertionError, match="output 0 is not a device array"):
        check_backward(lambda x: HostSquare()(x), np.linspace(-1, 1, 4))


def test_as_strided_views_device_data():
    x = on_device(np.arange(6.0))
    view = fakecupy.lib.stride_tricks.as_strided(x, (2, 2), (16, 8))
    assert isinstance(view, fakecupy.ndarray) and view.get().tolist() == [[0.0, 1.0], [2.0, 3.0]]


def test_every_package_and_the_umbrella_offer_cupy_per_cuda_major_version():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    root = Path(__file__).resolve().parents[3]
    projects = sorted(root.glob("packages/*/pyproject.toml")) + [root / "pyproject.toml"]
    if not (root / "packages" / "core" / "pyproject.toml").exists():
        pytest.skip("not run from the repository")
    for project in projects:
        extras = tomllib.loads(project.read_text())["project"].get("optional-dependencies", {})
        for major in ("12", "13"):
            wanted = (f"cupy-cuda{major}x[ctk]>=14" if project.parent.name == "core"
                      else f"zerograd-core[cuda{major}]>=0.1,<0.2")
            assert extras.get(f"cuda{major}") == [wanted], project


def test_the_standin_is_imported_only_when_asked_for():
    import subprocess
    import sys
    code = ("import sys, zerograd.core, zerograd.core.cuda as cuda; "
            "assert 'zerograd.core.fakecupy' not in sys.modules; "
            "cuda.use_standin().__enter__(); assert 'zerograd.core.fakecupy' in sys.modules")
    env = {k: v for k, v in __import__("os").environ.items() if k != "ZEROGRAD_DEVICE"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
