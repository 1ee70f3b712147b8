"""SaveWeights: the model's weights (``Layer.save_weights``) into ``out/model.npz`` after every
epoch, for ``Layer.load_weights``."""

from __future__ import annotations

from typing import Any

from zerograd.training.extension import Extension


class SaveWeights(Extension):
    def __init__(self, filename: str = "model.npz") -> None:
        self.filename = filename
        self.outputs = (filename,)

    def epoch_end(self, trainer: Any, row: dict[str, Any]) -> None:
        trainer.model.save_weights(str(trainer.out / self.filename))
