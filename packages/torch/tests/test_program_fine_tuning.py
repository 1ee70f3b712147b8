"""An ordinary PyTorch program, run twice with only its ``torch`` changed: real PyTorch and
zerograd.torch. It fine-tunes a small network with its feature extractor frozen, checkpoints
model and optimizer through torch.save, resumes into fresh objects and trains on. Everything it
returns must agree, and the resumed run must equal one that never stopped."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import zerograd.torch as ztorch
from zerograd.core.testing import torch_or_skip


def fine_tune(torch, initial, data, path, stop_after=None, saved=None):
    """The user's program: every name it uses comes from ``torch``. The checkpoint goes to
    ``path`` through torch.save, or when ``saved`` (a dict) is given, into it as deep copies
    (the in-memory "best model" idiom)."""
    nn, F = torch.nn, torch.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU())
            self.head = nn.Linear(8, 3)

        def forward(self, x):
            return self.head(self.features(x))

    def build():
        model = Net()
        model.load_state_dict({k: torch.tensor(v) for k, v in initial.items()})
        model.features.requires_grad_(False)  # fine-tune the head only
        trainable = [p for p in model.parameters() if p.requires_grad]
        return model, torch.optim.SGD(trainable, lr=0.1, momentum=0.9)

    model, optimizer = build()
    start = 0
    if stop_after is None:  # resume from the checkpoint the first run left
        checkpoint = torch.load(path) if saved is None else saved
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        start = checkpoint["step"]
    losses = []
    for step in range(start, len(data) if stop_after is None else stop_after):
        x, y = data[step]
        model.train()
        loss = F.cross_entropy(model(torch.tensor(x)), torch.tensor(y))
        optimizer.zero_grad()
        loss.backward()
        assert all(p.grad is None for p in model.features.parameters())
        optimizer.step()
        losses.append(loss.item())
    if stop_after is not None:
        checkpoint = {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                      "step": stop_after}
        if saved is None:
            torch.save(checkpoint, path)
        else:
            saved.update(copy.deepcopy(checkpoint))
    model.eval()
    with torch.no_grad():
        scores = model(torch.tensor(data[0][0]))
    state = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    return losses, scores.numpy().copy(), state


def _inputs():
    """Initial weights (PyTorch's keys and shapes) and five batches, drawn by NumPy."""
    rng = np.random.default_rng(7)
    shapes = {"features.0.weight": (8, 4), "features.0.bias": (8,), "features.1.weight": (8,),
              "features.1.bias": (8,), "head.weight": (3, 8), "head.bias": (3,)}
    initial = {k: (rng.standard_normal(s) * 0.5).astype(np.float32) for k, s in shapes.items()}
    initial.update({"features.1.running_mean": np.zeros(8, np.float32),
                    "features.1.running_var": np.ones(8, np.float32),
                    "features.1.num_batches_tracked": np.array(0, np.int64)})
    data = [(rng.standard_normal((6, 4)).astype(np.float32), rng.integers(0, 3, 6))
            for _ in range(5)]
    return initial, data




@pytest.mark.parametrize("checkpoint", ["deepcopy", "torch.save"])
def test_fine_tuning_with_frozen_layers_and_resume_matches_pytorch(checkpoint, tmp_path):
    torch = torch_or_skip()
    initial, data = _inputs()
    results = {}
    for name, lib in (("torch", torch), ("zerograd", ztorch)):
        path = str(tmp_path / f"{name}.pt")
        saved = {} if checkpoint == "deepcopy" else None
        first = fine_tune(lib, initial, data, path, stop_after=2, saved=saved)
        resumed = fine_tune(lib, initial, data, path, saved=saved)
        results[name] = (first, resumed)
    (first_t, resumed_t), (first_z, resumed_z) = results["torch"], results["zerograd"]
    np.testing.assert_allclose(first_z[0] + resumed_z[0], first_t[0] + resumed_t[0], rtol=1e-4)
    np.testing.assert_allclose(resumed_z[1], resumed_t[1], rtol=1e-4, atol=1e-5)
    for key, value in resumed_t[2].items():
        np.testing.assert_allclose(resumed_z[2][key], value, rtol=1e-4, atol=1e-5, err_msg=key)
    # the frozen features kept their weights; BatchNorm still counted its batches
    np.testing.assert_array_equal(resumed_z[2]["features.0.weight"], initial["features.0.weight"])
    assert resumed_z[2]["features.1.num_batches_tracked"] == len(data)


def test_the_resumed_run_equals_one_that_never_stopped(tmp_path):
    initial, data = _inputs()
    straight = fine_tune(ztorch, initial, data, "", stop_after=len(data), saved={})
    saved = {}
    fine_tune(ztorch, initial, data, "", stop_after=2, saved=saved)
    resumed = fine_tune(ztorch, initial, data, "", saved=saved)
    for key, value in straight[2].items():
        np.testing.assert_allclose(resumed[2][key], value, rtol=1e-6, err_msg=key)
