"""The Trainer's extensions, one file each (see ``zerograd.training.extension`` for the hooks)."""

from zerograd.training.extensions.best import BestModel
from zerograd.training.extensions.checkpoint import Checkpoint
from zerograd.training.extensions.early_stopping import EarlyStopping
from zerograd.training.extensions.evaluator import Evaluator
from zerograd.training.extensions.export import Export
from zerograd.training.extensions.log import LogReport
from zerograd.training.extensions.plot import PlotReport
from zerograd.training.extensions.print_report import PrintReport
from zerograd.training.extensions.progress import ProgressBar
from zerograd.training.extensions.weights import SaveWeights

__all__ = ["BestModel", "Checkpoint", "EarlyStopping", "Evaluator", "Export", "LogReport",
           "PlotReport", "PrintReport", "ProgressBar", "SaveWeights"]
