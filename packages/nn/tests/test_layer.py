"""Layer and Model: registration, traversal, modes, state_dict, weights files and the printed
tree."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

import zerograd.nn.functions as F
from zerograd.core import Parameter, Variable, cuda
from zerograd.core.testing import traced_memory
from zerograd.nn import Layer, Model
from zerograd.nn.layers import BatchNorm, LayerList, Linear, ParameterList
from zerograd.nn.models import MLP


class Block(Layer):
    def __init__(self):
        super().__init__()
        self.fc = Linear(3, in_size=4)
        self.bn = BatchNorm()
        self.scale = Parameter(np.ones(3, np.float32), name="scale")

    def forward(self, x):
        return self.bn(self.fc(x)) * self.scale


class Net(Model):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.blocks = LayerList([Linear(3, in_size=3), Linear(2, in_size=3)])
        self.extra = ParameterList([np.zeros(2, np.float32)])

    def forward(self, x):
        x = self.block(x)
        for layer in self.blocks:
            x = F.relu(layer(x))
        return x + self.extra[0]


def _net():
    np.random.seed(0)
    net = Net()
    net(np.random.randn(5, 4).astype(np.float32))  # size BatchNorm
    return net


# A layer's own parameters come before its children's (block.scale, assigned last), as in PyTorch.
NAMES = ["block.scale", "block.fc.W", "block.fc.b", "block.bn.gamma", "block.bn.beta",
         "blocks.0.W", "blocks.0.b", "blocks.1.W", "blocks.1.b", "extra.0"]


# --- registration and traversal ----------------------------------------------------------------
def test_named_params_own_first_then_children_in_assignment_order():
    net = _net()
    assert [name for name, _ in net.named_params()] == NAMES
    assert [name for name, _ in net.named_parameters()] == NAMES
    assert list(net.params()) == [p for _, p in net.named_params()]
    assert [name for name, _ in net.named_params(prefix="net")][0] == "net.block.scale"


def test_shared_parameter_comes_once():
    class Tied(Layer):
        def __init__(self):
            super().__init__()
            self.enc = Linear(3, in_size=3)
            self.dec = Linear(3, in_size=3)
            self.dec.W = self.enc.W
            self.again = self.enc  # a shared layer

    tied = Tied()
    names = [name for name, _ in tied.named_params()]
    assert names == ["enc.W", "enc.b", "dec.b"]
    assert len(list(tied.params())) == 3
    assert [name for name, _ in tied.named_modules()] == ["", "enc", "dec"]


def test_reassignment_and_deletion_update_the_registry():
    layer = Linear(2, in_size=2)
    layer.b = None
    assert [name for name, _ in layer.named_params()] == ["W"]
    layer.b = Parameter(np.zeros(2, np.float32))
    assert [name for name, _ in layer.named_params()] == ["W", "b"]
    del layer.W
    assert [name for name, _ in layer.named_params()] == ["b"]
    layer.W = Variable(np.zeros((2, 2)))  # a plain Variable is not a parameter (the book)
    assert [name for name, _ in layer.named_params()] == ["b"]


def test_children_and_modules():
    net = _net()
    assert [name for name, _ in net.named_children()] == ["block", "blocks", "extra"]
    assert list(net.children())[0] is net.block
    names = [name for name, _ in net.named_modules()]
    assert names == ["", "block", "block.fc", "block.bn", "blocks", "blocks.0", "blocks.1",
                     "extra"]
    assert list(net.modules())[0] is net
    assert [layer for _, layer in net.named_modules()] == list(net.modules())


def test_buffers():
    net = _net()
    assert [name for name, _ in net.named_buffers()] == ["block.bn.avg_mean", "block.bn.avg_var"]
    assert all(isinstance(b, np.ndarray) for b in net.buffers())
    assert isinstance(net.block.bn.avg_mean, np.ndarray)  # readable as an attribute
    assert list(BatchNorm().named_buffers()) == []  # not sized yet


def test_register_buffer_errors():
    layer = Linear(2, in_size=2)
    with pytest.raises(ValueError, match="already a parameter"):
        layer.register_buffer("W", np.zeros(2))
    with pytest.raises(TypeError, match="must be an array or None"):
        layer.register_buffer("stats", [1, 2])
    with pytest.raises(ValueError, match="identifier"):
        layer.register_buffer("a.b", None)
    layer.register_buffer("stats", None)
    layer.stats = np.ones(2)
    with pytest.raises(TypeError, match="buffer 'stats' holds an array or None"):
        layer.stats = 3


def test_setattr_before_init_is_explained():
    class Forgetful(Layer):
        def __init__(self):
            self.W = Parameter(np.zeros(2))

    with pytest.raises(AttributeError, match=r"call super\(\).__init__\(\) before assigning attribute 'W'"):
        Forgetful()


def test_apply_visits_children_first():
    net = _net()
    visited = []
    assert net.apply(lambda layer: visited.append(type(layer).__name__)) is net
    assert visited[-1] == "Net" and visited.index("Linear") < visited.index("Block")
    assert len(visited) == len(list(net.modules()))


def test_train_and_eval_set_the_flag_on_the_tree():
    net = _net()
    assert net.eval() is net
    assert not any(layer.training for layer in net.modules())
    net.train()
    assert all(layer.training for layer in net.modules())


def test_cleargrads():
    net = _net()
    net(np.ones((2, 4), np.float32)).backward()
    assert all(p.grad is not None for p in net.params())
    net.cleargrads()
    assert all(p.grad is None for p in net.params())


def test_to_cpu_keeps_numpy_and_to_gpu_needs_cupy():
    net = _net()
    assert net.to_cpu() is net
    assert all(isinstance(p.data, np.ndarray) for p in net.params())
    if not cuda.gpu_enable:
        with pytest.raises(RuntimeError, match="CuPy"):
            net.to_gpu()


def test_deepcopy_gives_an_independent_model():
    import copy

    net = _net()
    twin = copy.deepcopy(net)
    assert [n for n, _ in twin.named_params()] == NAMES
    twin.block.fc.W.data += 1
    assert not np.array_equal(twin.block.fc.W.data, net.block.fc.W.data)
    assert twin.blocks[0] is twin.blocks.__dict__["0"]


def test_forward_must_be_written():
    with pytest.raises(NotImplementedError, match="Layer.forward"):
        Layer()(1)


# --- state_dict --------------------------------------------------------------------------------
def test_state_dict_holds_parameters_and_buffers():
    net = _net()
    state = net.state_dict()
    assert list(state) == NAMES + ["block.bn.avg_mean", "block.bn.avg_var"]
    assert state["block.fc.W"] is net.block.fc.W.data
    assert "W" not in Linear(3).state_dict()  # not sized yet: left out


def test_load_state_dict_round_trip():
    source, target = _net(), Net()
    target(np.ones((2, 4), np.float32))
    result = target.load_state_dict(source.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    for (name, a), (_, b) in zip(source.state_dict().items(), target.state_dict().items()):
        np.testing.assert_array_equal(a, b, err_msg=name)
        assert a is not b  # copied, not shared
    x = np.random.randn(3, 4).astype(np.float32)
    source.eval(), target.eval()
    np.testing.assert_array_equal(source(x).data, target(x).data)


def test_load_state_dict_reports_every_problem_and_changes_nothing():
    net = _net()
    before = {k: v.copy() for k, v in net.state_dict().items()}
    state = {k: v + 1 for k, v in net.state_dict().items()}
    del state["block.fc.b"]
    state["block.fc.W"] = np.zeros((5, 3), np.float32)
    state["head.W"] = np.zeros((2, 2), np.float32)
    with pytest.raises(ValueError) as info:
        net.load_state_dict(state)
    message = str(info.value)
    assert "nothing was changed" in message and "3 problem(s)" in message
    assert "'block.fc.W': shape mismatch, expected (4, 3), found (5, 3)" in message
    assert "'block.fc.b': missing, expected shape (3,)" in message
    assert "'head.W': unexpected, found shape (2, 2)" in message
    for key, value in net.state_dict().items():
        np.testing.assert_array_equal(value, before[key], err_msg=key)


def test_load_state_dict_non_strict():
    net = _net()
    state = {"block.fc.b": np.full(3, 7, np.float32), "unknown": np.zeros(1)}
    result = net.load_state_dict(state, strict=False)
    assert result.unexpected_keys == ["unknown"]
    assert "block.fc.W" in result.missing_keys
    np.testing.assert_array_equal(net.block.fc.b.data, np.full(3, 7))
    with pytest.raises(ValueError, match="shape mismatch"):  # shapes are checked even then
        net.load_state_dict({"block.fc.b": np.zeros(4)}, strict=False)


def test_load_state_dict_rejects_non_arrays():
    net = _net()
    state = net.state_dict()
    state["block.fc.b"] = [0.0, 1.0, 2.0]
    with pytest.raises(ValueError, match="'block.fc.b': expected a numeric array, found list"):
        net.load_state_dict(state)


def test_load_state_dict_casts_to_the_parameter_dtype_and_accepts_variables():
    layer = Linear(2, in_size=2)
    layer.load_state_dict({"W": Variable(np.ones((2, 2))), "b": np.zeros(2)})
    assert layer.W.dtype == np.float32
    np.testing.assert_array_equal(layer.W.data, np.ones((2, 2)))


def test_loading_sizes_lazy_parameters():
    source = MLP((5, 2))
    source(np.ones((1, 3), np.float32))
    target = MLP((5, 2))
    assert target.l0.W.data is None
    target.load_state_dict(source.state_dict())
    np.testing.assert_array_equal(target.l0.W.data, source.l0.W.data)
    x = np.random.randn(4, 3).astype(np.float32)
    np.testing.assert_array_equal(target(x).data, source(x).data)


def test_strict_load_into_an_unsized_model_names_the_missing_keys():
    with pytest.raises(ValueError, match="'l0.W': missing, expected shape not sized yet"):
        MLP((5, 2)).load_state_dict({})


# --- weights files -----------------------------------------------------------------------------
def test_save_and_load_weights_with_the_books_keys(tmp_path):
    net = _net()
    path = net.save_weights(tmp_path / "net.npz")
    with np.load(path) as archive:
        assert sorted(archive.files) == sorted(k.replace(".", "/") for k in net.state_dict())
    other = Net()
    other.load_weights(path)  # lazy BatchNorm statistics and parameters are sized from the file
    for key, value in net.state_dict().items():
        np.testing.assert_array_equal(other.state_dict()[key], value, err_msg=key)


def test_save_appends_npz_like_numpy(tmp_path):
    layer = Linear(2, in_size=2)
    assert layer.save_weights(str(tmp_path / "weights")) == str(tmp_path / "weights.npz")
    Linear(2).load_weights(str(tmp_path / "weights"))  # finds weights.npz


def test_load_weights_errors_use_file_keys(tmp_path):
    model = MLP((4, 2))
    model(np.ones((1, 3), np.float32))
    path = model.save_weights(tmp_path / "m.npz")
    wrong = MLP((5, 2))
    wrong(np.ones((1, 3), np.float32))
    with pytest.raises(ValueError, match=r"(?s)load_weights: .*'l0/W': shape mismatch, expected "
                                         r"\(3, 5\), found \(3, 4\)"):
        wrong.load_weights(path)


def test_corrupt_or_truncated_file_changes_nothing(tmp_path):
    net = _net()
    path = net.save_weights(tmp_path / "net.npz")
    before = {k: v.copy() for k, v in net.state_dict().items()}
    data = open(path, "rb").read()
    cases = {"truncated.npz": data[: len(data) // 2], "garbage.npz": b"not a zip file at all",
             "flipped.npz": data[:200] + bytes(b ^ 0xFF for b in data[200:400]) + data[400:]}
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(ValueError, match="not a readable .npz archive"):
            net.load_weights(tmp_path / name)
    for key, value in net.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="load_weights: no such file"):
        Linear(2).load_weights(tmp_path / "absent.npz")


# --- printing and plotting ---------------------------------------------------------------------
def test_repr_prints_the_tree_with_counts():
    text = repr(_net())
    lines = text.splitlines()
    assert lines[0] == "Net()  # 46 params"
    assert "  (block): Block()  # 24 params" in lines
    assert "    (fc): Linear(in_size=4, out_size=3, nobias=False, dtype=float32)  # 15 params" \
        in lines
    assert "    (scale): Parameter(shape=(3,), dtype=float32)" in lines
    assert "    (0): Linear(in_size=3, out_size=3, nobias=False, dtype=float32)  # 12 params" \
        in lines
    assert repr(Linear(3)) == ("Linear(in_size=None, out_size=3, nobias=False, dtype=float32)  "
                               "# 3 params + 1 not sized yet")


def test_extra_repr_of_custom_layer():
    class Custom(Layer):
        def extra_repr(self):
            return "k=1"

    assert repr(Custom()) == "Custom(k=1)  # 0 params"


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_plot_writes_the_graph(tmp_path):
    model = MLP((3, 2))
    target = str(tmp_path / "model.png")
    assert model.plot(np.ones((1, 4), np.float32), to_file=target) == target
    assert os.path.getsize(target) > 0


def test_plot_without_graphviz_is_explained(tmp_path, monkeypatch):
    import zerograd.core.graph

    monkeypatch.setattr(zerograd.core.graph.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="Graphviz"):
        MLP((3, 2)).plot(np.ones((1, 4), np.float32), to_file=str(tmp_path / "m.png"))


# --- one answer to "is this layer training?" -----------------------------------------------------
def test_is_training_needs_both_the_flag_and_config_train():
    from zerograd.nn import test_mode

    net = _net()
    assert all(layer.is_training() for layer in net.modules())
    with test_mode():
        assert not any(layer.is_training() for layer in net.modules())
    net.eval()
    assert not any(layer.is_training() for layer in net.modules())
    net.train()
    assert net.block.bn.is_training()


def test_train_refuses_a_mode_that_is_not_a_bool():
    with pytest.raises(TypeError, match="train: mode must be True or False, got 'eval'"):
        _net().train("eval")


# --- the book's `layers` lists, and names a subclass may assign ----------------------------------
def test_a_subclass_may_assign_any_public_name_of_the_machinery():
    class Shadowing(Model):
        def __init__(self):
            super().__init__()
            self.fc = Linear(2, in_size=3)
            self.layers = [self.fc]  # the book's MLP and Sequential keep such a list
            self.modules, self.params, self.named_params = [1], [2], [3]
            self.children, self.named_buffers, self.state_dict = [4], [5], [6]

        def forward(self, x):
            return self.fc(x)

    model = Shadowing()
    model.eval()
    assert not model.fc.training
    model.train().to_cpu().cleargrads()
    state = Model.state_dict(model)
    assert sorted(state) == ["fc.W", "fc.b"]
    model.load_state_dict(state)
    Model.apply(model, lambda layer: None)
    assert "Linear" in repr(model)


def test_the_books_gan_loop_over_sequential_and_mlp_layers():
    from zerograd.nn.layers import Sequential

    dis = Sequential(Linear(4), F.relu, Linear(1))
    gen = MLP((4, 3))
    names = [type(layer).__name__ for layer in dis.layers + gen.layers]
    assert names == ["Linear", "function", "Linear", "Linear", "Linear"]


# --- bad input to loading, named ------------------------------------------------------------------
def test_load_state_dict_of_a_list_is_a_clear_error():
    net = _net()
    with pytest.raises(TypeError, match="load_state_dict: state must be a dict .* got a list"):
        net.load_state_dict([np.zeros(3)])


def test_random_bytes_never_suggest_loading_with_pickle(tmp_path):
    path = tmp_path / "w.npz"
    path.write_bytes(np.random.default_rng(0).bytes(4096))
    net = _net()
    with pytest.raises(ValueError, match=r"load_weights: .*w\.npz.* is not a readable \.npz") as info:
        net.load_weights(path)
    assert "pickle" not in str(info.value).lower()


def test_a_pickled_member_is_refused_without_the_pickle_hint(tmp_path):
    path = tmp_path / "w.npz"
    np.savez(path, **{"block/fc/W": np.array([{"a": 1}], dtype=object)})
    with pytest.raises(ValueError, match="holds Python objects.* never loads pickled") as info:
        _net().load_weights(path, strict=False)
    assert "allow_pickle" not in str(info.value)


def test_load_weights_never_reads_an_array_nothing_refers_to(tmp_path):
    net = _net()
    path = tmp_path / "w.npz"
    arrays = {key.replace(".", "/"): value for key, value in net.state_dict().items()}
    arrays["unused"] = np.zeros((100, 1000, 1000), np.uint8)  # 100 MB, deflates to ~100 kB
    np.savez_compressed(path, **arrays)
    assert os.path.getsize(path) < 1_000_000
    with traced_memory() as memory:
        assert net.load_weights(path, strict=False).unexpected_keys == ["unused"]
    assert memory.peak < 5_000_000


def test_parameters_and_child_layers_are_registered_apart():
    net = _net()
    assert set(net.block._params) == {"scale"} and list(net.block._children) == ["fc", "bn"]
    net.block.fc = None  # reassigning a child to a plain value unregisters it
    assert list(net.block._children) == ["bn"] and "fc" not in dict(net.block.named_children())
