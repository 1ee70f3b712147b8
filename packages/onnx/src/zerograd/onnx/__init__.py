"""zerograd.onnx: export zerograd models to ONNX, and import ONNX models as trainable zerograd models.

>>> import numpy as np, zerograd.nn.functions as F
>>> from zerograd.nn.models import MLP
>>> proto = export(MLP((8, 3), activation=F.relu), np.ones((2, 4), np.float32))
>>> model = load(proto)
>>> model(np.ones((5, 4), np.float32)).shape
(5, 3)
>>> sorted(name for name, _ in model.named_params())
['l0.W', 'l0.b', 'l1.W', 'l1.b']
"""

from zerograd.onnx.export import ExportError, export, newest_opset
from zerograd.onnx.load import OnnxImportError, OnnxModel, load
from zerograd.onnx.safety import InvalidModelError

__version__ = "0.1.0"
__all__ = ["ExportError", "InvalidModelError", "OnnxImportError", "OnnxModel", "export", "load",
           "newest_opset"]
