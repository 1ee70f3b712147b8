"""Weights cross both ways: PyTorch's state dicts load into zerograd.torch models (safetensors or
torch.load) and back into PyTorch; the converter hands a native (book-layout) zerograd model to
PyTorch and back."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

import zerograd.torch as ztorch
from zerograd.core.testing import torch_or_skip
from zerograd.nn.models import MLP
from zerograd.torch.convert import load_torch_state_dict, to_torch_state_dict

safetensors = pytest.importorskip("safetensors", reason="safetensors is an optional extra")


def small_cnn(lib):
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 4 * 4, 3))


def outputs(lib, model, x):
    model.eval()
    with lib.no_grad():
        return model(lib.tensor(x)).numpy()


X = np.random.default_rng(1).standard_normal((2, 1, 8, 8)).astype(np.float32)


def test_pytorch_safetensors_load_into_zerograd_torch(tmp_path):
    torch = torch_or_skip()
    from safetensors.numpy import load_file
    from safetensors.torch import save_file
    reference = small_cnn(torch)
    reference.train()(torch.tensor(X))  # move the running statistics away from their start
    save_file(reference.state_dict(), tmp_path / "model.safetensors")

    by_safetensors, by_load = small_cnn(ztorch), small_cnn(ztorch)
    by_safetensors.load_state_dict(load_file(tmp_path / "model.safetensors"))
    by_load.load_state_dict(ztorch.load(tmp_path / "model.safetensors"))
    expected = outputs(torch, reference, X)
    np.testing.assert_allclose(outputs(ztorch, by_safetensors, X), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(outputs(ztorch, by_load, X), expected, rtol=1e-5, atol=1e-6)


def test_zerograd_torch_weights_load_into_pytorch(tmp_path):
    torch = torch_or_skip()
    from safetensors.torch import load_file
    ours = small_cnn(ztorch)
    ours.train()(ztorch.tensor(X))
    ztorch.save(ours.state_dict(), tmp_path / "ours.safetensors")
    reference = small_cnn(torch)
    reference.load_state_dict(load_file(tmp_path / "ours.safetensors"))
    np.testing.assert_allclose(outputs(torch, reference, X), outputs(ztorch, ours, X),
                               rtol=1e-5, atol=1e-6)
    assert list(ours.state_dict()) == list(reference.state_dict())


def test_checkpoint_of_model_and_optimizer_resumes_exactly(tmp_path):
    def make():
        model = ztorch.nn.Linear(3, 2)
        return model, ztorch.optim.Adam(model.parameters(), lr=0.1)

    def train_step(model, optimizer, x):
        loss = (model(ztorch.tensor(x)) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    xs = np.random.default_rng(0).standard_normal((4, 5, 3)).astype(np.float32)
    model, optimizer = make()
    for x in xs[:2]:
        loss = train_step(model, optimizer, x)
    path = tmp_path / "checkpoint.pt"
    ztorch.save({"epoch": 2, "model_state_dict": model.state_dict(),
                 "optimizer_state_dict": optimizer.state_dict(), "loss": loss}, path)
    assert "archive/data.pkl" in zipfile.ZipFile(path).namelist()  # PyTorch's own format
    continuing = [train_step(model, optimizer, x).item() for x in xs[2:]]

    resumed, resumed_optimizer = make()
    checkpoint = ztorch.load(path)
    resumed.load_state_dict(checkpoint["model_state_dict"])
    resumed_optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    assert checkpoint["epoch"] == 2 and checkpoint["loss"].item() == pytest.approx(loss.item())
    assert [train_step(resumed, resumed_optimizer, x).item() for x in xs[2:]] == continuing


def test_a_safetensors_file_holds_a_flat_dict_and_an_empty_zip_loads_empty(tmp_path):
    with pytest.raises(TypeError, match="'nested' is a dict, not a tensor"):
        ztorch.save({"nested": {"w": ztorch.ones(2)}}, tmp_path / "w.safetensors")
    with zipfile.ZipFile(tmp_path / "empty.pt", "w"):
        pass
    assert ztorch.load(tmp_path / "empty.pt") == {}


class TorchMLP:
    """The PyTorch model a native ``MLP((16, 3))`` corresponds to: its layers named l0, l1."""

    @staticmethod
    def build(torch):
        class Net(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.l0 = torch.nn.Linear(4, 16)
                self.l1 = torch.nn.Linear(16, 3)

            def forward(self, x):
                return self.l1(torch.sigmoid(self.l0(x)))

        return Net()


def test_native_model_to_pytorch_and_back():
    torch = torch_or_skip()
    x = np.random.default_rng(2).standard_normal((5, 4)).astype(np.float32)
    native = MLP((16, 3))
    expected = native(x).data
    reference = TorchMLP.build(torch)
    reference.load_state_dict({k: torch.from_numpy(v) for k, v in to_torch_state_dict(native).items()})
    np.testing.assert_allclose(reference(torch.tensor(x)).detach().numpy(), expected, rtol=1e-5,
                               atol=1e-6)

    trained_elsewhere = TorchMLP.build(torch)
    back = MLP((16, 3))
    load_torch_state_dict(back, trained_elsewhere.state_dict())
    np.testing.assert_allclose(back(x).data, trained_elsewhere(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


def test_native_layout_round_trip_without_pytorch():
    x = np.random.default_rng(3).standard_normal((2, 4)).astype(np.float32)
    native = MLP((5, 2))
    native(x)
    state = to_torch_state_dict(native)
    assert state["l0.weight"].shape == (5, 4) and state["l0.bias"].shape == (5,)
    copy = MLP((5, 2))
    load_torch_state_dict(copy, state)
    np.testing.assert_array_equal(copy(x).data, native(x).data)
    with pytest.raises(ValueError, match=r"unexpected keys for MLP: \['l9.weight'\]"):
        load_torch_state_dict(MLP((5, 2)), {**state, "l9.weight": np.zeros(1)})


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_native_recurrent_layers_to_pytorch_and_back(kind):
    torch = torch_or_skip()
    from zerograd.nn import Model
    from zerograd.nn.layers import Linear
    from zerograd.text import layers as text_layers

    class Reader(Model):  # the book's style: one step per call
        def __init__(self):
            super().__init__()
            self.rnn = getattr(text_layers, kind)(5, in_size=3)
            self.fc = Linear(2, in_size=5)

        def forward(self, xs):
            self.rnn.reset_state()
            for x in xs:
                h = self.rnn(x)
            return self.fc(h)

    class TorchReader(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = getattr(torch.nn, kind)(3, 5)
            self.fc = torch.nn.Linear(5, 2)

        def forward(self, xs):
            return self.fc(self.rnn(xs)[0][-1])

    xs = np.random.default_rng(4).standard_normal((4, 2, 3)).astype(np.float32)
    native = Reader()
    expected = native(xs).data
    reference = TorchReader()
    reference.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v))
                               for k, v in to_torch_state_dict(native).items()})
    np.testing.assert_allclose(reference(torch.tensor(xs)).detach().numpy(), expected, rtol=1e-5,
                               atol=1e-6)
    back = Reader()
    trained_elsewhere = TorchReader()
    load_torch_state_dict(back, trained_elsewhere.state_dict())
    np.testing.assert_allclose(back(xs).data, trained_elsewhere(torch.tensor(xs)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_sequence_layers_map_to_pytorchs_keys_both_ways(kind):
    from zerograd.text import SequenceGRU, SequenceLSTM
    native_class = {"LSTM": SequenceLSTM, "GRU": SequenceGRU}[kind]
    native = native_class(4, in_size=3, num_layers=2, bidirectional=True)
    state = to_torch_state_dict(native)
    gates = 4 if kind == "LSTM" else 3
    assert state["weight_ih_l1_reverse"].shape == (gates * 4, 8)
    assert {"weight_hh_l0", "bias_ih_l0", "bias_hh_l1_reverse"} <= state.keys()
    assert not any(key.startswith(("W_", "b_")) for key in state)

    torch = torch_or_skip()
    xs = np.random.default_rng(5).standard_normal((6, 2, 3)).astype(np.float32)
    reference = getattr(torch.nn, kind)(3, 4, num_layers=2, bidirectional=True)
    reference.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state.items()})
    np.testing.assert_allclose(reference(torch.tensor(xs))[0].detach().numpy(), native(xs)[0].data,
                               rtol=1e-5, atol=1e-6)
    back = native_class(4, in_size=3, num_layers=2, bidirectional=True)
    trained_elsewhere = getattr(torch.nn, kind)(3, 4, num_layers=2, bidirectional=True)
    load_torch_state_dict(back, trained_elsewhere.state_dict())
    np.testing.assert_allclose(back(xs)[0].data, trained_elsewhere(torch.tensor(xs))[0].detach().numpy(),
                               rtol=1e-5, atol=1e-6)
