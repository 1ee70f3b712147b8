"""Each compiled kernel against its NumPy reference, in one process: the op's step (forward and
backward, or one optimizer update) alternating ``Config.kernels`` off and on, best of the rounds,
CPU time and wall time (the kernels' before/after tables in RESULTS.md).

    OMP_NUM_THREADS=1 python benchmarks/kernel_ops.py --rounds 20            # every case
    OMP_NUM_THREADS=2 python benchmarks/kernel_ops.py adam layer_norm        # some cases

A case is a function decorated with ``@case("name")`` that builds its data once and returns a
zero-argument step. Best of rounds (not the median) because the steps are short and the machine is
shared: the minimum is the least disturbed figure of the same work.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

CASES: dict[str, Callable[[], Callable[[], object]]] = {}


def case(name: str):
    def register(build: Callable[[], Callable[[], object]]):
        CASES[name] = build
        return build
    return register


def _rng() -> np.random.Generator:
    return np.random.default_rng(0)


def forward_backward(function: Callable, *inputs: np.ndarray) -> Callable[[], None]:
    """A step that runs ``function`` on fresh Variables of ``inputs`` and backpropagates a sum."""
    from zerograd.core import Variable

    def step() -> None:
        variables = [Variable(a) for a in inputs]
        function(*variables).sum().backward()

    return step


# --- optimizers --------------------------------------------------------------------------------
def _resnet18_shapes() -> list[tuple[int, ...]]:
    """The parameters of ResNet-18 for 32x32 images and 10 classes (11.2 million elements)."""
    shapes: list[tuple[int, ...]] = [(64, 3, 3, 3), (64,), (64,)]
    width = 64
    for out in (64, 128, 256, 512):
        for block in range(2):
            cin = width if block == 0 else out
            shapes += [(out, cin, 3, 3), (out,), (out,), (out, out, 3, 3), (out,), (out,)]
            if block == 0 and cin != out:
                shapes += [(out, cin, 1, 1), (out,), (out,)]
        width = out
    return shapes + [(10, 512), (10,)]


_MLP = [(784, 1000), (1000,), (1000, 1000), (1000,), (1000, 10), (10,)]  # 1.8 million elements
_SMALL_MLP = [(784, 100), (100,), (100, 10), (10,)]  # the book's MLP: 79,510 elements


def optimizer_step(make, shapes: list[tuple[int, ...]]) -> Callable[[], None]:
    """A step of ``make()``'s update over float32 parameters of ``shapes`` with fixed gradients."""
    from zerograd.core import Parameter, Variable
    params = []
    for shape in shapes:
        param = Parameter(_rng().standard_normal(shape).astype(np.float32))
        param.grad = Variable(_rng().standard_normal(shape).astype(np.float32))
        params.append(param)
    return make().setup(params).update


@case("adam_resnet18")
def adam_resnet18():
    from zerograd.nn import optimizers
    return optimizer_step(lambda: optimizers.Adam(lr=1e-3), _resnet18_shapes())


@case("adamw_resnet18")
def adamw_resnet18():
    from zerograd.nn import optimizers
    return optimizer_step(lambda: optimizers.AdamW(lr=1e-3, weight_decay=0.01),
                          _resnet18_shapes())


@case("sgd_momentum_resnet18")
def sgd_momentum_resnet18():
    from zerograd.nn import optimizers
    return optimizer_step(lambda: optimizers.MomentumSGD(lr=0.1, momentum=0.9, weight_decay=5e-4),
                          _resnet18_shapes())


@case("adam_mlp")
def adam_mlp():
    from zerograd.nn import optimizers
    return optimizer_step(lambda: optimizers.Adam(lr=1e-3), _MLP)


@case("sgd_momentum_mlp")
def sgd_momentum_mlp():
    from zerograd.nn import optimizers
    return optimizer_step(lambda: optimizers.MomentumSGD(lr=0.1, momentum=0.9), _MLP)


@case("adam_one_large")
def adam_one_large():
    """One 4096 x 1024 weight: update() has no threads of its own to share, the kernel's run."""
    from zerograd.nn import optimizers
    return optimizer_step(lambda: optimizers.Adam(lr=1e-3), [(4096, 1024)])


@case("adam_small_mlp")
def adam_small_mlp():
    from zerograd.nn import optimizers
    return optimizer_step(lambda: optimizers.Adam(lr=1e-3), _SMALL_MLP)


@case("sgd_momentum_small_mlp")
def sgd_momentum_small_mlp():
    from zerograd.nn import optimizers
    return optimizer_step(lambda: optimizers.MomentumSGD(lr=0.1, momentum=0.9), _SMALL_MLP)



# --- normalization -----------------------------------------------------------------------------
@case("layer_norm")
def layer_norm():
    from zerograd.nn import functions as F
    x = _rng().standard_normal((64 * 64, 256)).astype(np.float32)  # a GPT block's activation
    gamma, beta = np.ones(256, np.float32), np.zeros(256, np.float32)
    return forward_backward(F.layer_norm, x, gamma, beta)


@case("batch_norm")
def batch_norm():
    from zerograd.nn import functions as F
    x = _rng().standard_normal((64, 64, 32, 32)).astype(np.float32)  # a ResNet stage's activation
    gamma, beta = np.ones(64, np.float32), np.zeros(64, np.float32)
    mean, var = np.zeros(64, np.float32), np.ones(64, np.float32)
    return forward_backward(lambda *v: F.batch_norm(*v, mean, var), x, gamma, beta)


@case("batch_norm_test")
def batch_norm_test():
    from zerograd.nn import functions as F
    x = _rng().standard_normal((64, 64, 32, 32)).astype(np.float32)
    gamma, beta = np.ones(64, np.float32), np.zeros(64, np.float32)
    mean, var = np.zeros(64, np.float32), np.ones(64, np.float32)
    return forward_backward(lambda *v: F.batch_norm(*v, mean, var, train=False), x, gamma, beta)


# --- softmax, cross entropy, attention, GELU ---------------------------------------------------
def _softmax_cross_entropy(n: int, classes: int):
    from zerograd.nn import functions as F
    x = _rng().standard_normal((n, classes)).astype(np.float32)
    t = _rng().integers(0, classes, n)
    return forward_backward(lambda v: F.softmax_cross_entropy(v, t), x)


@case("softmax_ce_100x10")
def softmax_ce_small():
    return _softmax_cross_entropy(100, 10)


@case("softmax_ce_4096x65")
def softmax_ce_char_gpt():  # the char GPT's logits: batch 64 x 64 positions, 65 characters
    return _softmax_cross_entropy(64 * 64, 65)


@case("attention_causal")
def attention_causal():  # the char GPT's attention: batch 64, 4 heads, 64 positions, 64 features
    from zerograd.nn import functions as F
    q, k, v = (_rng().standard_normal((64, 4, 64, 64)).astype(np.float32) for _ in range(3))
    return forward_backward(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, is_causal=True),
                            q, k, v)


def _gelu(approximate: str):
    from zerograd.nn import functions as F
    x = _rng().standard_normal((64 * 64, 1024)).astype(np.float32)
    return forward_backward(lambda v: F.gelu(v, approximate), x)


@case("gelu_4096x1024")
def gelu_erf():  # the GPT MLP's hidden layer
    return _gelu("none")


@case("gelu_tanh_4096x1024")
def gelu_tanh():
    return _gelu("tanh")



# --- convolution and pooling -------------------------------------------------------------------
def with_gradient(function: Callable, *inputs: np.ndarray) -> Callable[[], None]:
    """A step that runs ``function`` on fresh Variables of ``inputs`` and backpropagates a fixed
    random output gradient laid out channels-last, as a network's next layer hands it back (a
    sum's broadcast gradient would make the convolution's matrix products copy it)."""
    from zerograd.core import Variable
    from zerograd.vision.functions.windows import channels_last

    def step() -> None:
        y = function(*[Variable(a) for a in inputs])
        if "gy" not in cache:
            cache["gy"] = channels_last(_rng().standard_normal(y.shape).astype(y.dtype))
        y.grad = Variable(cache["gy"])
        y.backward()

    cache: dict[str, np.ndarray] = {}
    return step


def _conv_case(x_shape: tuple, w_shape: tuple, **geometry: int) -> Callable[[], None]:
    from zerograd.vision import functions as VF
    from zerograd.vision.functions.windows import channels_last
    x = channels_last(_rng().standard_normal(x_shape).astype(np.float32))
    w = _rng().standard_normal(w_shape).astype(np.float32) * 0.05
    return with_gradient(lambda v, k: VF.conv2d(v, k, **geometry), x, w)


@case("max_pool_2x2")
def max_pool_2x2():
    from zerograd.vision import functions as VF
    x = _rng().standard_normal((100, 32, 28, 28)).astype(np.float32)
    return forward_backward(lambda v: VF.pooling(v, 2, 2), x)


@case("max_pool_3x3s2")
def max_pool_3x3s2():  # ResNet-18's pooling on 32x32 images (zerograd.vision.models)
    from zerograd.vision import functions as VF
    from zerograd.vision.functions.windows import channels_last
    x = channels_last(_rng().standard_normal((64, 64, 16, 16)).astype(np.float32))
    return with_gradient(lambda v: VF.pooling(v, 3, 2), x)


@case("max_pool_3x3s2p1")
def max_pool_3x3s2p1():  # torchvision's ResNet pooling, on a 32x32 map
    from zerograd.vision import functions as VF
    from zerograd.vision.functions.windows import channels_last
    x = channels_last(_rng().standard_normal((64, 64, 32, 32)).astype(np.float32))
    return with_gradient(lambda v: VF.pooling(v, 3, 2, 1), x)


@case("conv2d_3x3")
def conv2d_3x3():  # the CNN benchmark's second convolution
    return _conv_case((100, 32, 14, 14), (64, 32, 3, 3), pad=1)


@case("conv2d_3x3_64")
def conv2d_3x3_64():
    return _conv_case((64, 64, 32, 32), (64, 64, 3, 3), pad=1)


@case("conv2d_3x3s2_128")
def conv2d_3x3s2_128():
    return _conv_case((64, 128, 16, 16), (256, 128, 3, 3), stride=2, pad=1)


# --- recurrent ---------------------------------------------------------------------------------
@case("lstm_sequence")
def lstm_sequence():
    """benchmarks/lstm.py's shapes: 35 steps, batch 32, input 64, hidden 256."""
    from zerograd.text.functions import lstm_sequence as run
    x = _rng().standard_normal((35, 32, 64)).astype(np.float32)
    w_x, w_h = (_rng().standard_normal((n, 1024)).astype(np.float32) * 0.06 for n in (64, 256))
    b = np.zeros(1024, np.float32)
    return forward_backward(lambda v, *w: run(v, [w])[0], x, w_x, w_h, b)


@case("gru_sequence")
def gru_sequence():
    """The same shapes with a GRU (3 gates)."""
    from zerograd.text.functions import gru_sequence as run
    x = _rng().standard_normal((35, 32, 64)).astype(np.float32)
    w_x, w_h = (_rng().standard_normal((n, 768)).astype(np.float32) * 0.06 for n in (64, 256))
    b = np.zeros(768, np.float32)
    return forward_backward(lambda v, *w: run(v, [w])[0], x, w_x, w_h, b, b)


def measure(build: Callable[[], Callable[[], object]], rounds: int, calls: int) -> dict:
    """Best seconds per call (CPU, wall) with the kernels off and on, alternating round by round."""
    from zerograd.core import Config

    step = build()
    for on in (True, False):  # compile or load the kernels, warm the heap
        Config.kernels = on
        step()
        step()
    best = {on: [float("inf"), float("inf")] for on in (False, True)}
    for _ in range(rounds):
        for on in (False, True):
            Config.kernels = on
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(calls):
                step()
            best[on][0] = min(best[on][0], (time.process_time() - cpu) / calls)
            best[on][1] = min(best[on][1], (time.perf_counter() - wall) / calls)
    Config.kernels = True
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", help=f"which cases (default all: {', '.join(CASES)})")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--calls", type=int, default=3, help="calls per round")
    args = parser.parse_args()
    unknown = sorted(set(args.cases) - set(CASES))
    if unknown:
        parser.error(f"unknown cases {unknown}; known: {sorted(CASES)}")
    print("| case | NumPy (CPU) | kernels (CPU) | ratio CPU | ratio wall |")
    print("| --- | --- | --- | --- | --- |")
    for name in args.cases or CASES:
        best = measure(CASES[name], args.rounds, args.calls)
        off, on = best[False], best[True]
        print(f"| {name} | {off[0] * 1e3:.3f} ms | {on[0] * 1e3:.3f} ms | "
              f"{on[0] / off[0]:.2f}x | {on[1] / off[1]:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
