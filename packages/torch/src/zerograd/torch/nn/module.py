"""``nn.Module``: zerograd's Layer (registration, named iterators, train/eval) under PyTorch's
remaining names and meanings: buffers that are Tensors (persistent or not), ``apply`` children
first, forward and backward hooks, dtype casts, state dicts with PyTorch's keys, strict loading
with PyTorch's errors and result, and PyTorch's printed tree."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

from zerograd.core import ShapeError, Variable
from zerograd.core import cuda as core_cuda
from zerograd.nn import IncompatibleKeys, Layer
from zerograd.torch.devices import device
from zerograd.torch.nn.hooks import RemovableHandle, call_with_hooks
from zerograd.torch.nn.printing import module_repr
from zerograd.torch.tensor import Parameter, Tensor

__all__ = ["Module", "ShapeError", "buffer_array"]


def buffer_array(value: Any) -> Any:
    """The array a buffer holds (buffers are Tensors; None stays None)."""
    return value.data if isinstance(value, Variable) else value


def _buffer_tensor(owner: str, name: str, value: Any) -> Any:
    """A buffer value as PyTorch keeps it: a Tensor that needs no gradient, or None. Arrays are
    wrapped (sharing memory); anything else is PyTorch's TypeError."""
    if value is None or (isinstance(value, Tensor) and not isinstance(value, Parameter)):
        return value
    if isinstance(value, Variable):
        return Tensor(value.data, requires_grad=False)
    if isinstance(value, np.ndarray) or core_cuda.get_array_module(value) is not np:
        return Tensor(value, requires_grad=False)
    raise TypeError(f"cannot assign '{type(value).__name__}' object to buffer '{name}' of "
                    f"{owner} (torch Tensor or None required)")


class _IncompatibleKeys(IncompatibleKeys):
    """PyTorch's load_state_dict result: (missing_keys, unexpected_keys), printed as PyTorch
    prints it."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return (f"_IncompatibleKeys(missing_keys={self.missing_keys}, "
                f"unexpected_keys={self.unexpected_keys})")

    __str__ = __repr__


class Module(Layer):
    """Subclass it, call ``super().__init__()``, assign Parameters and Modules, write ``forward``."""

    def __init__(self) -> None:
        super().__init__()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if "_hooks" not in self.__dict__:  # the common case: no hook was ever registered
            return self.forward(*args, **kwargs)
        return call_with_hooks(self, self.__dict__["_hooks"], args, kwargs)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self.__dict__.get("_buffers", ()) and not isinstance(value, (Parameter, Layer)):
            object.__setattr__(self, name, _buffer_tensor(type(self).__name__, name, value))
            return
        if name in self.__dict__.get("_params", ()) and isinstance(value, Variable) \
                and not isinstance(value, Parameter) and not isinstance(self.__dict__[name], Layer):
            raise TypeError(f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                            f"(torch.nn.Parameter or None expected)")
        Layer.__setattr__(self, name, value)

    # --- registration ------------------------------------------------------------------------
    def register_parameter(self, name: str, param: Parameter | None) -> None:
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: {name!r} must be an nn.Parameter or None, "
                            f"got {type(param).__name__}")
        setattr(self, name, param)

    def register_buffer(self, name: str, tensor: Any, persistent: bool = True) -> None:
        """A Tensor (or None) kept with the module, moved and cast with it, saved in state_dict
        unless ``persistent=False``."""
        if not isinstance(name, str):
            raise TypeError(f"buffer name should be a string. Got {type(name).__name__}")
        if "." in name or name == "":
            raise KeyError('buffer name can\'t contain "."' if name
                           else 'buffer name can\'t be empty string ""')
        if (name in self.__dict__ or hasattr(type(self), name)) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        value = _buffer_tensor(type(self).__name__, name, tensor)
        self._buffers[name] = None
        object.__setattr__(self, name, value)
        non_persistent = self.__dict__.setdefault("_non_persistent", set())
        if persistent:
            non_persistent.discard(name)
        else:
            non_persistent.add(name)

    def add_module(self, name: str, module: Layer | None) -> None:
        if module is not None and not isinstance(module, Layer):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        setattr(self, name, module)

    register_module = add_module

    def get_submodule(self, target: str) -> Layer:
        module: Any = self
        for part in target.split(".") if target else []:
            child = module.__dict__.get(part)
            if not isinstance(child, Layer):
                raise AttributeError(f"{type(module).__name__} has no attribute `{part}`")
            module = child
        return module

    # --- hooks -------------------------------------------------------------------------------
    def _add_hook(self, kind: str, hook: Callable, prepend: bool) -> RemovableHandle:
        if not callable(hook):
            raise TypeError(f"{kind} hook must be callable, got {type(hook).__name__}")
        hooks = self.__dict__.setdefault("_hooks", {})
        return RemovableHandle(self, hooks.setdefault(kind, {}), hook, prepend)

    def register_forward_pre_hook(self, hook: Callable, *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        """``hook(module, args)`` before forward; a non-None result replaces the args."""
        if with_kwargs:
            raise NotImplementedError("register_forward_pre_hook: with_kwargs=True is not supported")
        return self._add_hook("forward_pre", hook, prepend)

    def register_forward_hook(self, hook: Callable, *, prepend: bool = False,
                              with_kwargs: bool = False, always_call: bool = False) -> RemovableHandle:
        """``hook(module, args, output)`` after forward; a non-None result replaces the output."""
        if with_kwargs or always_call:
            raise NotImplementedError("register_forward_hook: with_kwargs and always_call are "
                                      "not supported")
        return self._add_hook("forward", hook, prepend)

    def register_full_backward_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """``hook(module, grad_input, grad_output)`` once the gradients with respect to the
        module's inputs are computed; a non-None result replaces grad_input."""
        return self._add_hook("backward", hook, prepend)

    def register_backward_hook(self, hook: Callable) -> RemovableHandle:
        raise NotImplementedError("register_backward_hook is deprecated in PyTorch and not "
                                  "supported: use register_full_backward_hook")

    # --- traversal ---------------------------------------------------------------------------
    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Any]]:
        if recurse:
            yield from Layer.named_params(self, prefix)
            return
        for name in self._params:
            value = self.__dict__[name]
            if not isinstance(value, Layer):
                yield (f"{prefix}.{name}" if prefix else name), value

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        """(dotted name, Tensor) for every buffer that is not None, module by module."""
        modules = Layer.named_modules(self, prefix) if recurse else iter([(prefix, self)])
        seen: set[int] = set()
        for module_name, module in modules:
            for name in module.__dict__["_buffers"]:
                value = module.__dict__[name]
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{module_name}.{name}" if module_name else name), value

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, value in self.named_buffers(recurse=recurse):
            yield value

    def apply(self, fn: Callable[[Any], Any]) -> Module:
        """``fn(module)`` on every child's tree, then on this module (PyTorch's order)."""
        for child in self.children():
            child.apply(fn) if isinstance(child, Module) else Module.apply(child, fn)
        fn(self)
        return self

    # --- gradients ---------------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        for param in self.parameters():
            if set_to_none or param.grad is None:
                param.grad = None
            else:
                param.grad.zero_()

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Freeze (False) or unfreeze every parameter: backward computes no gradient for a
        frozen one, so optimizers leave it as it is."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    # --- state -------------------------------------------------------------------------------
    def _state_entries(self, sized_only: bool = True) -> dict[str, Any]:
        """{PyTorch key: Parameter or buffer Tensor} for every entry state_dict saves (with
        ``sized_only=False`` also the parameters a lazy module has not sized yet, which
        loading sizes)."""
        from zerograd.torch.convert import entries
        values: dict[str, Any] = dict(Layer.named_params(self))
        for module_name, module in Layer.named_modules(self):
            skipped = module.__dict__.get("_non_persistent", ())
            for name in module.__dict__["_buffers"]:
                if name not in skipped and module.__dict__[name] is not None:
                    values[f"{module_name}.{name}" if module_name else name] = module.__dict__[name]
        return {entry.native: values[entry.native] for entry in entries(self)
                if entry.native in values
                and (not sized_only or buffer_array(values[entry.native]) is not None)}

    def state_dict(self, *args: Any, destination: Any = None, prefix: str = "",
                   keep_vars: bool = False) -> dict:
        """{dotted name: Tensor sharing the parameter's or buffer's array}: PyTorch's keys in
        PyTorch's order (module by module, each one's parameters, then its buffers);
        non-persistent buffers are left out."""
        if args:  # PyTorch's deprecated positional form: (destination, prefix, keep_vars)
            destination, prefix, keep_vars = (*args, prefix, keep_vars)[:3]
        state = OrderedDict() if destination is None else destination
        for key, value in self._state_entries().items():
            state[prefix + key] = value if keep_vars else Tensor(buffer_array(value),
                                                                 requires_grad=False)
        return state

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True,
                        assign: bool = False) -> _IncompatibleKeys:
        """Copy the arrays in (Tensors, arrays or PyTorch's own tensors), all or nothing.
        Missing or unexpected keys (with ``strict``) and size mismatches (always) raise
        PyTorch's RuntimeError (a ShapeError, so also a ValueError) listing each; otherwise
        returns (missing_keys, unexpected_keys)."""
        from zerograd.torch.convert import loadable
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        expected = self._state_entries(sized_only=False)
        state = {key: loadable(value) for key, value in state_dict.items()}
        for key in _counters_to_keep(expected, state):
            state[key] = buffer_array(expected[key])  # PyTorch keeps the count it has
        missing = [key for key in expected if key not in state]
        unexpected = [key for key in state if key not in expected]
        errors = [] if not strict else _key_errors(missing, unexpected)
        errors += _size_errors(expected, state)
        if errors:
            raise ShapeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                             + "\n\t".join(errors))
        Layer.load_state_dict(self, {key: state[key] for key in expected if key in state},
                              strict=False)
        for module in self.modules():
            if hasattr(module, "restore_layout"):
                module.restore_layout()
        return _IncompatibleKeys(missing, unexpected)

    # --- devices and dtypes ------------------------------------------------------------------
    def to(self, *args: Any, **kwargs: Any) -> Module:
        """``to(device)``, ``to(dtype)``, ``to(device, dtype)`` or ``to(tensor)``: moves every
        parameter and buffer (CuPy for 'cuda') and casts the floating ones."""
        target, dtype = _to_arguments(args, kwargs)
        if target is not None:
            self.cuda() if device(target).type == "cuda" else self.cpu()
        if dtype is not None:
            self._cast(dtype)
        return self

    def _cast(self, dtype: Any) -> Module:
        """Cast every floating parameter and buffer to ``dtype`` in place (the objects stay)."""
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"nn.Module.to only accepts floating point or complex dtypes, but got "
                            f"desired dtype={dtype}")
        for value in [*Layer.params(self), *self.buffers()]:
            if value.data is not None and value.data.dtype.kind == "f":
                value.data = value.data.astype(dtype)
                if value.grad is not None:
                    value.grad = None
        return self

    def float(self) -> Module:
        return self._cast(np.float32)

    def double(self) -> Module:
        return self._cast(np.float64)

    def half(self) -> Module:
        return self._cast(np.float16)

    def cuda(self, device_index: Any = None) -> Module:
        if not core_cuda.gpu_enable:
            raise RuntimeError("Module.cuda: CUDA is not available (CuPy is not installed or "
                               "sees no GPU)")
        self.to_gpu()
        return self

    def cpu(self) -> Module:
        self.to_cpu()
        return self

    # --- printing ----------------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return module_repr(self)


def _counters_to_keep(expected: dict[str, Any], state: dict[str, Any]) -> list[str]:
    """The num_batches_tracked keys the state lacks: PyTorch's BatchNorm keeps its own count
    when a state dict has none (one written before the counter existed)."""
    return [key for key in expected
            if key.rsplit(".", 1)[-1] == "num_batches_tracked" and key not in state]


def _key_errors(missing: list[str], unexpected: list[str]) -> list[str]:
    errors = []
    for title, keys in (("Missing", missing), ("Unexpected", unexpected)):
        if keys:
            errors.append(f"{title} key(s) in state_dict: " + ", ".join(f'"{k}"' for k in keys)
                          + ". ")
    return errors


def _size_errors(expected: dict[str, Any], state: dict[str, Any]) -> list[str]:
    errors = []
    for key, current in expected.items():
        array = buffer_array(current)
        if key in state and array is not None and tuple(np.shape(state[key])) != array.shape:
            found, wanted = list(np.shape(state[key])), list(array.shape)
            errors.append(f"size mismatch for {key}: copying a param with shape "
                          f"torch.Size({found}) from checkpoint, the shape in current model is "
                          f"torch.Size({wanted}).")
    return errors


def _to_arguments(args: tuple, kwargs: dict) -> tuple[Any, Any]:
    """(device or None, dtype or None) from Module.to's forms."""
    target, dtype = kwargs.pop("device", None), kwargs.pop("dtype", None)
    kwargs.pop("non_blocking", None)
    if kwargs:
        raise TypeError(f"Module.to got unexpected keyword arguments {sorted(kwargs)}")
    for arg in args:
        if isinstance(arg, Variable):
            target, dtype = arg.device if hasattr(arg, "device") else target, arg.dtype
        elif isinstance(arg, (str, device)):
            target = arg
        elif isinstance(arg, (np.dtype, type)):
            dtype = arg
        elif isinstance(arg, bool):
            continue  # non_blocking given by position
        else:
            raise TypeError(f"Module.to: expected a device, a dtype or a tensor, got {arg!r}")
    if target is not None and not isinstance(target, (str, device)):
        target = str(target)
    return target, dtype

