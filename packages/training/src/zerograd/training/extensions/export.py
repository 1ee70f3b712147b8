"""Export: the model written by an exporter after every epoch, e.g. ONNX:

    Export("model.onnx", zerograd.onnx.export)

``exporter(model, example, path)`` is called with a host copy of the model when it lives on a GPU
(training goes on where it is) and an example batch of one: ``example`` when given, else the first
sample of the training loader's data set. The file is written under a temporary name and renamed
into place. The trainer knows nothing of ONNX: the command that asks for an export hands it over."""

from __future__ import annotations

import copy
import os
import secrets
from collections.abc import Callable
from typing import Any

import numpy as np

from zerograd.training.extension import Extension


class Export(Extension):
    def __init__(self, filename: str, exporter: Callable[[Any, Any, str], Any],
                 example: Any = None) -> None:
        self.filename, self.exporter, self.example = filename, exporter, example
        self.outputs = (filename,)

    def example_batch(self, trainer: Any) -> np.ndarray:
        if self.example is not None:
            return self.example
        x = trainer.train_loader.dataset[0][0]
        return np.asarray(x)[None]

    def epoch_end(self, trainer: Any, row: dict[str, Any]) -> None:
        model = trainer.model
        if any(type(p.data) is not np.ndarray for p in model.params() if p.data is not None):
            model = copy.deepcopy(model).to_cpu()
        path = trainer.out / self.filename
        temporary = path.with_name(f".{self.filename}.{secrets.token_hex(4)}.tmp")
        try:
            self.exporter(model, self.example_batch(trainer), str(temporary))
            os.replace(temporary, path)
        finally:
            if temporary.exists():
                temporary.unlink()
