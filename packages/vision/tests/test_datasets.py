"""MNIST, FashionMNIST, CIFAR10/100 and ImageNet labels from small files in their original formats,
served from 127.0.0.1; the IDX reader's checks; Debian's real Fashion-MNIST files when present."""

import gzip
import io
import os
import tarfile
import zlib

import numpy as np
import pytest

from zerograd.core.testing import traced_memory
from zerograd.data import DataLoader
from zerograd.vision.datasets import (
    CIFAR10,
    CIFAR100,
    MNIST,
    CIFARError,
    FashionMNIST,
    IDXError,
    ImageNet,
    read_idx,
    write_idx,
)

DEBIAN_FASHION = "/usr/share/datasets/fashion-mnist"
DEAD_URL = "http://127.0.0.1:9/"  # the discard port: nothing listens, nothing is downloaded


def write_mnist(folder, rng, n_train=5, n_test=3, gz=True):
    suffix = ".gz" if gz else ""
    images, labels = {}, {}
    for split, n in (("train", n_train), ("t10k", n_test)):
        images[split] = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels[split] = rng.integers(0, 10, n, dtype=np.uint8)
        write_idx(folder / f"{split}-images-idx3-ubyte{suffix}", images[split])
        write_idx(folder / f"{split}-labels-idx1-ubyte{suffix}", labels[split])
    return images, labels


@pytest.mark.parametrize("cls", [MNIST, FashionMNIST])
def test_download_from_a_local_server_then_reuse(cls, served, data_home, rng, monkeypatch):
    monkeypatch.setattr(cls, "system_dirs", ())
    folder, url = served
    images, labels = write_mnist(folder, rng)
    train = cls(base_url=url)
    assert (data_home / cls.subdir / "train-images-idx3-ubyte.gz").is_file()
    assert len(train) == 5 and train.data.shape == (5, 1, 28, 28) and train.data.dtype == np.uint8
    np.testing.assert_array_equal(train.data[:, 0], images["train"])
    np.testing.assert_array_equal(train.label, labels["train"])
    x, t = train[2]
    assert x.shape == (784,) and x.dtype == np.float32 and 0 <= x.min() and x.max() <= 1
    np.testing.assert_allclose(x, images["train"][2].ravel() / 255, rtol=1e-6)
    assert t == labels["train"][2] and train.label.dtype == np.int64
    assert len(cls(train=False, base_url=url)) == 3
    assert len(cls(train=False, base_url=DEAD_URL)) == 3  # downloaded files are reused
    assert len(cls(base_url=DEAD_URL)) == 5  # the cached training files, no download


def test_root_with_raw_files_and_custom_transform(tmp_path, data_home, rng, monkeypatch):
    monkeypatch.setattr(FashionMNIST, "system_dirs", ())
    images, labels = write_mnist(tmp_path, rng, gz=False)
    ds = FashionMNIST(train=False, transform=None, root=tmp_path, base_url=DEAD_URL)
    x, t = ds[1]
    assert x.shape == (1, 28, 28) and x.dtype == np.uint8
    np.testing.assert_array_equal(x[0], images["t10k"][1])


def test_batches_come_from_one_fancy_index(tmp_path, data_home, rng):
    write_mnist(tmp_path, rng, n_train=7)
    ds = MNIST(root=tmp_path, base_url=DEAD_URL)
    assert ds.batchable
    x, t = next(iter(DataLoader(ds, batch_size=4, shuffle=False)))
    assert x.shape == (4, 784) and x.dtype == np.float32 and t.shape == (4,)


def test_missing_files_name_every_place_looked(tmp_path, data_home, monkeypatch):
    monkeypatch.setattr(MNIST, "system_dirs", ())
    with pytest.raises(OSError, match="mnist/train-images-idx3-ubyte.gz"):
        MNIST(root=tmp_path, base_url=DEAD_URL)


# --- IDX ----------------------------------------------------------------------------------------
def test_idx_round_trip_of_every_type(tmp_path, rng):
    for dtype in (np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64):
        array = (rng.standard_normal((3, 2, 4)) * 50).astype(dtype)
        for name in ("a.idx", "a.idx.gz"):
            write_idx(tmp_path / name, array)
            got = read_idx(tmp_path / name)
            assert got.dtype == np.dtype(dtype) and got.dtype.isnative
            np.testing.assert_array_equal(got, array)


def bad_files(tmp_path):
    good = write_idx_bytes(np.zeros((2, 28, 28), np.uint8))
    cases = {
        "truncated": good[:-5],
        "trailing": good + b"\0",
        "magic": b"\x01\x02" + good[2:],
        "type": good[:2] + b"\x07" + good[3:],
        "header": good[:6],
        "empty": b"",
    }
    paths = {}
    for name, data in cases.items():
        paths[name] = tmp_path / f"{name}-idx3-ubyte"
        paths[name].write_bytes(data)
    paths["gzip"] = tmp_path / "gzip-idx3-ubyte.gz"
    paths["gzip"].write_bytes(gzip.compress(good)[:-10])
    return paths


def write_idx_bytes(array):
    buffer = io.BytesIO()
    buffer.write(bytes([0, 0, 8, array.ndim]) + np.array(array.shape, ">u4").tobytes())
    buffer.write(array.tobytes())
    return buffer.getvalue()


@pytest.mark.parametrize("case,message", [
    ("truncated", "is truncated: shape \\(2, 28, 28\\) needs 1568 bytes"),
    ("trailing", "longer than its header says"),
    ("magic", "is not an IDX file"),
    ("type", "is not an IDX file"),
    ("header", "is truncated: its header needs 16 bytes"),
    ("empty", "is not an IDX file"),
    ("gzip", "corrupt or truncated gzip data"),
])
def test_idx_errors_name_the_file(case, message, tmp_path):
    path = bad_files(tmp_path)[case]
    with pytest.raises(IDXError, match=f"read_idx: {path}.*{message}|read_idx: {path}: {message}"):
        read_idx(path)


def _gzip_with_header(path, shape, zero_megabytes):
    """A gzipped IDX header declaring uint8 ``shape``, followed by that many MB of zeros."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: a gzip wrapper
    parts = [compressor.compress(bytes([0, 0, 8, len(shape)]) + np.array(shape, ">u4").tobytes())]
    zeros = bytes(1 << 20)
    parts += [compressor.compress(zeros) for _ in range(zero_megabytes)]
    path.write_bytes(b"".join(parts) + compressor.flush())
    return path


@pytest.mark.parametrize("shape, message", [
    ((65536, 65536, 4), r"declares shape \(65536, 65536, 4\), 17179869184 bytes of values, more "
                        r"than the 4294967296 bytes"),
    ((1000, 1000, 1000), r"is truncated: shape \(1000, 1000, 1000\) needs 1000000000 bytes of "
                         r"values, the file can hold at most"),
])
def test_idx_header_is_checked_before_decompressing(shape, message, tmp_path):
    path = _gzip_with_header(tmp_path / "bomb-idx3-ubyte.gz", shape, zero_megabytes=40)
    assert path.stat().st_size < 100_000
    with traced_memory() as memory, pytest.raises(IDXError, match=rf"read_idx: {path} {message}"):
        read_idx(path)
    assert memory.peak < 2 << 20  # the 40 MB of zeros behind the header were never decompressed


@pytest.mark.slow  # seconds: gzips 3.6 MB (the 3.11 cell only)
def test_idx_gzip_values_are_read_in_pieces(tmp_path, rng):
    array = rng.integers(0, 255, size=(300, 50, 60)).astype(np.int32)  # 3.6 MB: many reads
    write_idx(tmp_path / "big-idx3-int.gz", array)
    np.testing.assert_array_equal(read_idx(tmp_path / "big-idx3-int.gz"), array)


def test_idx_dimension_and_consistency_checks(tmp_path, data_home, rng):
    write_idx(tmp_path / "x-idx1-ubyte", np.zeros(3, np.uint8))
    with pytest.raises(IDXError, match="has 1 dimensions, expected 3"):
        read_idx(tmp_path / "x-idx1-ubyte", ndim=3)
    write_mnist(tmp_path, rng)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.zeros(4, np.uint8))
    with pytest.raises(IDXError, match="has 5 images but .*train-labels-idx1-ubyte.gz has 4 labels"):
        MNIST(root=tmp_path, base_url=DEAD_URL)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.full(5, 12, np.uint8))
    with pytest.raises(IDXError, match="labels outside 0..9"):
        MNIST(root=tmp_path, base_url=DEAD_URL)
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", np.zeros((5, 20, 20), np.uint8))
    with pytest.raises(IDXError, match="expected uint8 28x28"):
        MNIST(root=tmp_path, base_url=DEAD_URL)


@pytest.mark.skipif(not os.path.isdir(DEBIAN_FASHION),
                    reason=f"Debian's dataset-fashion-mnist is not installed ({DEBIAN_FASHION})")
def test_debian_fashion_mnist(data_home):
    test = FashionMNIST(train=False, base_url=DEAD_URL)
    assert len(test) == 10_000 and test.data.shape == (10_000, 1, 28, 28)
    assert set(np.unique(test.label)) == set(range(10))
    assert np.bincount(test.label).tolist() == [1000] * 10
    x, t = test[0]
    assert x.shape == (784,) and x.dtype == np.float32 and 0 <= x.min() <= x.max() <= 1
    assert len(FashionMNIST(train=True, base_url=DEAD_URL)) == 60_000


# --- CIFAR --------------------------------------------------------------------------------------
def write_tar(path, members):
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def cifar_records(rng, n, label_bytes, n_classes):
    labels = np.stack([rng.integers(0, c, n, dtype=np.uint8) for c in n_classes], axis=1)
    images = rng.integers(0, 256, (n, 3, 32, 32), dtype=np.uint8)
    raw = np.concatenate([labels, images.reshape(n, -1)], axis=1).tobytes()
    assert labels.shape[1] == label_bytes
    return raw, images, labels


def test_cifar10_from_the_binary_archive(served, data_home, rng):
    folder, url = served
    members, images, labels = {}, [], []
    for i in range(1, 6):
        raw, img, lab = cifar_records(rng, 2, 1, (10,))
        members[f"cifar-10-batches-bin/data_batch_{i}.bin"] = raw
        images.append(img)
        labels.append(lab[:, 0])
    raw, test_images, test_labels = cifar_records(rng, 3, 1, (10,))
    members["cifar-10-batches-bin/test_batch.bin"] = raw
    write_tar(folder / "cifar-10-binary.tar.gz", members)
    train = CIFAR10(base_url=url)
    assert train.data.shape == (10, 3, 32, 32) and train.data.dtype == np.uint8
    np.testing.assert_array_equal(train.data, np.concatenate(images))
    np.testing.assert_array_equal(train.label, np.concatenate(labels))
    x, t = train[4]
    assert x.shape == (3, 32, 32) and x.dtype == np.float32 and -1 <= x.min() and x.max() <= 1
    np.testing.assert_allclose(x, train.data[4] / 127.5 - 1, rtol=1e-5, atol=1e-6)
    test = CIFAR10(train=False, base_url=DEAD_URL)
    np.testing.assert_array_equal(test.data, test_images)
    np.testing.assert_array_equal(test.label, test_labels[:, 0])


def test_cifar100_fine_and_coarse(tmp_path, data_home, rng):
    raw, images, labels = cifar_records(rng, 4, 2, (20, 100))
    write_tar(tmp_path / "cifar-100-binary.tar.gz", {"cifar-100-binary/train.bin": raw})
    fine = CIFAR100(root=tmp_path, base_url=DEAD_URL)
    coarse = CIFAR100(root=tmp_path, base_url=DEAD_URL, label_type="coarse")
    np.testing.assert_array_equal(fine.data, images)
    np.testing.assert_array_equal(fine.label, labels[:, 1])
    np.testing.assert_array_equal(coarse.label, labels[:, 0])
    assert len(CIFAR100.labels()) == 100 and len(CIFAR100.labels("coarse")) == 20
    with pytest.raises(ValueError, match="label_type must be 'fine' or 'coarse'"):
        CIFAR100(label_type="medium")


def test_cifar_errors_name_the_archive(tmp_path, data_home, rng):
    archive = tmp_path / "cifar-10-binary.tar.gz"
    raw, _, _ = cifar_records(rng, 2, 1, (10,))
    write_tar(archive, {"cifar-10-batches-bin/test_batch.bin": raw[:-7]})
    with pytest.raises(CIFARError, match=f"{archive}:cifar-10-batches-bin/test_batch.bin holds "
                                         "6139 bytes, not a whole number of 3073-byte records"):
        CIFAR10(train=False, root=tmp_path, base_url=DEAD_URL)
    with pytest.raises(CIFARError, match=f"{archive} has no file 'cifar-10-batches-bin/data_batch_1"):
        CIFAR10(train=True, root=tmp_path, base_url=DEAD_URL)
    archive.write_bytes(gzip.compress(b"not a tar")[:-4])
    with pytest.raises(CIFARError, match=f"{archive} is not a readable .tar.gz archive"):
        CIFAR10(train=False, root=tmp_path, base_url=DEAD_URL)
    bad = bytearray(raw)
    bad[0] = 10
    write_tar(archive, {"cifar-10-batches-bin/test_batch.bin": bytes(bad)})
    with pytest.raises(CIFARError, match="holds label 10 in byte 0, beyond its 10 classes"):
        CIFAR10(train=False, root=tmp_path, base_url=DEAD_URL)


# --- ImageNet labels ----------------------------------------------------------------------------
def test_imagenet_labels_parse_a_literal_and_never_evaluate(served, data_home):
    folder, url = served
    (folder / "labels.txt").write_text("{0: 'tench, Tinca tinca',\n 1: 'goldfish'}\n")
    assert ImageNet.labels(url + "labels.txt") == {0: "tench, Tinca tinca", 1: "goldfish"}
    cached = data_home / "imagenet1000_clsidx_to_labels.txt"
    cached.write_text("__import__('os').system('echo pwned')")
    with pytest.raises(ValueError, match="is not a dict literal"):
        ImageNet.labels(DEAD_URL + "labels.txt")
    with pytest.raises(NotImplementedError, match="ImageNet.labels"):
        ImageNet()
