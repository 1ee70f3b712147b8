"""Function.__call__: an error in forward keeps its class and gains the Function's name and shapes."""

import sys
import types

import numpy as np
import pytest

from zerograd.core import Function, Variable
from zerograd.core import function as function_module


class MyError(ValueError):
    pass


class NotAStandardError(Exception):
    pass


class NeedsTwoArguments(Exception):
    def __init__(self, code, detail):
        super().__init__(code, detail)


class Raising(Function):
    """A Function whose forward raises the exception it was built with."""

    def __init__(self, error):
        self.error = error

    def forward(self, x, y):
        raise self.error


@pytest.mark.parametrize("error", [
    MyError("my message"), NotAStandardError("my message"), KeyError("my message"),
    ZeroDivisionError("my message"), NeedsTwoArguments("my message", 7),
])
def test_a_forward_error_keeps_its_class_and_gains_the_context(error):
    context = r"my message(.|\n)*Raising on inputs of shape \(2, 3\) and \(\)"
    with pytest.raises(type(error), match=context) as caught:
        Raising(error)(Variable(np.ones((2, 3))), 1.0)
    if sys.version_info >= (3, 11):
        assert caught.value is error  # the user's own exception object, with a note
    else:  # a chained copy, or the error itself when its class cannot be rebuilt
        assert error in (caught.value, caught.value.__cause__)


@pytest.mark.parametrize("error", [MyError("my message"), KeyError("my message")])
def test_on_python_3_10_a_chained_copy_of_the_same_class_carries_the_context(monkeypatch, error):
    monkeypatch.setattr(function_module, "sys", types.SimpleNamespace(version_info=(3, 10, 14)))
    context = r"my message(.|\n)*Raising on inputs of shape \(2,\) and \(\)"
    with pytest.raises(type(error), match=context) as caught:
        Raising(error)(np.ones(2), 1.0)
    assert caught.value.__cause__ is error


def test_on_python_3_10_a_class_that_cannot_be_rebuilt_arrives_unchanged(monkeypatch):
    monkeypatch.setattr(function_module, "sys", types.SimpleNamespace(version_info=(3, 10, 14)))
    error = NeedsTwoArguments("my message", 7)
    with pytest.raises(NeedsTwoArguments, match=r"Raising on inputs of shape \(2,\) and \(\)") as caught:
        Raising(error)(np.ones(2), 1.0)
    assert caught.value is error


def test_errors_outside_forward_are_not_touched():
    class Fine(Function):
        def forward(self, x):
            return x

    with pytest.raises(KeyboardInterrupt):  # not an Exception: left alone
        Raising(KeyboardInterrupt())(np.ones(2), 1.0)
    assert Fine()(np.ones(2)).shape == (2,)
