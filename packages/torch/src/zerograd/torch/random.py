"""``torch.Generator``: a random generator of its own, for reproducible draws that do not disturb
(nor depend on) the global one.

A Generator holds a NumPy ``Generator`` (PCG64): ``manual_seed(n)`` restarts it from ``n``,
``seed()`` from a fresh non-deterministic seed, ``get_state()``/``set_state()`` save and restore it
as a uint8 Tensor, as in PyTorch. ``torch.default_generator`` stands for zerograd's global source
(NumPy's global generator, the book's rule), so ``torch.manual_seed`` and
``torch.default_generator.manual_seed`` agree. Numbers differ from PyTorch's for the same seed:
reproducibility is per generator, not across frameworks.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from zerograd.core import seed as seed_everything


def _encode(state: Any) -> np.ndarray:
    text = json.dumps(state, default=lambda a: {"__array__": np.asarray(a).tolist(),
                                               "dtype": str(np.asarray(a).dtype)})
    return np.frombuffer(text.encode(), dtype=np.uint8).copy()


def _decode(array: Any) -> Any:
    def hook(obj: dict) -> Any:
        if "__array__" in obj:
            return np.asarray(obj["__array__"], dtype=obj["dtype"])
        return obj

    return json.loads(np.asarray(getattr(array, "data", array), dtype=np.uint8).tobytes().decode(),
                      object_hook=hook)


class Generator:
    """``torch.Generator(device='cpu')``."""

    def __init__(self, device: Any = "cpu") -> None:
        self.device = device
        self._initial_seed = 67280421310721  # PyTorch's default seed of a new Generator
        self._rng = np.random.default_rng(self._initial_seed)

    def manual_seed(self, seed: int) -> Generator:
        seed = int(seed)
        if seed < 0:
            seed += 1 << 64  # PyTorch accepts negative seeds and wraps them
        self._initial_seed = seed
        self._rng = np.random.default_rng(seed)
        return self

    def seed(self) -> int:
        new = int(np.random.SeedSequence().entropy) % (1 << 63)
        self.manual_seed(new)
        return new

    def initial_seed(self) -> int:
        return self._initial_seed

    def get_state(self) -> Any:
        from zerograd.torch.tensor import Tensor
        return Tensor(_encode(self._rng.bit_generator.state), requires_grad=False)

    def set_state(self, new_state: Any) -> Generator:
        state = _decode(new_state)
        bit_generator = getattr(np.random, state["bit_generator"])()
        bit_generator.state = state
        self._rng = np.random.Generator(bit_generator)
        return self

    def numpy_generator(self) -> Any:
        """What zerograd draws from: a ``numpy.random.Generator``."""
        return self._rng


class _DefaultGenerator(Generator):
    """NumPy's global generator under PyTorch's ``default_generator`` interface."""

    def __init__(self) -> None:
        self.device = "cpu"
        self._initial_seed = None

    def manual_seed(self, seed: int) -> Generator:
        self._initial_seed = int(seed)
        seed_everything(int(seed) % (1 << 32))
        return self

    def seed(self) -> int:
        new = int(np.random.SeedSequence().entropy) % (1 << 32)
        return self.manual_seed(new).initial_seed()

    def initial_seed(self) -> int:
        if self._initial_seed is None:
            self._initial_seed = self.seed()
        return self._initial_seed

    def get_state(self) -> Any:
        from zerograd.torch.tensor import Tensor
        name, keys, pos, has_gauss, cached = np.random.get_state()  # noqa: NPY002
        state = {"name": name, "keys": keys, "pos": pos, "has_gauss": has_gauss, "cached": cached}
        return Tensor(_encode(state), requires_grad=False)

    def set_state(self, new_state: Any) -> Generator:
        s = _decode(new_state)
        np.random.set_state((s["name"], np.asarray(s["keys"], dtype=np.uint32), s["pos"],  # noqa: NPY002
                             s["has_gauss"], s["cached"]))
        return self

    def numpy_generator(self) -> Any:
        return np.random.mtrand._rand  # the RandomState behind np.random.*


default_generator = _DefaultGenerator()


def source(generator: Generator | None) -> Any:
    """What to draw from: ``generator``'s NumPy generator, or NumPy's global one."""
    if generator is None:
        return np.random.mtrand._rand
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a torch.Generator, got {type(generator).__name__}")
    return generator.numpy_generator()


# The method behind each kind of draw, as numpy.random.Generator and RandomState spell it.
_METHODS = {True: {"random": "random", "normal": "standard_normal", "integers": "integers"},
            False: {"random": "random_sample", "normal": "standard_normal", "integers": "randint"}}


def _numbers(rng: Any, kind: str, size: Any, *args: Any) -> np.ndarray:
    if kind == "permutation":
        return rng.permutation(args[0])
    method = getattr(rng, _METHODS[isinstance(rng, np.random.Generator)][kind])
    return method(*args, size=size)


def random(generator: Any, size: Any) -> np.ndarray:
    return _numbers(source(generator), "random", size)


def normal(generator: Any, size: Any) -> np.ndarray:
    return _numbers(source(generator), "normal", size)


def integers(generator: Any, low: int, high: int, size: Any) -> np.ndarray:
    return _numbers(source(generator), "integers", size, low, high)


def permutation(generator: Any, n: int) -> np.ndarray:
    return _numbers(source(generator), "permutation", None, n)


def get_rng_state() -> Any:
    return default_generator.get_state()


def set_rng_state(new_state: Any) -> None:
    default_generator.set_state(new_state)


def initial_seed() -> int:
    return default_generator.initial_seed()


def seed() -> int:
    return default_generator.seed()
