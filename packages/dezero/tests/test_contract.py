"""The book's module layout: every name of the contract (the dezero README) is importable from the right
facade module, and each facade object IS the object of its home package (no logic, no copies)."""

from __future__ import annotations

import importlib
import inspect
import types

import pytest

import zerograd.core
import zerograd.core.cuda
import zerograd.core.functions
import zerograd.data.transforms
import zerograd.dezero as dezero
import zerograd.nn
import zerograd.nn.functions
import zerograd.nn.layers
import zerograd.text.datasets
import zerograd.text.layers
import zerograd.vision.layers

BOOK_NAMES = {
    "zerograd.dezero": [
        "Variable", "Parameter", "Function", "Config", "using_config", "no_grad", "test_mode",
        "as_array", "as_variable", "setup_variable", "Layer", "Model", "Dataset", "DataLoader",
        "SeqDataLoader", "is_simple_core", "core", "core_simple", "functions", "functions_conv",
        "layers", "models", "optimizers", "datasets", "dataloaders", "transforms", "utils", "cuda",
    ],
    "zerograd.dezero.core": [
        "Variable", "Parameter", "Function", "Config", "using_config", "no_grad", "test_mode",
        "as_array", "as_variable", "setup_variable", "Add", "Mul", "Neg", "Sub", "Div", "Pow",
        "add", "mul", "neg", "sub", "rsub", "div", "rdiv", "pow",
    ],
    "zerograd.dezero.core_simple": [
        "Variable", "Function", "Config", "using_config", "no_grad", "as_array", "as_variable",
        "setup_variable", "Add", "Mul", "Neg", "Sub", "Div", "Pow", "add", "mul", "neg", "sub",
        "rsub", "div", "rdiv", "pow",
    ],
    "zerograd.dezero.functions": [
        "sin", "cos", "tanh", "exp", "log", "reshape", "transpose", "get_item", "expand_dims",
        "flatten", "sum", "sum_to", "broadcast_to", "average", "matmul", "linear", "sigmoid",
        "relu", "softmax", "log_softmax", "leaky_relu", "mean_squared_error",
        "softmax_cross_entropy", "sigmoid_cross_entropy", "binary_cross_entropy", "accuracy",
        "dropout", "batch_norm", "embed_id", "max", "min", "clip", "conv2d", "conv2d_simple",
        "deconv2d", "pooling", "pooling_simple", "average_pooling", "im2col", "col2im",
        "im2col_array", "col2im_array", "add", "sub", "rsub", "mul", "div", "neg", "pow",
        "linear_simple", "sigmoid_simple", "softmax_simple", "softmax_cross_entropy_simple",
        "mean_squared_error_simple",
        # the book's Function classes
        "Sin", "Cos", "Tanh", "Exp", "Log", "Reshape", "Transpose", "GetItem", "GetItemGrad",
        "Sum", "SumTo", "BroadcastTo", "MatMul", "Linear", "Sigmoid", "ReLU", "Softmax",
        "LogSoftmax", "LeakyReLU", "MeanSquaredError", "SoftmaxCrossEntropy", "BatchNorm", "Max",
        "Min", "Clip",
    ],
    "zerograd.dezero.functions_conv": [
        "conv2d", "deconv2d", "conv2d_simple", "pooling", "pooling_simple", "average_pooling",
        "im2col", "col2im", "im2col_array", "col2im_array",
    ],
    "zerograd.dezero.layers": [
        "Layer", "Linear", "Conv2d", "Deconv2d", "RNN", "LSTM", "EmbedID", "BatchNorm",
    ],
    "zerograd.dezero.models": [
        "Model", "Sequential", "MLP", "VGG16", "ResNet", "ResNet50", "ResNet101", "ResNet152",
        "BuildingBlock", "BottleneckA", "BottleneckB",
    ],
    "zerograd.dezero.optimizers": [
        "Optimizer", "SGD", "MomentumSGD", "AdaGrad", "AdaDelta", "Adam", "WeightDecay",
        "ClipGrad", "FreezeParam",
    ],
    "zerograd.dezero.datasets": [
        "Dataset", "get_spiral", "Spiral", "SinCurve", "MNIST", "CIFAR10", "CIFAR100",
        "Shakespear", "ImageNet",
    ],
    "zerograd.dezero.dataloaders": ["DataLoader", "SeqDataLoader"],
    "zerograd.dezero.transforms": [
        "Compose", "Convert", "Resize", "CenterCrop", "ToArray", "ToPIL", "RandomHorizontalFlip",
        "Normalize", "Flatten", "AsType", "ToFloat", "ToInt",
    ],
    "zerograd.dezero.utils": [
        "plot_dot_graph", "get_dot_graph", "sum_to", "gradient_check", "numerical_grad",
        "array_equal", "array_allclose", "get_file", "get_conv_outsize", "get_deconv_outsize",
        "pair",
    ],
    "zerograd.dezero.cuda": ["gpu_enable", "get_array_module", "as_numpy", "as_cupy", "cupy"],
}

BEYOND_THE_BOOK = {
    "zerograd.dezero": ["seed", "schedulers", "init", "save_checkpoint", "load_checkpoint"],
    "zerograd.dezero.functions": [
        "gelu", "silu", "elu", "softplus", "layer_norm", "concat", "stack", "split", "squeeze",
        "where", "maximum", "minimum", "sqrt", "abs", "mean", "var", "logsumexp", "huber_loss",
        "nll_loss", "rnn_cell", "lstm_cell", "gru_cell", "global_average_pooling", "swapaxes",
        "astype",
    ],
    "zerograd.dezero.layers": ["GRU", "LayerNorm", "Dropout", "Sequential", "LayerList",
                               "ParameterList"],
    "zerograd.dezero.models": ["ResNet18", "ResNet34"],
    "zerograd.dezero.optimizers": ["RMSprop", "AdamW"],
    "zerograd.dezero.schedulers": ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR",
                                   "LambdaLR", "LinearLR", "ReduceLROnPlateau", "LRScheduler"],
    "zerograd.dezero.init": ["xavier_uniform", "xavier_normal", "he_uniform", "he_normal",
                             "normal", "uniform", "zeros", "ones", "constant"],
    "zerograd.dezero.datasets": ["FashionMNIST", "read_idx", "write_idx", "CharVocabulary"],
    "zerograd.dezero.transforms": ["RandomCrop", "Transform"],
    "zerograd.dezero.utils": ["data_dir", "locate"],
}

# Where each facade module's names live. A name must be the very object of one of its homes.
HOMES = {
    "zerograd.dezero": ["zerograd.core", "zerograd.nn", "zerograd.data"],
    "zerograd.dezero.core": ["zerograd.core", "zerograd.core.functions", "zerograd.nn"],
    "zerograd.dezero.core_simple": ["zerograd.core", "zerograd.core.functions"],
    "zerograd.dezero.functions": [
        "zerograd.core.functions", "zerograd.nn.functions", "zerograd.nn.functions.activation",
        "zerograd.nn.functions.dropout", "zerograd.nn.functions.linear",
        "zerograd.nn.functions.loss", "zerograd.nn.functions.normalization",
        "zerograd.vision.functions", "zerograd.text.functions",
    ],
    "zerograd.dezero.functions_conv": ["zerograd.vision.functions"],
    "zerograd.dezero.layers": ["zerograd.nn.layers", "zerograd.vision.layers", "zerograd.text.layers"],
    "zerograd.dezero.models": ["zerograd.nn.models", "zerograd.vision.models"],
    "zerograd.dezero.optimizers": ["zerograd.nn.optimizers"],
    "zerograd.dezero.schedulers": ["zerograd.nn.schedulers"],
    "zerograd.dezero.init": ["zerograd.nn.init"],
    "zerograd.dezero.datasets": ["zerograd.data.datasets", "zerograd.vision.datasets",
                                 "zerograd.text.datasets", "zerograd.text.vocabulary"],
    "zerograd.dezero.dataloaders": ["zerograd.data.dataloaders"],
    "zerograd.dezero.transforms": ["zerograd.data.transforms", "zerograd.vision.transforms"],
    "zerograd.dezero.utils": ["zerograd.core.utils", "zerograd.data.download"],
    "zerograd.dezero.cuda": ["zerograd.core.cuda"],
}

TEACHING = {"linear_simple", "sigmoid_simple", "softmax_simple", "softmax_cross_entropy_simple",
            "mean_squared_error_simple"}
# core_simple's Variable keeps the book's array gradients (steps 28-29): a teaching class.
TEACHING_IN = {("zerograd.dezero.core_simple", "Variable")}
# The book's Pow(c) holds its constant: zerograd's PowConstant under the book's name.
ALIASES = {"Pow": zerograd.core.functions.PowConstant}


def _cases(table):
    return [(module, name) for module, names in table.items() for name in names]


@pytest.mark.parametrize(("module", "name"), _cases(BOOK_NAMES) + _cases(BEYOND_THE_BOOK))
def test_name_is_importable_from_its_facade_module(module, name):
    facade = importlib.import_module(module)
    assert hasattr(facade, name), f"{module} lacks {name}"
    assert name in facade.__all__, f"{name} is missing from {module}.__all__"


@pytest.mark.parametrize("module", sorted(HOMES))
def test_every_exported_name_is_its_home_object(module):
    facade = importlib.import_module(module)
    for name in facade.__all__:
        value = getattr(facade, name)
        if value is not None and value is zerograd.core.cuda.cupy:  # `cupy`/`cp` on a GPU: CuPy's
            continue
        if isinstance(value, types.ModuleType):
            assert value.__name__ == f"zerograd.dezero.{name}", f"{module}.{name}"
            continue
        if name == "is_simple_core":
            continue
        if name in TEACHING or (module, name) in TEACHING_IN:
            assert value.__module__ == "zerograd.dezero._teaching", f"{module}.{name}"
            continue
        if name in ALIASES:
            assert value is ALIASES[name], f"{module}.{name}"
            continue
        # import_module, not attribute access: zerograd.nn.functions.dropout is the function
        homes = [home for home in HOMES[module]
                 if getattr(importlib.import_module(home), name, None) is value]
        assert homes, f"{module}.{name} is not the object of any of its home modules"


@pytest.mark.parametrize("module", sorted(HOMES))
def test_facade_defines_no_classes_or_functions_of_its_own(module):
    facade = importlib.import_module(module)
    for name, value in vars(facade).items():
        if inspect.isclass(value) or inspect.isfunction(value):
            assert (not value.__module__.startswith("zerograd.dezero") or name in TEACHING
                    or (module, name) in TEACHING_IN), \
                f"{module}.{name} is defined in the facade"


def test_the_book_flags_and_identity_examples():
    assert dezero.is_simple_core is False
    assert dezero.Variable is zerograd.core.Variable
    assert dezero.functions.relu is zerograd.nn.functions.relu
    assert dezero.layers.Conv2d is zerograd.vision.layers.Conv2d
    assert dezero.layers.LSTM is zerograd.text.layers.LSTM
    assert dezero.models.Sequential is zerograd.nn.layers.Sequential
    assert dezero.datasets.Shakespear is zerograd.text.datasets.Shakespear
    assert dezero.transforms.Compose is zerograd.data.transforms.Compose
    assert dezero.cuda.cupy is zerograd.core.cuda.cupy
    assert dezero.test_mode is zerograd.nn.test_mode
    assert dezero.core.Variable is dezero.Variable
    assert issubclass(dezero.core_simple.Variable, dezero.Variable)  # with the book's array grad


def test_the_book_import_forms():
    # `from dezero.cuda import cupy`, `import dezero.functions_conv` and friends
    from zerograd.dezero import Function, Variable  # noqa: F401
    from zerograd.dezero.core import Function as CoreFunction  # noqa: F401
    from zerograd.dezero.cuda import cupy  # noqa: F401
    from zerograd.dezero.functions_conv import conv2d  # noqa: F401
    from zerograd.dezero.models import VGG16  # noqa: F401
    from zerograd.dezero.utils import get_file, plot_dot_graph  # noqa: F401

    for name in ["core", "core_simple", "functions", "functions_conv", "layers", "models",
                 "optimizers", "datasets", "dataloaders", "transforms", "utils", "cuda",
                 "schedulers", "init"]:
        assert importlib.import_module(f"zerograd.dezero.{name}") is getattr(dezero, name)


def test_the_books_layer_methods_and_layers_lists():
    for name in ["params", "cleargrads", "to_cpu", "to_gpu", "save_weights", "load_weights",
                 "forward", "__call__"]:
        assert callable(getattr(dezero.Layer, name)), name
    assert callable(dezero.models.Model.plot)
    mlp = dezero.models.MLP((3, 2))
    assert type(mlp.layers) is list and mlp.layers == [mlp.l0, mlp.l1]
    seq = dezero.models.Sequential(dezero.layers.Linear(3), dezero.functions.relu)
    assert type(seq.layers) is list and seq.layers == [seq.l0, dezero.functions.relu]
