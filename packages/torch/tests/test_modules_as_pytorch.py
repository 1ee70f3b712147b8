"""nn.Module as PyTorch behaves, against real torch: buffers that are Tensors, non-persistent
buffers, apply's order, BatchNorm's options and input shapes, dtype casts, hooks, strict loading
(its errors and result), freezing and the printed tree."""

from __future__ import annotations

import numpy as np
import pytest

import zerograd.torch as ztorch
from zerograd.core.testing import assert_allclose, torch_or_skip

rng = np.random.default_rng(0)


def _both():
    return torch_or_skip(), ztorch


def _copy_weights(theirs, ours):
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


# --- BatchNorm (issue 30: PyTorch's refusal stays in the facade) -----------------------------
@pytest.mark.parametrize("shape", [(1, 3), (1, 3, 1)])
def test_batchnorm_refuses_one_value_per_channel_in_training_as_pytorch(shape):
    torch = torch_or_skip()
    x = np.ones(shape, np.float32)
    with pytest.raises(ValueError) as theirs:
        torch.nn.BatchNorm1d(3)(torch.tensor(x))
    ours = ztorch.nn.BatchNorm1d(3)
    with pytest.raises(ValueError) as error:
        ours(ztorch.tensor(x))
    assert str(error.value) == str(theirs.value)
    assert ours.num_batches_tracked.numpy() == 0  # refused before counting
    assert ours.eval()(ztorch.tensor(x)).shape == shape  # eval needs no batch statistics


@pytest.mark.parametrize("make, shape", [(lambda nn: nn.BatchNorm1d(3), (0, 3)),
                                         (lambda nn: nn.BatchNorm2d(3), (0, 3, 2, 2))])
def test_batchnorm_refuses_an_empty_batch(make, shape):
    layer = make(ztorch.nn)
    with pytest.raises(ValueError, match=r"BatchNorm[12]d: the input of shape \(0, 3.*is empty"):
        layer(ztorch.zeros(*shape))
    np.testing.assert_array_equal(layer.running_mean.numpy(), 0)


@pytest.mark.parametrize("kwargs", [dict(track_running_stats=False), dict(momentum=None),
                                    dict(affine=False), dict(bias=False), dict(momentum=0.3)])
@pytest.mark.parametrize("shape", [(6, 4), (5, 4, 3)])
def test_batchnorm1d_options_and_ncl_inputs_match_pytorch(kwargs, shape):
    torch, zt = _both()
    theirs, ours = torch.nn.BatchNorm1d(4, **kwargs), zt.nn.BatchNorm1d(4, **kwargs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    for _ in range(3):  # momentum=None: the cumulative average over the batches
        x = rng.standard_normal(shape).astype(np.float32) * 2 + 1
        xt, xo = torch.tensor(x, requires_grad=True), zt.tensor(x, requires_grad=True)
        yt, yo = theirs(xt), ours(xo)
        assert_allclose(yo, yt, what="train output")
    gy = rng.standard_normal(shape).astype(np.float32)
    (yt * torch.tensor(gy)).sum().backward()
    (yo * zt.tensor(gy)).sum().backward()
    assert_allclose(xo.grad, xt.grad, what="input gradient")
    for key, value in theirs.state_dict().items():
        assert_allclose(ours.state_dict()[key], value, what=key)
    theirs.eval()
    ours.eval()  # without running statistics: batch statistics in eval mode too
    assert_allclose(ours(zt.tensor(x)), theirs(torch.tensor(x)), what="eval output")


# --- buffers ---------------------------------------------------------------------------------
def test_buffers_are_tensors_with_pytorchs_methods():
    torch, zt = _both()
    value = np.array([[1.0, 2.0], [3.0, 5.0]], np.float32)
    theirs, ours = torch.nn.Module(), zt.nn.Module()
    theirs.register_buffer("b", torch.tensor(value))
    ours.register_buffer("b", zt.tensor(value))
    assert isinstance(ours.b, zt.Tensor) and not ours.b.requires_grad
    for values, indices in ((ours.b.max(0), theirs.b.max(0)),):
        assert_allclose(values[0], indices[0])
        np.testing.assert_array_equal(values[1].numpy(), indices[1].numpy())
    assert [n for n, _ in ours.named_buffers()] == ["b"]
    assert all(isinstance(b, zt.Tensor) for b in zt.nn.BatchNorm1d(2).buffers())
    if not all(hasattr(zt.Tensor, name) for name in ("std", "repeat")):
        pytest.skip("Tensor.std/repeat are not in this facade yet (the operator surface adds them)")
    assert_allclose(ours.b.std(), theirs.b.std())
    assert tuple(ours.b.repeat(2, 1).shape) == tuple(theirs.b.repeat(2, 1).shape)


def test_non_persistent_buffers_stay_out_of_state_dict():
    torch, zt = _both()
    built = []
    for lib in (torch, zt):
        module = lib.nn.Linear(2, 3)
        module.register_buffer("saved", lib.zeros(3))
        module.register_buffer("scratch", lib.ones(3), persistent=False)
        module.register_buffer("empty", None)
        built.append(module)
    theirs, ours = built
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight", "bias", "saved"]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert repr(ours.load_state_dict(theirs.state_dict())) == "<All keys matched successfully>"
    ours.saved = zt.ones(3)  # assigning to a buffer keeps it a buffer
    assert "saved" in ours.state_dict() and isinstance(ours.saved, zt.Tensor)


@pytest.mark.parametrize("register, error, message", [
    (lambda m, lib: m.register_buffer("x", 3), TypeError,
     "cannot assign 'int' object to buffer 'x'"),
    (lambda m, lib: m.register_buffer("weight", None), KeyError, "attribute 'weight' already exists"),
    (lambda m, lib: m.register_buffer("a.b", None), KeyError, "buffer name can.*t contain"),
])
def test_bad_buffers_raise_pytorchs_errors(register, error, message):
    torch, zt = _both()
    for lib in (torch, zt):
        with pytest.raises(error, match=message):
            register(lib.nn.Linear(2, 2), lib)


# --- apply, casts, freezing ------------------------------------------------------------------
def _tree(nn):
    return nn.Sequential(nn.Sequential(nn.Linear(2, 3), nn.ReLU()), nn.Linear(3, 1),
                         nn.ModuleList([nn.Tanh(), nn.Linear(1, 1)]))


def test_apply_visits_children_first_in_pytorchs_order():
    torch, zt = _both()
    orders = []
    for lib in (torch, zt):
        tree = _tree(lib.nn)
        names = {id(m): n for n, m in tree.named_modules()}
        visited = []
        tree.apply(lambda m, v=visited, ns=names: v.append(ns[id(m)]))
        orders.append(visited)
    assert orders[1] == orders[0]


@pytest.mark.parametrize("cast, dtype", [(lambda m, lib: m.double(), "float64"),
                                         (lambda m, lib: m.half(), "float16"),
                                         (lambda m, lib: m.double().float(), "float32"),
                                         (lambda m, lib: m.to(lib.float64), "float64"),
                                         (lambda m, lib: m.to("cpu", lib.float64), "float64"),
                                         (lambda m, lib: m.to(dtype=lib.float16), "float16")])
def test_module_casts_floating_parameters_and_buffers(cast, dtype):
    torch, zt = _both()
    for lib in (torch, zt):
        module = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.BatchNorm1d(3))
        weight = module[0].weight
        assert cast(module, lib) is module
        assert module[0].weight is weight  # cast in place: optimizers keep their parameters
        assert all(str(p.dtype).endswith(dtype) for p in module.parameters())
        assert str(module[1].running_mean.dtype).endswith(dtype)
        assert str(module[1].num_batches_tracked.dtype).endswith("int64")
    x = np.ones((4, 2), np.float64)
    if dtype == "float64":
        assert str(module(zt.tensor(x)).dtype).endswith("float64")


def test_module_to_refuses_integer_dtypes():
    torch, zt = _both()
    for lib in (torch, zt):
        with pytest.raises(TypeError, match="only accepts floating point"):
            lib.nn.Linear(2, 2).to(lib.int64)


def test_requires_grad_false_freezes_parameters_for_backward_and_optimizers():
    zt = ztorch
    model = zt.nn.Sequential(zt.nn.Linear(3, 4), zt.nn.ReLU(), zt.nn.Linear(4, 2))
    model[0].requires_grad_(False)
    frozen = model[0].weight.detach().numpy().copy()
    optimizer = zt.optim.SGD(model.parameters(), lr=0.1)
    model(zt.ones(5, 3)).sum().backward()
    assert model[0].weight.grad is None and model[2].weight.grad is not None
    optimizer.step()
    np.testing.assert_array_equal(model[0].weight.detach().numpy(), frozen)


# --- hooks -----------------------------------------------------------------------------------
def _hooked_run(lib, model, x):
    """Hooks of every kind on the last Linear of ``model``; returns what they and autograd saw."""
    seen = {}
    layer = model[2]
    pre = layer.register_forward_pre_hook(lambda m, args: (args[0] * 2,))
    post = layer.register_forward_hook(lambda m, args, out: out + 1)

    def backward_hook(module, grad_input, grad_output):
        seen["grad_input"] = [g.detach().numpy().copy() for g in grad_input]
        seen["grad_output"] = [g.detach().numpy().copy() for g in grad_output]
        return (grad_input[0] * 0.5,)

    bwd = layer.register_full_backward_hook(backward_hook)
    xt = lib.tensor(x, requires_grad=True)
    y = model(xt)
    (y * y).sum().backward()
    seen["y"] = y.detach().numpy().copy()
    seen["x_grad"] = xt.grad.detach().numpy().copy()
    for handle in (pre, post, bwd):
        handle.remove()
    seen["after_remove"] = model(lib.tensor(x)).detach().numpy().copy()
    return seen


def test_forward_pre_forward_and_full_backward_hooks_match_pytorch():
    torch = torch_or_skip()
    x = rng.standard_normal((5, 3)).astype(np.float32)
    models = [lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.Tanh(), lib.nn.Linear(4, 2))
              for lib in (torch, ztorch)]
    _copy_weights(*models)
    seen_t, seen_o = _hooked_run(torch, models[0], x), _hooked_run(ztorch, models[1], x)
    for key in ("y", "x_grad", "after_remove", "grad_input", "grad_output"):
        for got, expected in zip(np.atleast_1d(seen_o[key]), np.atleast_1d(seen_t[key])):
            np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5, err_msg=key)
    assert len(seen_o["grad_input"]) == len(seen_t["grad_input"]) == 1


def test_a_backward_hook_on_a_module_whose_input_needs_no_gradient_gets_none():
    calls = []
    layer = ztorch.nn.Linear(3, 2)
    layer.register_full_backward_hook(lambda m, gi, go: calls.append((gi, go[0].shape)))
    layer(ztorch.ones(4, 3)).sum().backward()
    assert calls == [((None,), (4, 2))]
    assert layer.weight.grad is not None


# --- strict loading --------------------------------------------------------------------------
@pytest.mark.parametrize("make, state", [
    (lambda nn: nn.Linear(3, 2), lambda lib: {"weight": lib.ones(3, 3), "foo": lib.ones(1)}),
    (lambda nn: nn.Linear(3, 2), lambda lib: {}),
    (lambda nn: nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2)), lambda lib: {}),
    (lambda nn: nn.Sequential(nn.Conv2d(1, 2, 3)), lambda lib: {"0.weight": lib.ones(2, 1, 3, 3),
                                                                 "0.bias": lib.ones(3)}),
])
@pytest.mark.parametrize("strict", [True, False])
def test_load_state_dict_errors_and_results_match_pytorch(make, state, strict):
    torch, zt = _both()
    outcomes = []
    for lib in (torch, zt):
        try:
            outcomes.append(("result", repr(make(lib.nn).load_state_dict(state(lib), strict=strict))))
        except RuntimeError as error:
            outcomes.append(("RuntimeError", str(error)))
    assert outcomes[1] == outcomes[0]


def test_load_state_dict_returns_the_named_tuple_and_keeps_the_count_it_has():
    zt = ztorch
    model = zt.nn.Sequential(zt.nn.Linear(2, 2), zt.nn.BatchNorm1d(2))
    model(zt.ones(3, 2))
    state = {k: v for k, v in model.state_dict().items() if k != "1.num_batches_tracked"}
    result = model.load_state_dict({**state, "extra": zt.ones(1)}, strict=False)
    assert result.missing_keys == [] and result.unexpected_keys == ["extra"]
    missing, unexpected = result
    assert unexpected == ["extra"] and model[1].num_batches_tracked.numpy() == 1
    with pytest.raises(ValueError):  # the book's except ValueError catches it too
        model.load_state_dict({})


# --- the errors PyTorch code catches ---------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.Linear(3, 2)(lib.ones(4, 5)),
    lambda lib: lib.ones(2, 3) @ lib.ones(4, 5),
    lambda lib: lib.matmul(lib.ones(2, 3), lib.ones(4, 5)),
    lambda lib: lib.nn.Conv2d(3, 2, 3)(lib.ones(1, 4, 5, 5)),
    lambda lib: lib.nn.BatchNorm1d(3)(lib.ones(4, 5)),
])
def test_shape_mismatches_raise_runtime_error_as_pytorch(call):
    torch, zt = _both()
    with pytest.raises(RuntimeError):
        call(torch)
    with pytest.raises(RuntimeError, match=r"\(.*\d.*\)"):  # zerograd names the shapes
        call(zt)


@pytest.mark.parametrize("call, error", [
    (lambda lib: lib.nn.Linear("3", 2), TypeError),
    (lambda lib: lib.nn.Linear(3, 2).register_parameter("w", lib.ones(2)), TypeError),
    (lambda lib: lib.nn.Dropout(1.5), ValueError),
    (lambda lib: lib.nn.Linear(3, 2).add_module("m", 3), TypeError),
    (lambda lib: lib.nn.Linear(2, 2).load_state_dict([1, 2]), TypeError),
    (lambda lib: lib.nn.Conv2d("3", 8, 3), TypeError),
    (lambda lib: lib.nn.Conv2d(3, 8, 3, groups=2), ValueError),
])
def test_bad_argument_types_and_values_raise_pytorchs_exception_classes(call, error):
    torch, zt = _both()
    for lib in (torch, zt):
        with pytest.raises(error):
            call(lib)


def test_unsupported_features_name_the_argument():
    with pytest.raises(NotImplementedError, match="with_kwargs"):
        ztorch.nn.Linear(2, 2).register_forward_hook(lambda *a: None, with_kwargs=True)
    with pytest.raises(ValueError, match="approximate must be"):
        ztorch.nn.GELU(approximate="sigmoid")
    with pytest.raises(NotImplementedError, match="padding_mode='reflect'"):
        ztorch.nn.Conv2d(3, 8, 3, padding_mode="reflect")


# --- printing --------------------------------------------------------------------------------
REPR_CASES = {
    "linear": lambda nn: nn.Linear(3, 2),
    "linear-no-bias": lambda nn: nn.Linear(3, 2, bias=False),
    "conv2d": lambda nn: nn.Conv2d(3, 8, 3),
    "conv2d-options": lambda nn: nn.Conv2d(3, 8, (3, 5), stride=2, padding=1, bias=False),
    "sequential": lambda nn: nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Dropout(0.2),
                                           nn.Linear(4, 1)),
    "batchnorm": lambda nn: nn.BatchNorm2d(4),
    "batchnorm-options": lambda nn: nn.BatchNorm1d(4, momentum=None, affine=False,
                                                   track_running_stats=False),
    "dropout": lambda nn: nn.Dropout(),
    "modulelist-folded": lambda nn: nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.ReLU()]),
    "modulelist-empty": lambda nn: nn.ModuleList(),
    "moduledict": lambda nn: nn.ModuleDict({"a": nn.Linear(2, 2), "b": nn.Tanh()}),
    "nested": lambda nn: nn.Sequential(
        nn.Sequential(nn.Conv2d(1, 2, 3), nn.MaxPool2d(2)), nn.Flatten(), nn.LayerNorm(4),
        nn.GELU(), nn.LeakyReLU(0.2), nn.Softmax(dim=1), nn.Embedding(10, 3), nn.Sigmoid(),
        nn.AvgPool2d(2), nn.AdaptiveAvgPool2d(1), nn.Identity(), nn.SiLU(),
        nn.ReLU(inplace=True), nn.Unflatten(1, (2, 2))),
}


@pytest.mark.parametrize("name", list(REPR_CASES))
def test_module_repr_is_pytorchs(name):
    torch, zt = _both()
    assert repr(REPR_CASES[name](zt.nn)) == repr(REPR_CASES[name](torch.nn))


def test_parameter_containers_print_as_in_pytorch():
    torch, zt = _both()
    texts = []
    for lib in (torch, zt):
        ones = lib.ones
        texts.append([repr(lib.nn.ParameterList([lib.nn.Parameter(ones(3)),
                                                 lib.nn.Parameter(ones(2, 2).double())])),
                      repr(lib.nn.ParameterDict({"a": lib.nn.Parameter(ones(3)),
                                                 "b": lib.nn.Parameter(ones(3, 1))})),
                      repr(lib.nn.ParameterList())])
    assert texts[1] == texts[0]


def test_a_user_module_prints_as_in_pytorch():
    torch, zt = _both()
    texts = []
    for lib in (torch, zt):
        class Net(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.features = lib.nn.Sequential(lib.nn.Conv2d(1, 4, 3), lib.nn.ReLU())
                self.head = lib.nn.Linear(4, 2)
                self.blocks = lib.nn.ModuleList([lib.nn.Linear(2, 2) for _ in range(3)])

            def forward(self, x):
                return self.head(x)
        texts.append(repr(Net()))
    assert texts[1] == texts[0]


def test_native_machinery_reads_moves_and_loads_tensor_buffers():
    # nn.Layer's walks read a Tensor buffer's array and replace it inside the same Tensor
    from zerograd.nn import Layer
    module = ztorch.nn.BatchNorm1d(3)
    module(ztorch.tensor(rng.standard_normal((4, 3)).astype(np.float32)))
    running = module.running_mean
    saved = {k: v.copy() for k, v in Layer.state_dict(module).items()}
    assert isinstance(saved["running_mean"], np.ndarray)
    running.data[...] = 0
    Layer.load_state_dict(module, saved)
    assert module.running_mean is running and isinstance(running, ztorch.Tensor)
    np.testing.assert_array_equal(running.numpy(), saved["running_mean"])
    assert module.cpu().running_mean is running
