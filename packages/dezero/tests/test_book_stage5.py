"""The book's stage 5 through the facade only: MNIST (step 51), GPU switching (52), saving and
loading weights (53), dropout and test mode (54), convolution and pooling (55-57), a CNN on a
tiny (Fashion-)MNIST and VGG16 (58), and the recurrent networks on the sine curve (59-60)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

import zerograd.dezero as dezero
import zerograd.dezero.functions as F
import zerograd.dezero.layers as L
from zerograd.dezero import DataLoader, Model, SeqDataLoader, Variable, optimizers, test_mode
from zerograd.dezero.cuda import cupy
from zerograd.dezero.datasets import MNIST, FashionMNIST, SinCurve
from zerograd.dezero.models import MLP, VGG16
from zerograd.dezero.transforms import Compose, Normalize, ToFloat
from zerograd.dezero.utils import get_conv_outsize


def test_step51_mnist_with_the_books_transform(tiny_mnist_root):
    train_set = MNIST(train=True, root=tiny_mnist_root)
    test_set = MNIST(train=False, root=tiny_mnist_root)
    assert len(train_set) == 64 and len(test_set) == 32
    x, t = train_set[0]
    assert x.shape == (784,) and x.dtype == np.float32 and 0 <= x.min() <= x.max() <= 1
    assert isinstance(int(t), int)

    raw = MNIST(train=True, transform=None, root=tiny_mnist_root)
    x, _ = raw[0]
    assert x.shape == (1, 28, 28) and x.dtype == np.uint8

    np.random.seed(0)
    model = MLP((100, 10), activation=F.relu)
    optimizer = optimizers.SGD().setup(model)
    train_loader = DataLoader(train_set, 16)
    losses = []
    for _ in range(5):
        for x, t in train_loader:
            loss = F.softmax_cross_entropy(model(x), t)
            model.cleargrads()
            loss.backward()
            optimizer.update()
            losses.append(float(loss.data))
    assert np.mean(losses[-4:]) < np.mean(losses[:4])


def test_step52_cuda_switches_cleanly():
    assert isinstance(dezero.cuda.gpu_enable, bool)
    x = np.ones(3)
    assert dezero.cuda.get_array_module(x) is np
    assert dezero.cuda.get_array_module(Variable(x)) is np
    assert dezero.cuda.as_numpy(x) is x
    if dezero.cuda.gpu_enable:
        assert dezero.cuda.get_array_module(dezero.cuda.as_cupy(x)) is cupy
    else:
        assert cupy is None
        with pytest.raises(RuntimeError, match="as_cupy: CuPy"):
            dezero.cuda.as_cupy(x)
        with pytest.raises(RuntimeError, match="gpu=True needs CuPy"):
            DataLoader(dezero.datasets.Spiral(), 10, gpu=True)


def test_step53_save_and_load_weights(tmp_path):
    x, t = dezero.datasets.get_spiral()
    model = MLP((10, 3))
    optimizer = optimizers.SGD(1.0).setup(model)
    for _ in range(20):
        loss = F.softmax_cross_entropy(model(x), t)
        model.cleargrads()
        loss.backward()
        optimizer.update()

    path = str(tmp_path / "my_mlp.npz")
    model.save_weights(path)

    restored = MLP((10, 3))  # its layers are not sized yet: loading sizes them, as in the book
    restored.load_weights(path)
    for (name, p), (_, q) in zip(model.named_params(), restored.named_params()):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)
    np.testing.assert_array_equal(model(x).data, restored(x).data)
    assert sorted(model.state_dict()) == ["l0.W", "l0.b", "l1.W", "l1.b"]


def test_step54_dropout_and_test_mode():
    np.random.seed(0)
    x = np.ones(1000)
    y = F.dropout(x)  # train mode: about half dropped, the rest scaled by 1 / (1 - 0.5)
    assert set(np.unique(y.data)) <= {0.0, 2.0}
    assert 0.4 < (y.data == 0).mean() < 0.6

    with test_mode():
        y = F.dropout(x)
    np.testing.assert_array_equal(y.data, x)
    assert dezero.Config.train is True

    layer = L.Dropout(0.5)
    with dezero.test_mode():
        np.testing.assert_array_equal(layer(x).data, x)
    layer.eval()  # beyond the book: a per-layer switch
    np.testing.assert_array_equal(layer(x).data, x)


def test_steps55_to_57_conv_sizes_im2col_and_conv2d_simple():
    H, W = 4, 4
    KH, KW = 3, 3
    SH, SW = 1, 1
    PH, PW = 1, 1
    assert (get_conv_outsize(H, KH, SH, PH), get_conv_outsize(W, KW, SW, PW)) == (4, 4)

    x1 = np.random.rand(1, 3, 7, 7)
    col1 = F.im2col(x1, kernel_size=5, stride=1, pad=0, to_matrix=True)
    assert col1.shape == (9, 75)
    x2 = np.random.rand(10, 3, 7, 7)
    col2 = F.im2col(x2, kernel_size=(5, 5), stride=(1, 1), pad=(0, 0), to_matrix=True)
    assert col2.shape == (90, 75)

    N, C, H, W = 1, 5, 15, 15
    OC, (KH, KW) = 8, (3, 3)
    x = Variable(np.random.randn(N, C, H, W))
    W = np.random.randn(OC, C, KH, KW)
    y = F.conv2d_simple(x, W, b=None, stride=1, pad=1)
    y.backward()
    assert y.shape == (1, 8, 15, 15) and x.grad.shape == (1, 5, 15, 15)
    np.testing.assert_allclose(y.data, F.conv2d(x, W, pad=1).data, rtol=1e-10)

    x = np.random.randn(2, 3, 8, 8)
    np.testing.assert_array_equal(F.pooling(x, 2, 2).data, F.pooling_simple(x, 2, 2).data)
    assert F.average_pooling(x, 2, 2).shape == (2, 3, 4, 4)
    assert dezero.functions_conv.conv2d is F.conv2d


class SimpleCNN(Model):
    def __init__(self):
        super().__init__()
        self.conv1 = L.Conv2d(8, kernel_size=3, stride=1, pad=1)
        self.fc = L.Linear(10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.pooling(x, 2, 2)
        x = F.reshape(x, (x.shape[0], -1))
        return self.fc(x)


def test_step58_a_cnn_learns_a_tiny_fashion_mnist(tiny_mnist_root):
    transform = Compose([ToFloat(), Normalize(0.0, 255.0)])  # keep (1, 28, 28) for Conv2d
    train_set = FashionMNIST(train=True, transform=transform, root=tiny_mnist_root)
    test_set = FashionMNIST(train=False, transform=transform, root=tiny_mnist_root)
    train_loader = DataLoader(train_set, batch_size=16)
    test_loader = DataLoader(test_set, batch_size=16, shuffle=False)

    np.random.seed(0)
    model = SimpleCNN()
    optimizer = optimizers.Adam(alpha=0.01).setup(model)
    losses = []
    for _ in range(4):
        for x, t in train_loader:
            assert x.shape == (16, 1, 28, 28) and x.dtype == np.float32
            loss = F.softmax_cross_entropy(model(x), t)
            model.cleargrads()
            loss.backward()
            optimizer.update()
            losses.append(float(loss.data))
    assert np.mean(losses[-4:]) < 0.5 * np.mean(losses[:4])
    assert model.conv1.W.shape == (8, 1, 3, 3)  # sized at the first call

    sum_acc = 0.0
    with dezero.no_grad(), test_mode():
        for x, t in test_loader:
            sum_acc += float(F.accuracy(model(x), t).data) * len(t)
    assert sum_acc / len(test_set) > 0.5  # chance is 0.1


@pytest.mark.slow  # seconds: trains or runs the book's programs (the 3.11 cell only)
def test_step58_vgg16():
    model = VGG16()
    with test_mode(), dezero.no_grad():
        y = model(np.random.rand(1, 3, 32, 32).astype(np.float32))
    assert y.shape == (1, 1000)
    assert model.conv1_1.W.shape == (64, 3, 3, 3) and model.fc8.W.shape == (4096, 1000)


def test_step58_vgg16_preprocess():
    Image = pytest.importorskip("PIL.Image", reason="VGG16.preprocess needs Pillow")
    x = VGG16.preprocess(Image.new("RGB", (40, 30)))
    assert x.shape == (3, 224, 224) and x.dtype == np.float32


@pytest.mark.skipif(shutil.which("dot") is None, reason="Model.plot needs Graphviz's dot")
def test_model_plot(tmp_path):
    model = SimpleCNN()
    path = tmp_path / "model.png"
    model.plot(np.zeros((1, 1, 28, 28), dtype=np.float32), to_file=str(path))
    assert path.stat().st_size > 0


class SimpleRNN(Model):
    def __init__(self, hidden_size, out_size):
        super().__init__()
        self.rnn = L.RNN(hidden_size)
        self.fc = L.Linear(out_size)

    def reset_state(self):
        self.rnn.reset_state()

    def forward(self, x):
        h = self.rnn(x)
        return self.fc(h)


def test_step59_simple_rnn_with_truncated_bptt():
    np.random.seed(0)
    train_set = SinCurve(train=True)
    seqlen = len(train_set)
    bptt_length = 30
    model = SimpleRNN(10, 1)
    optimizer = optimizers.Adam().setup(model)

    model.reset_state()
    loss, count, updates = 0, 0, 0
    for x, t in train_set:  # a Dataset iterates sample by sample
        x = x.reshape(1, 1)
        y = model(x)
        loss += F.mean_squared_error(y, t)
        count += 1
        if count % bptt_length == 0 or count == seqlen:
            model.cleargrads()
            loss.backward()
            loss.unchain_backward()
            optimizer.update()
            updates += 1
            assert model.rnn.h.creator is None  # the graph behind this point is cut
            loss = 0
    assert count == seqlen == 999 and updates == 34


class BetterRNN(Model):
    def __init__(self, hidden_size, out_size):
        super().__init__()
        self.rnn = L.LSTM(hidden_size)
        self.fc = L.Linear(out_size)

    def reset_state(self):
        self.rnn.reset_state()

    def forward(self, x):
        return self.fc(self.rnn(x))


def test_step60_lstm_with_seq_dataloader():
    np.random.seed(0)
    max_epoch, batch_size, hidden_size, bptt_length = 12, 30, 20, 30
    train_set = SinCurve(train=True)
    dataloader = SeqDataLoader(train_set, batch_size=batch_size)
    seqlen = len(train_set)
    assert len(dataloader) == seqlen // batch_size  # 33 steps, the runs never wrap

    model = BetterRNN(hidden_size, 1)
    optimizer = optimizers.Adam(alpha=0.01).setup(model)
    history = []
    for _ in range(max_epoch):
        model.reset_state()
        loss, count, sum_loss = 0, 0, 0.0
        for x, t in dataloader:
            assert x.shape == (batch_size, 1)
            y = model(x)
            loss += F.mean_squared_error(y, t)
            count += 1
            if count % bptt_length == 0 or count == len(dataloader):
                model.cleargrads()
                loss.backward()
                loss.unchain_backward()
                optimizer.update()
                sum_loss += float(loss.data)
                loss = 0
        history.append(sum_loss / count)
    assert history[-1] < 0.5 * history[0]

    xs = np.cos(np.linspace(0, 4 * np.pi, 50))
    model.reset_state()
    with dezero.no_grad():
        predictions = [float(model(np.array(x).reshape(1, 1)).data[0, 0]) for x in xs]
    assert len(predictions) == 50 and np.isfinite(predictions).all()
