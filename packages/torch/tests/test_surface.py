"""The surface PyTorch's readers use: tensor creation, Tensor methods (chains stay Tensors),
in-place updates under no_grad, Module's API with the intermediate article's patterns
(module vs functional, apply for init, modules() vs children(), per-layer learning rates,
schedulers), optimizers' step/zero_grad, and clear errors for what is not there."""

from __future__ import annotations

import numpy as np
import pytest

import zerograd.torch as torch
import zerograd.torch.nn.functional as F
from zerograd.core import Variable
from zerograd.core.testing import torch_or_skip
from zerograd.torch import nn, optim
from zerograd.torch.optim.lr_scheduler import OneCycleLR, StepLR


# --- tensors ------------------------------------------------------------------------------------
def test_creation_follows_pytorch_dtypes_and_requires_grad():
    assert torch.tensor([1.5, 2.0]).dtype == torch.float32
    assert torch.tensor([1, 2]).dtype == torch.int64
    assert torch.tensor(np.zeros(2)).dtype == torch.float64  # an array keeps its dtype
    assert torch.zeros(2, 3).shape == (2, 3) and torch.ones((2, 3)).shape == (2, 3)
    assert not torch.randn(3).requires_grad and torch.zeros(2, requires_grad=True).requires_grad
    assert torch.arange(5).dtype == torch.int64 and torch.arange(0, 1, 0.25).tolist() == [0, .25, .5, .75]
    assert torch.full((2,), 7).dtype == torch.int64 and torch.linspace(0, 1, 3).tolist() == [0, .5, 1]
    assert torch.randint(0, 3, (10,)).dtype == torch.int64
    array = np.arange(3.0)
    shared = torch.from_numpy(array)
    array[0] = 9
    assert shared[0].item() == 9.0


def test_manual_seed_repeats_random_tensors():
    torch.manual_seed(3)
    first = torch.randn(4).tolist()
    torch.manual_seed(3)
    assert torch.randn(4).tolist() == first


def test_methods_chain_and_return_tensors():
    x = torch.arange(24).float().view(2, 3, 4)
    assert isinstance(x, torch.Tensor) and x.dim() == 3 and x.numel() == 24
    assert x.size() == (2, 3, 4) and x.size(1) == 3 and x.size(-1) == 4
    chained = x.view(6, 4).t().exp().log().sum(1, keepdim=True)
    assert isinstance(chained, torch.Tensor) and chained.shape == (4, 1)
    assert x.flatten(1).shape == (2, 12) and x.unsqueeze(0).shape == (1, 2, 3, 4)
    assert x.unsqueeze(-1).shape == (2, 3, 4, 1) and x[:, :1].squeeze(1).shape == (2, 4)
    assert x.transpose(0, 2).shape == (4, 3, 2) and x.permute(2, 0, 1).shape == (4, 2, 3)
    values, indices = x.max(dim=2)
    assert values.tolist() == [[3, 7, 11], [15, 19, 23]] and indices.dtype == torch.int64
    assert x.argmax(dim=1).tolist() == [[2] * 4] * 2
    assert x.max().item() == 23 and x.mean().item() == 11.5 and x.min(0).values.shape == (3, 4)
    assert (x.sqrt() ** 2).sum().item() == pytest.approx(x.sum().item(), rel=1e-5)
    assert x.long().dtype == torch.int64 and x.detach().requires_grad is False
    m = torch.ones(2, 3) @ torch.ones(3, 4)
    assert isinstance(m, torch.Tensor) and m.T.shape == (4, 2)
    assert isinstance(2 * m - 1, torch.Tensor) and isinstance(-m, torch.Tensor)
    assert (m == 3).float().mean().item() == 1.0


def test_backward_grad_and_in_place_updates():
    w = torch.ones(3, requires_grad=True)
    loss = (w * torch.tensor([1.0, 2.0, 3.0])).sum()
    loss.backward()
    assert isinstance(w.grad, torch.Tensor) and w.grad.tolist() == [1, 2, 3]
    same = w
    with torch.no_grad():
        w -= w.grad * 0.5
        w.grad.zero_()
    assert w is same and w.tolist() == [0.5, 0.0, -0.5] and w.grad.tolist() == [0, 0, 0]
    assert w.requires_grad and w.is_leaf
    y = w * 1
    y += 1  # while a graph is recorded: a new tensor, as in the book
    assert y is not w and y.creator is not None


def test_numpy_refuses_a_tensor_that_requires_grad():
    w = torch.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"tensor.detach\(\).numpy\(\)"):
        w.numpy()
    assert w.detach().numpy().tolist() == [1, 1]


def test_tensors_mix_with_native_variables():
    native = Variable(np.ones(2, np.float32))
    assert type(torch.ones(2) + native) is Variable  # a plain Variable stays plain


def test_missing_names_are_named():
    with pytest.raises(AttributeError, match="zerograd.torch has no 'fft'"):
        torch.fft  # noqa: B018
    with pytest.raises(AttributeError, match="zerograd.torch.nn has no 'AdaptiveLogSoftmaxWithLoss'"):
        nn.AdaptiveLogSoftmaxWithLoss  # noqa: B018


# --- modules: the intermediate article ----------------------------------------------------------
class ModuleStyle(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, kernel_size=3, padding=1)
        self.relu = nn.ReLU()
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(4 * 4 * 4, 3)

    def forward(self, x):
        x = self.pool(self.relu(self.conv(x)))
        return self.fc(x.view(x.size(0), -1))


class FunctionalStyle(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, kernel_size=3, padding=1)
        self.fc = nn.Linear(4 * 4 * 4, 3)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv(x)), 2)
        return self.fc(x.view(x.size(0), -1))


def test_module_and_functional_styles_agree():
    x = torch.randn(2, 1, 8, 8)
    a, b = ModuleStyle(), FunctionalStyle()
    b.load_state_dict(a.state_dict())
    assert np.allclose(a(x).detach().numpy(), b(x).detach().numpy())
    assert [name for name, _ in a.named_children()] == ["conv", "relu", "pool", "fc"]
    assert len(list(a.modules())) == 5 and len(list(a.children())) == 4
    assert [name for name, _ in a.named_modules()][:2] == ["", "conv"]
    assert [name for name, _ in a.named_parameters()] == ["conv.weight", "conv.bias", "fc.weight",
                                                         "fc.bias"]
    assert a.fc.weight.shape == (3, 64)  # PyTorch's (out, in)


def test_apply_initialises_layers_in_place():
    def init_weights(m):
        if type(m) == nn.Linear:  # noqa: E721  (the article's spelling)
            torch.nn.init.xavier_uniform_(m.weight)
            torch.nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    net = ModuleStyle()
    net.apply(init_weights)
    bound = np.sqrt(6 / (64 + 3))
    assert np.abs(net.fc.weight.detach().numpy()).max() <= bound and not net.fc.bias.detach().numpy().any()


def test_parameters_and_containers():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])
            self.heads = nn.ModuleDict({"a": nn.Linear(4, 1), "b": nn.Linear(4, 2)})
            self.scales = nn.ParameterList([nn.Parameter(torch.ones(4)) for _ in range(2)])
            self.offsets = nn.ParameterDict({"x": nn.Parameter(torch.zeros(4))})
            self.register_buffer("steps", torch.zeros(1))

        def forward(self, x):
            for layer, scale in zip(self.layers, self.scales):
                x = layer(x) * scale
            return self.heads["b"](x + self.offsets["x"])

    net = Net()
    assert net(torch.randn(5, 4)).shape == (5, 2)
    keys = list(net.state_dict())
    # PyTorch's order: a module's own parameters and buffers, then each child's
    assert keys[:3] == ["steps", "layers.0.weight", "layers.0.bias"] and "heads.b.bias" in keys
    assert "scales.1" in keys and keys[-1] == "offsets.x"
    assert len(list(net.parameters())) == 6 + 4 + 2 + 1


def test_list_containers_slice_to_their_type_and_check_what_is_stored():
    layers = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 3)])
    assert type(layers[1:]) is nn.ModuleList and layers[1:][0] is layers[1]
    with pytest.raises(TypeError, match="ModuleList: entries must be Modules, got int"):
        layers[0] = 3
    scales = nn.ParameterList([torch.ones(2), torch.ones(3)])
    scales[0] = np.zeros(4)  # wrapped in a Parameter, as append does, and still registered
    assert [p.shape for p in scales] == [(4,), (3,)] and list(scales.state_dict()) == ["0", "1"]
    assert all(isinstance(p, nn.Parameter) for p in scales[:1])


def test_same_state_dict_keys_and_shapes_as_pytorch():
    real = torch_or_skip()

    def build(lib):
        nn = lib.nn
        return nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.Flatten(),
                             nn.Linear(8, 4), nn.LayerNorm(4), nn.Embedding(5, 4),
                             nn.LSTM(4, 6, num_layers=2), nn.GRU(6, 3, batch_first=True))

    theirs = {k: tuple(v.shape) for k, v in build(real).state_dict().items()}
    ours = {k: tuple(v.shape) for k, v in build(torch).state_dict().items()}
    assert list(ours.items()) == list(theirs.items())


def test_linear_weight_stays_column_major_after_loading():
    model = nn.Linear(3, 2)
    assert model.weight.shape == (2, 3) and model.weight.detach().numpy().flags["F_CONTIGUOUS"]
    model.load_state_dict({"weight": np.arange(6.0).reshape(2, 3), "bias": np.zeros(2)})
    assert model.weight.detach().numpy().flags["F_CONTIGUOUS"] and model.weight.dtype == np.float32
    assert model(torch.ones(1, 3)).tolist() == [[3.0, 12.0]]


def test_load_state_dict_strict_names_the_problem():
    model = nn.Linear(3, 2)
    with pytest.raises(ValueError, match="weight"):
        model.load_state_dict({"weight": np.zeros((3, 2)), "bias": np.zeros(2)})
    result = model.load_state_dict({"weight": np.zeros((2, 3))}, strict=False)
    assert result.missing_keys == ["bias"]


def test_train_eval_and_dropout():
    model = nn.Sequential(nn.Dropout(0.5))
    x = torch.ones(1000)
    assert (model(x).detach().numpy() == 0).mean() > 0.3
    model.eval()
    assert model(x).tolist() == x.tolist() and not model[0].training


def test_per_layer_learning_rates_and_scheduler():
    model = ModuleStyle()
    optimizer = optim.SGD([{"params": model.conv.parameters()},
                           {"params": model.fc.parameters(), "lr": 1e-3}], lr=1e-2, momentum=0.9)
    scheduler = StepLR(optimizer, step_size=2, gamma=0.1)
    lrs = []
    for _ in range(4):
        loss = F.cross_entropy(model(torch.randn(2, 1, 8, 8)), torch.tensor([0, 2]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        lrs.append([group["lr"] for group in optimizer.param_groups])
    assert np.allclose(lrs, [[1e-2, 1e-3], [1e-3, 1e-4], [1e-3, 1e-4], [1e-4, 1e-5]])
    assert all(p.grad is not None for p in model.parameters())
    optimizer.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_one_cycle_matches_pytorch_schedule():
    real = torch_or_skip()
    sequences = []
    for lib in (real, torch):
        optimizer = lib.optim.SGD([lib.nn.Parameter(lib.zeros(1))], lr=0.1, momentum=0.9)
        scheduler = lib.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=1.0, total_steps=20)
        values = []
        for _ in range(20):
            values.append((optimizer.param_groups[0]["lr"], optimizer.param_groups[0]["momentum"]))
            optimizer.step()
            scheduler.step()
        sequences.append(values)
    np.testing.assert_allclose(sequences[1], sequences[0], rtol=1e-6)
    assert OneCycleLR is torch.optim.lr_scheduler.OneCycleLR


def test_unsupported_arguments_say_so():
    with pytest.raises(RuntimeError, match="Adam: capturable=True needs the parameters on a GPU"):
        optim.Adam(nn.Linear(2, 2).parameters(), capturable=True).step()


def test_device_mapping_on_the_cpu():
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    x = torch.ones(2).to(dev)
    assert x.device == dev and str(torch.device("cuda:0")) == "cuda:0"
    model = nn.Linear(2, 2).to(torch.device("cpu"))
    assert model(x.cpu()).shape == (2,)
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA is not available"):
            model.cuda()


def test_optimizer_work_buffers_follow_the_column_major_weights():
    # Adam's out= arithmetic into a row-major buffer beside column-major Linear weights took 5x
    # as long: the buffer must have the weight's memory order.
    layer = nn.Linear(30, 20)
    optimizer = optim.Adam(layer.parameters())
    weight = layer.weight.detach().numpy()
    assert optimizer._scratch(weight).strides == weight.strides
    assert optimizer._scratch(layer.bias.detach().numpy()).shape == (20,)
    before = weight.copy()
    F.mse_loss(layer(torch.randn(4, 30)), torch.zeros(4, 20)).backward()
    optimizer.step()
    step = np.abs(layer.weight.detach().numpy() - before).max()
    assert step == pytest.approx(1e-3, rel=1e-3)  # Adam's first step


def test_gradients_through_mixed_leaf_and_intermediate_paths():
    # Add's backward hands one gradient object to both inputs: a leaf (whose grad becomes a
    # Tensor) and an intermediate result still in the backward pass (whose grad must not).
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    w = x * 3
    y = (w + x).exp().log()
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * 4 * np.array([1.0, 2.0]) * 4, rtol=1e-6)


def test_dataloader_collates_a_custom_dataset():
    class Squares(torch.utils.data.Dataset):
        def __len__(self):
            return 10

        def __getitem__(self, i):
            return torch.tensor([float(i)]), i * i

    loader = torch.utils.data.DataLoader(Squares(), batch_size=4, shuffle=True)
    batches = list(loader)
    assert [len(y) for _, y in batches] == [4, 4, 2] and len(loader) == 3
    x, y = batches[0]
    assert isinstance(x, torch.Tensor) and x.shape == (4, 1) and y.dtype == torch.int64
    assert sorted(int(v) for _, ys in batches for v in ys.tolist()) == [i * i for i in range(10)]
    np.testing.assert_array_equal(x.numpy()[:, 0] ** 2, y.numpy())


def test_bad_creation_arguments_are_named():
    with pytest.raises(TypeError, match="from_numpy: expected a numpy.ndarray, got list"):
        torch.from_numpy([1, 2])
    with pytest.raises(TypeError, match="randint: missing the required argument 'size'"):
        torch.randint(5)
    with pytest.raises(ValueError, match="device: expected 'cpu' or 'cuda', got 'tpu'"):
        torch.device("tpu")
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        torch.ones(2, requires_grad=True).exp().backward()


def test_no_grad_as_a_decorator():
    @torch.no_grad()
    def doubled(x):
        return x * 2

    x = torch.ones(2, requires_grad=True)
    assert not doubled(x).requires_grad and not doubled(x).requires_grad
    assert (x * 2).requires_grad


def test_zerograd_variable_is_left_alone():
    for name in ("view", "dim", "numel", "unsqueeze", "zero_", "numpy", "long"):
        assert not hasattr(Variable, name), name
    assert type(Variable(np.ones(2)) * 2) is Variable
