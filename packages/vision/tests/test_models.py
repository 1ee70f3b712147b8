"""VGG16 and ResNet: output shapes in test mode, parameter counts against the reference
architectures, the book's layer names, and pretrained weights served from 127.0.0.1."""

import numpy as np
import pytest

import zerograd.vision.models.resnet as resnet_module
from zerograd.core import no_grad
from zerograd.nn import test_mode
from zerograd.vision.models import VGG16, ResNet, ResNet18, ResNet34, ResNet50, ResNet101, ResNet152

BOOK_CONV1_BIAS = 64  # the book's ResNet keeps conv1's bias; the reference ResNets have none


def count(model):
    return sum(p.size for p in model.params())


def infer(model, shape):
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    with test_mode(), no_grad():
        return model(x)


@pytest.mark.slow  # seconds: a full-size model (the 3.11 cell only)
def test_vgg16_maps_an_image_to_1000_logits():
    np.random.seed(0)
    model = VGG16()
    y = infer(model, (1, 3, 224, 224))
    assert y.shape == (1, 1000) and y.dtype == np.float32 and np.isfinite(y.data).all()
    assert count(model) == 138_357_544
    names = set(model.state_dict())
    assert {"conv1_1.W", "conv1_1.b", "conv5_3.W", "fc6.W", "fc8.b"} <= names
    assert model.fc6.W.shape == (25088, 4096)


@pytest.mark.slow  # seconds: a full-size model (the 3.11 cell only)
def test_resnet50_maps_an_image_to_1000_logits():
    np.random.seed(0)
    model = ResNet50()
    y = infer(model, (1, 3, 224, 224))
    assert y.shape == (1, 1000) and np.isfinite(y.data).all()
    assert count(model) == 25_557_032 + BOOK_CONV1_BIAS
    names = set(model.state_dict())  # the book's weight files name their arrays this way
    assert {"conv1.W", "conv1.b", "bn1.avg_mean", "res2.a.conv4.W", "res2.b2.bn3.gamma",
            "res5.a.bn4.avg_var", "fc6.W"} <= names


@pytest.mark.slow  # seconds: four full-size ResNets (the 3.11 cell only)
@pytest.mark.parametrize("cls,reference", [
    (ResNet18, 11_689_512), (ResNet34, 21_797_672), (ResNet101, 44_549_160),
    (ResNet152, 60_192_808),
])
def test_resnet_parameter_counts(cls, reference):
    model = cls()
    assert infer(model, (1, 3, 32, 32)).shape == (1, 1000)  # sizes the BatchNorm parameters
    assert count(model) == reference + BOOK_CONV1_BIAS


@pytest.mark.slow  # seconds: a full-size model (the 3.11 cell only)
def test_resnet_trains_and_evaluates():
    model = ResNet18()
    x = np.random.default_rng(1).standard_normal((2, 3, 32, 32)).astype(np.float32)
    loss = (model(x) ** 2).sum()
    loss.backward()
    assert model.conv1.W.grad is not None and model.res5.b1.bn2.gamma.grad is not None
    model.eval()
    first = model(x).data
    np.testing.assert_array_equal(model(x).data, first)  # running statistics, no dropout


def sized_resnet18():
    model = ResNet18()
    infer(model, (1, 3, 32, 32))
    return model


@pytest.mark.slow  # seconds: a full-size model (the 3.11 cell only)
def test_pretrained_from_a_path_and_from_a_served_url(tmp_path, served, data_home):
    source = sized_resnet18()
    folder, url = served
    source.save_weights(folder / "weights.npz")
    expected = source.state_dict()
    for pretrained in (str(folder / "weights.npz"), url + "weights.npz"):
        model = ResNet18(pretrained=pretrained)
        got = model.state_dict()
        assert got.keys() == expected.keys()
        for name, array in expected.items():
            np.testing.assert_array_equal(got[name], array, err_msg=name)
    assert (data_home / "weights.npz").is_file()  # the URL was downloaded into the data dir


@pytest.mark.slow  # seconds: a full-size model (the 3.11 cell only)
def test_pretrained_true_loads_the_published_file(served, data_home, monkeypatch):
    source = sized_resnet18()
    folder, url = served
    source.save_weights(folder / "resnet18.npz")
    monkeypatch.setattr(resnet_module, "PUBLISHED", {18})
    monkeypatch.setattr(ResNet, "WEIGHTS_URL", url + "resnet{}.npz")
    model = ResNet18(pretrained=True)
    np.testing.assert_array_equal(model.res3.a.conv3.W.data, source.res3.a.conv3.W.data)


def test_pretrained_errors():
    with pytest.raises(ValueError, match="ResNet18: no pretrained weights are published"):
        ResNet18(pretrained=True)
    with pytest.raises(TypeError, match="pretrained must be a bool, a path or a URL"):
        ResNet18(pretrained=3)
    with pytest.raises(ValueError, match="n_layers must be one of"):
        ResNet(20)


def test_vgg16_preprocess():
    image = pytest.importorskip("PIL.Image", reason="Pillow is the optional extra "
                                                    "zerograd-vision[image]")
    rgb = np.zeros((10, 12, 3), dtype=np.uint8)
    rgb[..., 0] = 200  # red
    x = VGG16.preprocess(image.fromarray(rgb), size=(8, 6))
    assert x.shape == (3, 6, 8) and x.dtype == np.float32
    np.testing.assert_allclose(x[:, 0, 0], [-103.939, -116.779, 200 - 123.68], rtol=1e-5)
    with pytest.raises(TypeError, match="VGG16.preprocess: expected a PIL image"):
        VGG16.preprocess(rgb)


def _training_command_models():
    from zerograd.vision.models import FashionCNN, FashionMLP

    return [(FashionCNN, (4, 784)), (FashionMLP, (4, 784))]


@pytest.mark.parametrize("make, shape", [
    pytest.param(VGG16, (2, 3, 32, 32), marks=pytest.mark.slow),  # seconds (the 3.11 cell only)
    pytest.param(ResNet18, (2, 3, 32, 32), marks=pytest.mark.slow), *_training_command_models()],
                         ids=["VGG16", "ResNet18", "FashionCNN", "FashionMLP"])
def test_eval_and_test_mode_are_deterministic(make, shape):
    np.random.seed(0)
    model = make()
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    with no_grad():
        model(x)  # sized, and BatchNorm's running statistics moved off their start
        model.eval()
        first = model(x).data
        np.testing.assert_array_equal(model(x).data, first)
        model.train()
        with test_mode():
            np.testing.assert_array_equal(model(x).data, first)
            np.testing.assert_array_equal(model(x).data, first)
