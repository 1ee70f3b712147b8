"""The ONNX ops zerograd imports and exports, one module per op family with each op's import
rules and export mapping side by side; importing this package fills the shared registry."""

from zerograd.onnx.ops import (  # noqa: F401  (each module registers its rules)
    activation,
    attention,
    conv,
    elementwise,
    indexing,
    nn,
    recurrent,
    reduction,
    resize,
    shape,
)
from zerograd.onnx.ops.registry import (
    EXPORTS,
    IMPORTS,
    ONNX_DOMAINS,
    UnknownVersion,
    UnsupportedAttribute,
    known_versions,
    resolve,
)

__all__ = ["EXPORTS", "IMPORTS", "ONNX_DOMAINS", "UnknownVersion", "UnsupportedAttribute",
           "known_versions", "resolve"]
