"""Checkpoints: exact resume of model + optimizer + schedulers + random states, plain values,
atomic writes, and corrupt files that raise a clear error and change nothing."""

from __future__ import annotations

import os
import random
import zipfile

import numpy as np
import pytest

from zerograd.core import functions as CF
from zerograd.core import seed
from zerograd.core.testing import traced_memory
from zerograd.nn import functions as F
from zerograd.nn.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from zerograd.nn.layer import Model
from zerograd.nn.layers import Linear
from zerograd.nn.optimizers import SGD, Adam, MomentumSGD
from zerograd.nn.schedulers import LinearLR, ReduceLROnPlateau, StepLR


class Net(Model):
    """A 2-layer tanh MLP with dropout: training draws from NumPy's global generator."""

    def __init__(self, hidden=16, out=3):
        super().__init__()
        self.l0 = Linear(hidden)
        self.l1 = Linear(out)

    def forward(self, x):
        return self.l1(F.dropout(CF.tanh(self.l0(x)), 0.2))


DATA_RNG = np.random.default_rng(7)
X = DATA_RNG.standard_normal((64, 5)).astype(np.float32)
T = (np.sin(X[:, :3]) + X[:, 2:] ** 2).astype(np.float32)


def make_run():
    model = Net()
    optimizer = Adam(alpha=0.01).setup(model)
    scheduler = StepLR(optimizer, step_size=4, gamma=0.5)
    warmup = LinearLR(optimizer, start_factor=0.2, total_iters=5)
    return model, optimizer, scheduler, warmup


def train(model, optimizer, schedulers, steps):
    for _ in range(steps):
        batch = np.random.randint(0, len(X), size=16)  # the global generator picks the batch
        loss = F.mean_squared_error(model(X[batch]), T[batch])
        model.cleargrads()
        loss.backward()
        optimizer.update()
        for scheduler in schedulers:
            scheduler.step()


def weights(model):
    return {name: array.copy() for name, array in model.state_dict().items()}


def test_exact_resume_is_bitwise_equal_to_an_uninterrupted_run(tmp_path):
    seed(0)
    model, optimizer, scheduler, warmup = make_run()
    train(model, optimizer, [scheduler, warmup], 20)
    uninterrupted = weights(model)

    seed(0)
    model, optimizer, scheduler, warmup = make_run()
    train(model, optimizer, [scheduler, warmup], 10)
    path = tmp_path / "run.ckpt"
    save_checkpoint(path, model=model, optimizer=optimizer, scheduler=scheduler, warmup=warmup,
                    step=10)

    seed(123)  # the generators move on; loading must bring them back
    random.random()
    model, optimizer, scheduler, warmup = make_run()
    values = load_checkpoint(path, model=model, optimizer=optimizer, scheduler=scheduler,
                             warmup=warmup)
    assert values == {"step": 10}
    train(model, optimizer, [scheduler, warmup], 10)
    resumed = weights(model)
    assert resumed.keys() == uninterrupted.keys()
    for name in resumed:
        np.testing.assert_array_equal(resumed[name], uninterrupted[name], err_msg=name)


def test_plain_values_round_trip(tmp_path):
    values = {
        "epoch": 3, "loss": 0.125, "name": "run-α", "done": False, "nothing": None,
        "huge": 2 ** 100, "special": [float("inf"), -float("inf")],
        "history": {"loss": [0.5, 0.25], "acc": (0.9, 0.95)},
        "by_step": {1: "a", 2: "b", (3, 4): "c"},
        "weights": np.arange(6, dtype=np.float32).reshape(2, 3),
        "counts": np.array([1, 2], dtype=np.int64), "flag": np.float32(0.5),
        "nested": [{"a": np.ones(2)}, ()],
    }
    path = tmp_path / "values.ckpt"
    save_checkpoint(path, **values)
    loaded = load_checkpoint(path)
    assert loaded.keys() == values.keys()
    for key in ("epoch", "loss", "name", "done", "nothing", "huge", "special", "history",
                "by_step"):
        assert loaded[key] == values[key] and type(loaded[key]) is type(values[key]), key
    assert isinstance(loaded["history"]["acc"], tuple)
    np.testing.assert_array_equal(loaded["weights"], values["weights"])
    assert loaded["weights"].dtype == np.float32 and loaded["counts"].dtype == np.int64
    assert loaded["flag"] == np.float32(0.5) and isinstance(loaded["flag"], np.float32)
    np.testing.assert_array_equal(loaded["nested"][0]["a"], np.ones(2))
    assert loaded["nested"][1] == ()
    nan_path = tmp_path / "nan.ckpt"
    save_checkpoint(nan_path, value=float("nan"))
    assert np.isnan(load_checkpoint(nan_path)["value"])


def test_random_states_are_saved_and_restored(tmp_path):
    seed(5)
    np.random.rand(3)
    path = tmp_path / "random.ckpt"
    save_checkpoint(path)
    expected = (np.random.rand(4), np.random.randn(2), random.random())
    seed(99)
    load_checkpoint(path)
    got = (np.random.rand(4), np.random.randn(2), random.random())
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1], expected[1])
    assert got[2] == expected[2]


class Loader:
    """Stands for zerograd.data.DataLoader: a generator of its own and a position."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.position = 0

    def next_batch(self):
        self.position += 1
        return self.rng.permutation(10)

    def state_dict(self):
        return {"rng": self.rng.bit_generator.state, "position": self.position}

    def load_state_dict(self, state):
        self.rng.bit_generator.state = state["rng"]
        self.position = state["position"]


def test_any_object_with_state_dict_is_stored_as_its_state(tmp_path):
    loader = Loader(seed=3)
    loader.next_batch()
    path = tmp_path / "loader.ckpt"
    save_checkpoint(path, loader=loader, epoch=1)
    expected = loader.next_batch()
    fresh = Loader(seed=42)
    assert load_checkpoint(path, loader=fresh) == {"epoch": 1}
    assert fresh.position == 1
    np.testing.assert_array_equal(fresh.next_batch(), expected)


def test_reduce_lr_on_plateau_state_survives_a_checkpoint(tmp_path):
    model = Net()
    model(X[:2])
    optimizer = MomentumSGD(lr=0.1).setup(model)
    plateau = ReduceLROnPlateau(optimizer, patience=0, factor=0.5)
    for metric in (1.0, 2.0, 3.0):
        plateau.step(metric)
    path = tmp_path / "plateau.ckpt"
    save_checkpoint(path, model=model, optimizer=optimizer, plateau=plateau)
    fresh_optimizer = MomentumSGD().setup(Net())
    fresh = ReduceLROnPlateau(fresh_optimizer)
    load_checkpoint(path, optimizer=fresh_optimizer, plateau=fresh)
    assert fresh.best == 1.0 and fresh.patience == 0 and fresh_optimizer.lr == optimizer.lr


# --- atomic writes -------------------------------------------------------------------------------
def test_the_file_is_replaced_only_when_complete_and_no_temporary_is_left(tmp_path, monkeypatch):
    path = tmp_path / "run.ckpt"
    save_checkpoint(path, epoch=1)
    before = path.read_bytes()

    def failing_serialisation(file, array, allow_pickle):
        file.write(b"\x93NUMPY half an array")
        raise OSError("disk full")

    monkeypatch.setattr(np.lib.format, "write_array", failing_serialisation)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(path, epoch=2)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["run.ckpt"]
    assert load_checkpoint(path) == {"epoch": 1}


def test_a_value_that_cannot_be_stored_is_a_clear_error_and_writes_nothing(tmp_path):
    path = tmp_path / "bad.ckpt"
    with pytest.raises(TypeError, match=r"cannot store entry 'extra'\['x'\], a set"):
        save_checkpoint(path, extra={"x": {1, 2}})
    with pytest.raises(TypeError, match="array of Python objects"):
        save_checkpoint(path, extra=np.array([object()]))
    with pytest.raises(TypeError, match="a function"):
        save_checkpoint(path, callback=lambda: None)
    assert os.listdir(tmp_path) == []


def test_the_checkpoint_gets_the_usual_file_mode(tmp_path):
    path = tmp_path / "mode.ckpt"
    save_checkpoint(path, epoch=1)
    mask = os.umask(0o022)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask


def test_the_file_is_an_npz_archive_readable_without_pickle(tmp_path):
    path = tmp_path / "plain.ckpt"
    save_checkpoint(path, w=np.ones(3))
    with np.load(path, allow_pickle=False) as archive:
        assert "__checkpoint__" in archive.files
        assert archive["__checkpoint__"].dtype == np.uint8


# --- loading errors ------------------------------------------------------------------------------
def trained_setup(tmp_path):
    seed(1)
    model, optimizer, scheduler, warmup = make_run()
    train(model, optimizer, [scheduler, warmup], 3)
    path = tmp_path / "good.ckpt"
    save_checkpoint(path, model=model, optimizer=optimizer, scheduler=scheduler, epoch=3)
    seed(2)
    fresh = make_run()
    train(fresh[0], fresh[1], fresh[2:], 1)
    return path, fresh


def snapshot(model, optimizer):
    return (weights(model), optimizer.state_dict(), np.random.get_state()[1].copy(),
            random.getstate())


def assert_unchanged(before, model, optimizer):
    after = snapshot(model, optimizer)
    for name in before[0]:
        np.testing.assert_array_equal(after[0][name], before[0][name])
    assert after[1]["t"] == before[1]["t"] and after[1]["param_groups"] == before[1]["param_groups"]
    np.testing.assert_array_equal(after[2], before[2])
    assert after[3] == before[3]


def corrupt_copies(path, tmp_path):
    data = path.read_bytes()
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0xFF
    npz_without_document = tmp_path / "plain.npz"
    np.savez(npz_without_document, W=np.ones(2))
    npy = tmp_path / "array.npy"
    np.save(npy, np.ones(2))
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, __checkpoint__=np.array([{"a": 1}], dtype=object))
    files = {
        "truncated": data[: len(data) // 2], "flipped": bytes(flipped),
        "garbage": b"this is not a checkpoint", "empty": b"",
    }
    paths = {}
    for name, content in files.items():
        paths[name] = tmp_path / f"{name}.ckpt"
        paths[name].write_bytes(content)
    paths.update({"npz": npz_without_document, "npy": npy, "pickled": pickled})
    return paths


def test_a_corrupt_file_raises_a_clear_error_and_changes_nothing(tmp_path):
    path, (model, optimizer, scheduler, _) = trained_setup(tmp_path)
    before = snapshot(model, optimizer)
    for bad in corrupt_copies(path, tmp_path).values():
        with pytest.raises(CheckpointError, match="is not a readable zerograd checkpoint"):
            load_checkpoint(bad, model=model, optimizer=optimizer, scheduler=scheduler)
        assert_unchanged(before, model, optimizer)
    assert issubclass(CheckpointError, ValueError)


def test_a_checkpoint_of_another_format_or_version_is_rejected(tmp_path):
    import json

    for document, match in (({"format": "other"}, "format is 'other'"),
                            ({"format": "zerograd-checkpoint", "version": 99}, "version 99")):
        path = tmp_path / "foreign.ckpt"
        text = json.dumps(document).encode()
        np.savez(open(path, "wb"), __checkpoint__=np.frombuffer(text, dtype=np.uint8))
        with pytest.raises(CheckpointError, match=match):
            load_checkpoint(path)


def test_a_rejected_state_rolls_back_the_objects_already_loaded(tmp_path):
    path, (model, optimizer, scheduler, _) = trained_setup(tmp_path)
    before = weights(model)
    rng_before = np.random.get_state()[1].copy()
    wrong = SGD().setup(model)
    with pytest.raises(ValueError, match="belongs to a Adam optimizer, not to SGD"):
        load_checkpoint(path, model=model, optimizer=wrong)
    for name in before:
        np.testing.assert_array_equal(model.state_dict()[name], before[name])
    np.testing.assert_array_equal(np.random.get_state()[1], rng_before)


def test_a_model_of_another_shape_is_rejected_and_unchanged(tmp_path):
    path, _ = trained_setup(tmp_path)
    other = Net(hidden=8)
    other(X[:2])
    before = weights(other)
    with pytest.raises(ValueError, match="shape mismatch"):
        load_checkpoint(path, model=other)
    for name in before:
        np.testing.assert_array_equal(other.state_dict()[name], before[name])


def test_asking_for_an_entry_the_file_lacks_is_a_clear_error(tmp_path):
    path, (model, optimizer, scheduler, warmup) = trained_setup(tmp_path)
    with pytest.raises(KeyError, match="holds no state saved as 'warmup'.*model, optimizer"):
        load_checkpoint(path, model=model, warmup=warmup)
    with pytest.raises(KeyError, match="holds no state saved as 'epoch'"):
        load_checkpoint(path, epoch=scheduler)
    with pytest.raises(TypeError, match="model= must have load_state_dict"):
        load_checkpoint(path, model=3)
    with pytest.raises(FileNotFoundError):
        load_checkpoint(tmp_path / "missing.ckpt")


def test_zip_errors_are_wrapped_not_leaked(tmp_path):
    path = tmp_path / "zip.ckpt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("__checkpoint__.npy", b"not an npy file")
    with pytest.raises(CheckpointError):
        load_checkpoint(path)


def test_a_failure_halfway_through_the_file_leaves_the_previous_checkpoint(tmp_path, monkeypatch):
    from zerograd.nn.serialization import writing

    path = tmp_path / "run.ckpt"
    save_checkpoint(path, epoch=1)

    def failing_write(file, payload):
        file.write(payload[: len(payload) // 2])
        raise OSError("disk full")

    monkeypatch.setattr(writing, "_write_payload", failing_write)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(path, epoch=2)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["run.ckpt"]
    assert load_checkpoint(path) == {"epoch": 1}


def test_a_rejected_state_rolls_an_unsized_model_back_to_unsized(tmp_path):
    path, _ = trained_setup(tmp_path)
    lazy = Net()  # never called: every W is still None
    wrong = SGD().setup(lazy)
    with pytest.raises(ValueError, match="belongs to a Adam optimizer, not to SGD"):
        load_checkpoint(path, model=lazy, optimizer=wrong)
    assert lazy.l0.W.data is None and lazy.l1.W.data is None
    assert lazy.state_dict().keys() == {"l0.b", "l1.b"}
    np.testing.assert_array_equal(lazy.l0.b.data, np.zeros(16, np.float32))


def test_members_nothing_refers_to_are_never_read(tmp_path):
    path, (model, optimizer, _, _) = trained_setup(tmp_path)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive, \
            archive.open("array_999.npy", "w", force_zip64=True) as member:
        np.lib.format.write_array(member, np.zeros((100, 1000, 1000), np.uint8))
    assert os.path.getsize(path) < 1_000_000
    with traced_memory() as memory:
        load_checkpoint(path, model=model, optimizer=optimizer)
    assert memory.peak < 5_000_000


def test_a_member_that_declares_more_than_it_holds_is_a_checkpoint_error(tmp_path):
    honest, path = tmp_path / "honest.ckpt", tmp_path / "lying.ckpt"
    save_checkpoint(honest, weights=np.ones(4))
    header = {"descr": "<f8", "fortran_order": False, "shape": (10**6, 10**4)}
    with zipfile.ZipFile(honest) as source, zipfile.ZipFile(path, "w") as archive:
        for name in source.namelist():
            if name != "array_0.npy":
                archive.writestr(name, source.read(name))
        with archive.open("array_0.npy", "w") as member:
            np.lib.format.write_array_header_1_0(member, header)
    with pytest.raises(CheckpointError, match=r"array_0' declares shape \(1000000, 10000\)"):
        load_checkpoint(path)


def test_random_bytes_are_a_checkpoint_error_without_numpys_pickle_hint(tmp_path):
    path = tmp_path / "random.ckpt"
    path.write_bytes(np.random.default_rng(3).bytes(3000))
    with pytest.raises(CheckpointError, match=r"random\.ckpt is not a readable zerograd checkpoint "
                                              r"\(it is not an \.npz archive") as info:
        load_checkpoint(path)
    assert "pickle" not in str(info.value).lower()
