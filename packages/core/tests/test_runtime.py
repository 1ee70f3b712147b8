"""Config, using_config, no_grad, seed and cuda switching."""

import random
import threading

import numpy as np
import pytest

from zerograd.core import Config, Variable, cuda, no_grad, seed, using_config


def test_using_config_restores_even_after_an_error():
    with pytest.raises(KeyError), using_config("train", False):
        assert Config.train is False
        raise KeyError
    assert Config.train is True
    with pytest.raises(AttributeError, match="using_config: Config has no setting 'trian'"):
        with using_config("trian", False):
            pass


def test_no_grad_switches_enable_backprop():
    with no_grad():
        assert Config.enable_backprop is False
    assert Config.enable_backprop is True


def test_seed_repeats_numpy_and_python_random():
    seed(3)
    first = (np.random.rand(), random.random())
    seed(3)
    assert (np.random.rand(), random.random()) == first
    with pytest.raises(ValueError, match="seed: expected a non-negative integer, got -1"):
        seed(-1)


def test_cuda_without_cupy_falls_back_to_numpy():
    assert cuda.get_array_module(np.ones(1)) is np
    assert cuda.get_array_module(Variable(np.ones(1))) is np
    assert isinstance(cuda.as_numpy(np.ones(1)), np.ndarray)
    assert cuda.as_numpy(3.0).shape == ()
    target = np.zeros(3)
    cuda.scatter_add(np, target, np.array([0, 0, 2]), np.ones(3))
    assert target.tolist() == [2.0, 0.0, 1.0]
    if not cuda.gpu_enable:
        with pytest.raises(RuntimeError, match="as_cupy: CuPy has no GPU to move data to"):
            cuda.as_cupy(np.ones(1))


def _in_thread(target):
    """Run ``target`` in a new thread and return what it returned (or re-raise what it raised)."""
    result = {}

    def run():
        try:
            result["value"] = target()
        except BaseException as err:  # noqa: BLE001 - handed back to the test
            result["error"] = err

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def _joined(thread, result):
    thread.join(timeout=10)
    assert not thread.is_alive()
    if "error" in result:
        raise result["error"]
    return result.get("value")


def test_no_grad_in_one_thread_leaves_another_threads_training_alone():
    inside, done = threading.Event(), threading.Event()

    def evaluate():
        with no_grad():
            inside.set()
            done.wait(10)
            return Config.enable_backprop

    thread, result = _in_thread(evaluate)
    assert inside.wait(10)
    x = Variable(np.array(3.0))
    y = x * x  # trains while the other thread sits inside no_grad()
    y.backward()
    done.set()
    assert y.creator is not None and x.grad.data == 6.0
    assert _joined(thread, result) is False


def test_overlapping_no_grad_blocks_in_two_threads_leave_backprop_on():
    """Thread A enters, B enters, A leaves, B leaves: each restores its own value, not the other's."""
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()

    def thread_a():
        with no_grad():
            a_in.set()
            b_in.wait(10)
        a_out.set()
        return Config.enable_backprop

    def thread_b():
        a_in.wait(10)
        with no_grad():
            b_in.set()
            a_out.wait(10)
        return Config.enable_backprop

    started = [_in_thread(thread_a), _in_thread(thread_b)]
    assert [_joined(*pair) for pair in started] == [True, True]
    assert Config.enable_backprop is True
    assert _joined(*_in_thread(lambda: Config.enable_backprop)) is True


def test_the_books_assignment_style_changes_only_the_calling_thread():
    Config.train = False
    try:
        assert _joined(*_in_thread(lambda: (Config.train, Config.enable_backprop))) == (True, True)
        assert Config.train is False
    finally:
        Config.train = True
