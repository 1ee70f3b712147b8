"""zerograd.training: the Trainer and its extensions, in the spirit of chainer.training.

>>> import numpy as np
>>> from zerograd.data import DataLoader
>>> from zerograd.nn import functions as F, optimizers
>>> from zerograd.nn.models import MLP
>>> data = [(np.array([i / 8], np.float32), np.array([i % 2], np.float32)) for i in range(8)]
>>> model = MLP((4, 1))
>>> trainer = Trainer(model, F.mean_squared_error, optimizers.SGD().setup(model),
...                   DataLoader(data, 4, seed=0), epochs=2)
>>> [row["epoch"] for row in trainer.run()]
[1, 2]
"""

from zerograd.training.extension import Extension
from zerograd.training.extensions import (
    BestModel,
    Checkpoint,
    EarlyStopping,
    Evaluator,
    Export,
    LogReport,
    PlotReport,
    PrintReport,
    ProgressBar,
    SaveWeights,
)
from zerograd.training.folder import FolderInUse
from zerograd.training.signals import StopRequest
from zerograd.training.team import SingleProcess
from zerograd.training.trainer import EpochSums, LossNotFinite, Trainer

__version__ = "0.1.0"
__all__ = ["BestModel", "Checkpoint", "EarlyStopping", "EpochSums", "Evaluator", "Export",
           "Extension", "FolderInUse", "LogReport", "LossNotFinite", "PlotReport", "PrintReport",
           "ProgressBar", "SaveWeights", "SingleProcess", "StopRequest", "Trainer"]
