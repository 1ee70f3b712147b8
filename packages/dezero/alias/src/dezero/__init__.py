"""dezero: the book's package name for zerograd.dezero (zerograd-dezero's opt-in `alias` extra).

``from dezero import Variable`` and ``import dezero.functions as F`` give zerograd.dezero's own
objects: every ``dezero.<module>`` is the module ``zerograd.dezero.<module>``, not a copy.
"""

import importlib
import importlib.abc
import importlib.util
import sys

try:
    import zerograd.dezero as _target
    from zerograd.dezero import *  # noqa: F403
except ImportError as _error:
    raise ImportError("dezero is the alias of zerograd.dezero, which is not installed: "
                      "pip install 'zerograd-dezero[alias]'") from _error

__all__ = list(getattr(_target, "__all__", []))


def __getattr__(name):
    """dezero.functions, dezero.utils, ...: zerograd.dezero's attributes."""
    return getattr(_target, name)


class _AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports ``dezero.x.y`` as the module ``zerograd.dezero.x.y`` itself."""

    def find_spec(self, fullname, path=None, target=None):
        if not fullname.startswith("dezero."):
            return None
        if importlib.util.find_spec("zerograd." + fullname) is None:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def __init__(self):
        self.own_specs = {}

    def create_module(self, spec):
        module = importlib.import_module("zerograd." + spec.name)
        self.own_specs[spec.name] = module.__spec__
        return module

    def exec_module(self, module):
        # the import system gave the module the alias's spec: give it its own back
        module.__spec__ = self.own_specs.pop(module.__spec__.name)


if not any(isinstance(finder, _AliasFinder) for finder in sys.meta_path):
    sys.meta_path.insert(0, _AliasFinder())
