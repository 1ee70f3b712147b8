"""``nn.Sequential``, ``ModuleList``, ``ModuleDict``, ``ParameterList``, ``ParameterDict``: children
registered under PyTorch's keys ('0', '1', ... or the dict's), so state dicts match PyTorch's."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from zerograd.nn import Layer
from zerograd.torch.nn.module import Module
from zerograd.torch.tensor import Parameter


class _Indexed(Module):
    """Entries registered as attributes '0', '1', ...; the order is the registration order."""

    def _entries(self) -> list[Any]:
        return [self.__dict__[name] for name in self._params]

    def __len__(self) -> int:
        return len(self._params)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._entries())

    def __getitem__(self, index: Any) -> Any:
        entries = self._entries()
        if isinstance(index, slice):
            return type(self)(entries[index])
        return entries[index]

    def __setitem__(self, index: int, value: Any) -> None:
        name = list(self._params)[index]
        setattr(self, name, value)

    def append(self, value: Any) -> _Indexed:
        setattr(self, str(len(self)), self._checked(value))
        return self

    def extend(self, values: Iterable[Any]) -> _Indexed:
        for value in values:
            self.append(value)
        return self

    def _checked(self, value: Any) -> Any:
        return value


class ModuleList(_Indexed):
    def __init__(self, modules: Iterable[Layer] | None = None) -> None:
        super().__init__()
        self.extend(modules or ())

    def _checked(self, value: Any) -> Any:
        if not isinstance(value, Layer):
            raise TypeError(f"ModuleList: entries must be Modules, got {type(value).__name__}")
        return value


class Sequential(ModuleList):
    """``Sequential(m1, m2, ...)`` or ``Sequential(OrderedDict(name=module))``; calls them in turn."""

    def __init__(self, *modules: Any) -> None:
        Module.__init__(self)
        if len(modules) == 1 and isinstance(modules[0], Mapping):
            for name, module in modules[0].items():
                setattr(self, name, self._checked(module))
        else:
            self.extend(modules[0] if len(modules) == 1 and isinstance(modules[0], list) else modules)

    def forward(self, x: Any) -> Any:
        for module in self._entries():
            x = module(x)
        return x


class ParameterList(_Indexed):
    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        self.extend(values or ())

    def _checked(self, value: Any) -> Any:
        return value if isinstance(value, Parameter) else Parameter(value)


class _Keyed(Module):
    def __getitem__(self, key: str) -> Any:
        if key not in self._params:
            raise KeyError(key)
        return self.__dict__[key]

    def __setitem__(self, key: str, value: Any) -> None:
        setattr(self, key, self._checked(value))

    def __contains__(self, key: str) -> bool:
        return key in self._params

    def __len__(self) -> int:
        return len(self._params)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._params))

    def keys(self) -> list[str]:
        return list(self._params)

    def values(self) -> list[Any]:
        return [self.__dict__[k] for k in self._params]

    def items(self) -> list[tuple[str, Any]]:
        return [(k, self.__dict__[k]) for k in self._params]

    def update(self, entries: Mapping[str, Any]) -> None:
        for key, value in OrderedDict(entries).items():
            self[key] = value

    def _checked(self, value: Any) -> Any:
        return value


class ModuleDict(_Keyed):
    def __init__(self, modules: Mapping[str, Layer] | None = None) -> None:
        super().__init__()
        self.update(modules or {})

    def _checked(self, value: Any) -> Any:
        if not isinstance(value, Layer):
            raise TypeError(f"ModuleDict: values must be Modules, got {type(value).__name__}")
        return value


class ParameterDict(_Keyed):
    def __init__(self, parameters: Mapping[str, Any] | None = None) -> None:
        super().__init__()
        self.update(parameters or {})

    def _checked(self, value: Any) -> Any:
        return value if isinstance(value, Parameter) else Parameter(value)
