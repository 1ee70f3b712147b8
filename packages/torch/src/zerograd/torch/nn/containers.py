"""``nn.Sequential``, ``ModuleList``, ``ModuleDict``, ``ParameterList``, ``ParameterDict``: children
registered under PyTorch's keys ('0', '1', ... or the dict's), so state dicts match PyTorch's."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from zerograd.nn import Layer
from zerograd.nn import layers as native
from zerograd.torch.nn.module import Module
from zerograd.torch.nn.printing import module_repr
from zerograd.torch.tensor import Parameter


def _module(value: Any, where: str) -> Layer:
    """``value`` when it is a Module, else a TypeError that starts with ``where``."""
    if not isinstance(value, Layer):
        raise TypeError(f"{where} must be Modules, got {type(value).__name__}")
    return value


def _parameter(value: Any) -> Parameter:
    """``value`` as an ``nn.Parameter`` (one already is kept as it is)."""
    return value if isinstance(value, Parameter) else Parameter(value)


class _SlicedAsSelf:
    """PyTorch's slicing for the lists below: a slice of one is a new one of the same type."""

    def __getitem__(self, index: Any) -> Any:
        entries = super().__getitem__(index)
        return type(self)(entries) if isinstance(index, slice) else entries


class ModuleList(_SlicedAsSelf, native.LayerList, Module):
    """zerograd's LayerList (entries registered as '0', '1', ...) as a Module."""

    def __init__(self, modules: Iterable[Layer] | None = None) -> None:
        super().__init__(modules)

    def _checked(self, value: Any) -> Any:
        return _module(value, "ModuleList: entries")

    def __repr__(self) -> str:
        return module_repr(self, fold_repeats=True)  # PyTorch folds runs of equal entries


class Sequential(ModuleList):
    """``Sequential(m1, m2, ...)`` or ``Sequential(OrderedDict(name=module))``; calls them in turn."""

    def __init__(self, *modules: Any) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], Mapping):
            for name, module in modules[0].items():
                setattr(self, name, self._checked(module))
        else:
            self.extend(modules[0] if len(modules) == 1 and isinstance(modules[0], list) else modules)

    def forward(self, x: Any) -> Any:
        for module in self._entries():
            x = module(x)
        return x

    def __repr__(self) -> str:
        return module_repr(self)


class ParameterList(_SlicedAsSelf, native.ParameterList, Module):
    """zerograd's ParameterList as a Module; values become ``nn.Parameter``s."""

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__(values)

    def _checked(self, value: Any) -> Any:
        return _parameter(value)

    def extra_repr(self) -> str:
        return "\n".join(f"  ({i}): Parameter containing: [torch.{p.dtype} of size "
                         f"{'x'.join(map(str, p.shape))}]" for i, p in enumerate(self))

    def __repr__(self) -> str:
        return module_repr(self)


class _Keyed(Module):
    """Entries registered as attributes under their keys, in insertion order; ``_checked(value)``
    returns what a value is stored as, or raises."""

    def __init__(self, entries: Mapping[str, Any] | None = None) -> None:
        super().__init__()
        self.update(entries or {})

    def __getitem__(self, key: str) -> Any:
        if key not in self._registered_names():
            raise KeyError(key)
        return self.__dict__[key]

    def __setitem__(self, key: str, value: Any) -> None:
        setattr(self, key, self._checked(value))

    def __contains__(self, key: str) -> bool:
        return key in self._registered_names()

    def __len__(self) -> int:
        return len(self._registered_names())

    def __iter__(self) -> Iterator[str]:
        return iter(self._registered_names())

    def keys(self) -> list[str]:
        return self._registered_names()

    def values(self) -> list[Any]:
        return [self.__dict__[k] for k in self._registered_names()]

    def items(self) -> list[tuple[str, Any]]:
        return [(k, self.__dict__[k]) for k in self._registered_names()]

    def update(self, entries: Mapping[str, Any]) -> None:
        for key, value in OrderedDict(entries).items():
            self[key] = value

    def _checked(self, value: Any) -> Any:
        return value


class ModuleDict(_Keyed):
    def __init__(self, modules: Mapping[str, Layer] | None = None) -> None:
        super().__init__(modules)

    def _checked(self, value: Any) -> Any:
        return _module(value, "ModuleDict: values")


# torch.typename of a tensor of each dtype, as ParameterDict prints it
_TENSOR_TYPES = {"float16": "HalfTensor", "float32": "FloatTensor", "float64": "DoubleTensor",
                 "int64": "LongTensor", "int32": "IntTensor", "uint8": "ByteTensor",
                 "bool": "BoolTensor"}


class ParameterDict(_Keyed):
    def __init__(self, parameters: Mapping[str, Any] | None = None) -> None:
        super().__init__(parameters)

    def _checked(self, value: Any) -> Any:
        return _parameter(value)

    def extra_repr(self) -> str:
        return "\n".join(f"  ({k}): Parameter containing: [torch."
                         f"{_TENSOR_TYPES.get(str(p.dtype), str(p.dtype))} of size "
                         f"{'x'.join(map(str, p.shape))}]" for k, p in self.items())
