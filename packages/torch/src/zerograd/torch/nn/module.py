"""``nn.Module``: zerograd's Layer (registration, named iterators, apply, train/eval, state dicts)
under PyTorch's remaining names; state dicts hold Tensors and take PyTorch's keys as they are."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any

from zerograd.core import Variable
from zerograd.core import cuda as core_cuda
from zerograd.nn import IncompatibleKeys, Layer
from zerograd.torch.devices import device
from zerograd.torch.tensor import Parameter, Tensor


class Module(Layer):
    """Subclass it, call ``super().__init__()``, assign Parameters and Modules, write ``forward``."""

    def __init__(self) -> None:
        super().__init__()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_parameters(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Any]]:
        if recurse:
            yield from Layer.named_params(self, prefix)
            return
        for name in self._params:
            value = self.__dict__[name]
            if not isinstance(value, Layer):
                yield (f"{prefix}.{name}" if prefix else name), value

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: {name!r} must be an nn.Parameter or None, "
                            f"got {type(param).__name__}")
        setattr(self, name, param)

    def register_buffer(self, name: str, tensor: Any, persistent: bool = True) -> None:
        Layer.register_buffer(self, name, tensor.data if isinstance(tensor, Variable) else tensor)

    def add_module(self, name: str, module: Layer | None) -> None:
        setattr(self, name, module)

    register_module = add_module

    def get_submodule(self, target: str) -> Layer:
        module: Any = self
        for part in target.split(".") if target else []:
            module = getattr(module, part)
        return module

    def zero_grad(self, set_to_none: bool = True) -> None:
        for param in self.parameters():
            if set_to_none or param.grad is None:
                param.grad = None
            else:
                param.grad.zero_()

    def state_dict(self, destination: Any = None, prefix: str = "", keep_vars: bool = False) -> dict:
        """{dotted name: Tensor sharing the parameter's or buffer's array}: PyTorch's keys in
        PyTorch's order (module by module, each one's parameters, then its buffers)."""
        from zerograd.torch.convert import entries
        arrays = Layer.state_dict(self)
        state = OrderedDict() if destination is None else destination
        for entry in entries(self):
            if entry.native in arrays:
                state[prefix + entry.native] = Tensor(arrays[entry.native], requires_grad=False)
        return state

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True,
                        assign: bool = False) -> IncompatibleKeys:
        """Copy the arrays in (Tensors, arrays or PyTorch's own tensors), all or nothing."""
        from zerograd.torch.convert import loadable
        result = Layer.load_state_dict(self, {key: loadable(value) for key, value in state_dict.items()},
                                       strict)
        for module in self.modules():
            if hasattr(module, "restore_layout"):
                module.restore_layout()
        return result

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """``to(device)`` moves every parameter and buffer (CuPy for 'cuda'); dtypes stay."""
        target = kwargs.get("device", args[0] if args else None)
        if target is not None and not isinstance(target, (str, device)):
            raise TypeError(f"Module.to: zerograd.torch moves modules between devices only, "
                            f"got {target!r}")
        if target is not None:
            self.cuda() if device(target).type == "cuda" else self.cpu()
        return self

    def cuda(self, device_index: Any = None) -> Module:
        if not core_cuda.gpu_enable:
            raise RuntimeError("Module.cuda: CUDA is not available (CuPy is not installed or "
                               "sees no GPU)")
        self.to_gpu()
        return self

    def cpu(self) -> Module:
        self.to_cpu()
        return self

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def extra_repr(self) -> str:
        return ""
