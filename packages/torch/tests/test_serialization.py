"""torch.save / torch.load: PyTorch's zip format both ways, round trips of what PyTorch round-trips
(0-d tensors included), and a weights-only unpickler that refuses every global it does not know."""

from __future__ import annotations

import collections
import io
import pickle
import zipfile

import numpy as np
import pytest

import zerograd.torch as ztorch
from zerograd.core.testing import torch_or_skip


def assert_same(loaded, saved):
    """Tensors equal in values, dtype and shape; containers equal in type and contents."""
    if isinstance(saved, ztorch.Tensor):
        assert isinstance(loaded, ztorch.Tensor)
        assert loaded.shape == saved.shape and loaded.dtype == saved.dtype
        np.testing.assert_array_equal(loaded.numpy(), saved.numpy())
    elif isinstance(saved, dict):
        assert type(loaded) is type(saved) and list(loaded) == list(saved)
        for key in saved:
            assert_same(loaded[key], saved[key])
    elif isinstance(saved, (list, tuple)):
        assert type(loaded) is type(saved) and len(loaded) == len(saved)
        for a, b in zip(loaded, saved):
            assert_same(a, b)
    else:
        assert loaded == saved and type(loaded) is type(saved)


def every_kind():
    rng = np.random.default_rng(0)
    return {
        "scalar": ztorch.tensor(2.5), "count": ztorch.tensor(7),
        "ranks": [ztorch.tensor(rng.standard_normal((2,) * n).astype(np.float32)) for n in range(1, 5)],
        "dtypes": {str(d): ztorch.tensor(np.arange(3).astype(d))
                   for d in (np.float64, np.float16, np.int32, np.int8, np.uint8, np.bool_)},
        "empty": ztorch.zeros(0, 3),
        "nested": ({"a": [1, 2.5, "text", None, True]}, (3,)), 7: "an int key",
        "ordered": collections.OrderedDict(b=ztorch.ones(2), a=1),
    }


def test_round_trip_of_what_pytorch_round_trips(tmp_path):
    saved = every_kind()
    ztorch.save(saved, tmp_path / "all.pt")
    assert_same(ztorch.load(tmp_path / "all.pt"), saved)


def test_a_batchnorm_model_reloads_its_own_state_dict(tmp_path):
    model = ztorch.nn.Sequential(ztorch.nn.Linear(3, 4), ztorch.nn.BatchNorm1d(4))
    model(ztorch.randn(5, 3))
    ztorch.save(model.state_dict(), tmp_path / "bn.pt")
    state = ztorch.load(tmp_path / "bn.pt")
    assert state["1.num_batches_tracked"].shape == ()
    fresh = ztorch.nn.Sequential(ztorch.nn.Linear(3, 4), ztorch.nn.BatchNorm1d(4))
    fresh.load_state_dict(state)
    assert_same(dict(fresh.state_dict()), dict(model.state_dict()))


def test_optimizer_and_scheduler_state_round_trip(tmp_path):
    def make():
        model = ztorch.nn.Linear(3, 2)
        optimizer = ztorch.optim.Adam(model.parameters(), lr=0.1)
        return model, optimizer, ztorch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)

    def step(model, optimizer, scheduler, x):
        loss = (model(ztorch.tensor(x)) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        return loss.item()

    xs = np.random.default_rng(0).standard_normal((5, 4, 3)).astype(np.float32)
    parts = make()
    for x in xs[:3]:
        step(*parts, x)
    ztorch.save({"model": parts[0].state_dict(), "optimizer": parts[1].state_dict(),
                 "scheduler": parts[2].state_dict()}, tmp_path / "run.pt")
    continuing = [step(*parts, x) for x in xs[3:]]
    resumed = make()
    checkpoint = ztorch.load(tmp_path / "run.pt")
    for part, name in zip(resumed, ("model", "optimizer", "scheduler")):
        part.load_state_dict(checkpoint[name])
    assert [step(*resumed, x) for x in xs[3:]] == continuing


def test_pytorch_reads_what_zerograd_writes(tmp_path):
    torch = torch_or_skip()
    saved = every_kind()
    saved["parameter"] = ztorch.nn.Parameter(ztorch.ones(2, 2))
    ztorch.save(saved, tmp_path / "ours.pt")
    loaded = torch.load(tmp_path / "ours.pt", weights_only=True)
    assert loaded["scalar"].shape == () and loaded["scalar"].dtype == torch.float32
    assert loaded["count"].dtype == torch.int64 and loaded["count"].item() == 7
    for ours, theirs in zip(saved["ranks"], loaded["ranks"]):
        np.testing.assert_array_equal(theirs.numpy(), ours.numpy())
    for name, tensor in saved["dtypes"].items():
        np.testing.assert_array_equal(loaded["dtypes"][name].numpy(), tensor.numpy())
    assert loaded["nested"] == ({"a": [1, 2.5, "text", None, True]}, (3,)) and loaded[7] == "an int key"
    assert isinstance(loaded["parameter"], torch.nn.Parameter) and loaded["parameter"].requires_grad
    assert tuple(loaded["empty"].shape) == (0, 3)
    mapped = torch.load(tmp_path / "ours.pt", weights_only=True, mmap=True)  # storages aligned
    np.testing.assert_array_equal(mapped["ranks"][3].numpy(), saved["ranks"][3].numpy())


def test_zerograd_reads_what_pytorch_writes(tmp_path):
    torch = torch_or_skip()
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    model(torch.randn(5, 3))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(torch.randn(5, 3)).sum().backward()
    optimizer.step()
    base = torch.arange(12.0).reshape(3, 4)
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 3,
                "view": base.t()[1:], "base": base, "size": torch.Size([2, 3]),
                "parameter": torch.nn.Parameter(torch.ones(2)), "half": torch.ones(2).half(),
                "scalar": torch.tensor(1.5, dtype=torch.float64)}, tmp_path / "theirs.pt")
    loaded = ztorch.load(tmp_path / "theirs.pt")
    np.testing.assert_array_equal(loaded["view"].numpy(), base.t()[1:].numpy())
    assert loaded["size"] == (2, 3) and loaded["epoch"] == 3
    assert isinstance(loaded["parameter"], ztorch.nn.Parameter)
    assert loaded["half"].dtype == np.float16 and loaded["scalar"].shape == ()
    assert loaded["optimizer"]["param_groups"][0]["momentum"] == 0.9
    ours = ztorch.nn.Sequential(ztorch.nn.Linear(3, 4), ztorch.nn.BatchNorm1d(4))
    ours.load_state_dict(loaded["model"])
    for name, tensor in model.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[name].numpy(), tensor.numpy())


def write_pickle(path, payload):
    """A zip in PyTorch's layout whose data.pkl is ``payload``."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", payload)
        archive.writestr("archive/version", "3\n")


class RunsCode:
    def __init__(self, function, argument):
        self.function, self.argument = function, argument

    def __reduce__(self):
        return self.function, (self.argument,)


@pytest.mark.parametrize("function, refused", [
    ("os.system", r"the global (posix|nt|os)\.system"), ("builtins.eval", r"the global builtins\.eval"),
    ("builtins.exec", r"the global builtins\.exec"), ("subprocess.call", r"subprocess\.call")])
def test_a_pickle_that_would_run_code_is_refused_and_runs_nothing(tmp_path, function, refused):
    import builtins
    import os
    import subprocess
    module, name = function.split(".")
    target = getattr({"os": os, "builtins": builtins, "subprocess": subprocess}[module], name)
    marker = tmp_path / "ran"
    code = {"os.system": f"touch {marker}", "builtins.eval": f"open({str(marker)!r}, 'w')",
            "builtins.exec": f"open({str(marker)!r}, 'w')", "subprocess.call": ["touch", str(marker)]}
    write_pickle(tmp_path / "evil.pt", pickle.dumps({"w": RunsCode(target, code[function])}, 2))
    with pytest.raises(pickle.UnpicklingError, match=refused):
        ztorch.load(tmp_path / "evil.pt")
    assert not marker.exists()


def test_a_handwritten_global_opcode_is_refused(tmp_path):
    write_pickle(tmp_path / "evil.pt", b"\x80\x02cposix\nsystem\nX\x04\x00\x00\x00trueR.")
    with pytest.raises(pickle.UnpicklingError, match=r"posix\.system, which weights_only"):
        ztorch.load(tmp_path / "evil.pt")


def test_a_tensor_outside_its_storage_or_a_short_storage_is_refused(tmp_path):
    ztorch.save({"w": ztorch.ones(4)}, tmp_path / "w.pt")
    payload = zipfile.ZipFile(tmp_path / "w.pt").read("archive/data.pkl")
    members = {n: zipfile.ZipFile(tmp_path / "w.pt").read(n)
               for n in zipfile.ZipFile(tmp_path / "w.pt").namelist()}
    lying = payload.replace(b"K\x04\x85", b"K\x09\x85")  # size (9,) over a storage of 4
    assert lying != payload
    with zipfile.ZipFile(tmp_path / "big.pt", "w") as archive:
        for name, data in {**members, "archive/data.pkl": lying}.items():
            archive.writestr(name, data)
    with pytest.raises(pickle.UnpicklingError, match=r"size \(9,\) .* storage of 4"):
        ztorch.load(tmp_path / "big.pt")
    with zipfile.ZipFile(tmp_path / "short.pt", "w") as archive:
        for name, data in {**members, "archive/data/0": b"\x00" * 8}.items():
            archive.writestr(name, data)
    with pytest.raises(ValueError, match="'archive/data/0' holds 8 bytes, expected 16"):
        ztorch.load(tmp_path / "short.pt")


def test_bad_files_and_arguments_are_clear_errors(tmp_path):
    (tmp_path / "broken.pt").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="load: .*broken.pt' is not a readable zip archive"):
        ztorch.load(tmp_path / "broken.pt")
    ztorch.save({"w": ztorch.ones(1)}, tmp_path / "w.pt")
    with pytest.raises(NotImplementedError, match="weights_only=False"):
        ztorch.load(tmp_path / "w.pt", weights_only=False)
    with pytest.raises(TypeError, match=r"save: the object\['f'\] is a function"):
        ztorch.save({"f": lambda: 0}, tmp_path / "w.pt")
    assert ztorch.load(tmp_path / "w.pt")["w"].tolist() == [1.0]  # the failed save kept the file
    write_pickle(tmp_path / "truncated.pt", pickle.dumps({"a": 1}, 2)[:-3])
    with pytest.raises(pickle.UnpicklingError, match="truncated.pt' holds a malformed pickle"):
        ztorch.load(tmp_path / "truncated.pt")


def test_a_plain_npz_archive_loads_as_a_dict_of_tensors(tmp_path):
    buffer = io.BytesIO()
    np.savez(buffer, w=np.ones((2, 2), np.float32), n=np.array(3))
    (tmp_path / "weights.npz").write_bytes(buffer.getvalue())
    loaded = ztorch.load(tmp_path / "weights.npz")
    assert loaded["w"].shape == (2, 2) and loaded["n"].shape == ()


def test_save_and_load_through_open_binary_files():
    """torch.save(obj, buffer) and torch.load(buffer), as code that ships weights over a network
    does; both directions with real PyTorch."""
    saved = every_kind()
    buffer = io.BytesIO()
    ztorch.save(saved, buffer)
    buffer.seek(0)
    assert_same(ztorch.load(buffer), saved)
    torch = torch_or_skip()
    buffer.seek(0)
    assert torch.load(buffer, weights_only=True)["count"].item() == 7
    theirs = io.BytesIO()
    torch.save({"w": torch.arange(4.0)}, theirs)
    theirs.seek(0)
    np.testing.assert_array_equal(ztorch.load(theirs)["w"].numpy(), np.arange(4.0, dtype=np.float32))


def test_load_names_a_corrupt_buffer():
    with pytest.raises(ValueError, match="load: '<BytesIO>' is not a readable zip archive"):
        ztorch.load(io.BytesIO(b"not a zip"))
