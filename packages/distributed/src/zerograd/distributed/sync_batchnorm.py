"""Batch normalisation over the global batch: ``SyncBatchNorm`` (PyTorch's name;
``MultiNodeBatchNormalization`` is ChainerMN's) averages the batch statistics over the ranks.

A plain BatchNorm under data parallelism normalises each rank's B samples by their own mean and
variance, so N ranks with batch B do not train as one process with batch N·B. SyncBatchNorm
sums, per channel, the count, the sum and the sum of squares of every rank's batch (one
allreduce, in float64) in the forward pass, and the two sums its input gradient needs in the
backward pass (a second allreduce), so that outputs, input gradients and running statistics are
those of one process on the global batch; the gradients of gamma and beta stay per rank and are
averaged by MultiNodeOptimizer with the others. In eval mode it is a plain BatchNorm.

Every rank must call it the same number of times per step, in the same order (it is a
collective). Double backward through it is not supported (it raises).

    model = convert_sync_batchnorm(model, comm)   # every BatchNorm of an existing model
"""

from __future__ import annotations

from typing import Any

from zerograd.core import Function, Variable
from zerograd.core.cuda import get_array_module
from zerograd.nn.layers import BatchNorm

__all__ = ["MultiNodeBatchNormalization", "SyncBatchNorm", "convert_sync_batchnorm"]


def _channels_view(x: Any) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(reduction axes, the shape a per-channel vector broadcasts as) of x (N, C[, H, W])."""
    return ((0,), (1, -1)) if x.ndim == 2 else ((0, 2, 3), (1, -1, 1, 1))


class SyncBatchNormFunction(Function):
    """y = gamma (x - mean) / sqrt(var + eps) + beta with mean and var over every rank's batch;
    updates the running statistics in place (unbiased variance over the global count, as
    zerograd.nn's BatchNorm does over its batch)."""

    def __init__(self, comm: Any, running_mean: Any, running_var: Any, decay: float,
                 eps: float) -> None:
        self.comm, self.running_mean, self.running_var = comm, running_mean, running_var
        self.decay, self.eps = decay, eps

    def forward(self, x: Any, gamma: Any, beta: Any) -> Any:
        xp = get_array_module(x)
        axes, view = _channels_view(x)
        local = x.astype(xp.float64, copy=False)
        channels = x.shape[1]
        sums = xp.concatenate([local.sum(axis=axes), (local * local).sum(axis=axes),
                               xp.array([x.size // channels], dtype=xp.float64)])
        sums = self.comm.allreduce(sums, "sum")
        count = float(sums[-1])
        mean = sums[:channels] / count
        var = xp.maximum(sums[channels:2 * channels] / count - mean * mean, 0)
        self.count = count
        self.inv_std = (1 / xp.sqrt(var + self.eps)).astype(x.dtype).reshape(view)
        self.xhat = (x - mean.astype(x.dtype).reshape(view)) * self.inv_std
        unbiased = count / (count - 1 if count - 1 > 1 else 1)  # nn's BatchNorm's rule
        self.running_mean *= self.decay
        self.running_mean += ((1 - self.decay) * mean).astype(self.running_mean.dtype)
        self.running_var *= self.decay
        self.running_var += ((1 - self.decay) * unbiased * var).astype(self.running_var.dtype)
        return self.xhat * gamma.reshape(view) + beta.reshape(view)

    def backward(self, gy: Variable) -> tuple[Any, Any, Any]:
        return SyncBatchNormGrad(self)(self.inputs[1], gy)


class SyncBatchNormGrad(Function):
    """(gx, ggamma, gbeta) of SyncBatchNormFunction: gx uses the sums of gy and gy·xhat over
    every rank; ggamma and gbeta are this rank's (the optimizer averages them)."""

    def __init__(self, parent: SyncBatchNormFunction) -> None:
        self.parent = parent

    def forward(self, gamma: Any, gy: Any) -> tuple[Any, Any, Any]:
        parent = self.parent
        xp = get_array_module(gy)
        axes, view = _channels_view(gy)
        gbeta = gy.sum(axis=axes)
        ggamma = (gy * parent.xhat).sum(axis=axes)
        sums = parent.comm.allreduce(xp.concatenate([gbeta, ggamma]).astype(xp.float64), "sum")
        channels = gbeta.size
        mean_gy = (sums[:channels] / parent.count).astype(gy.dtype).reshape(view)
        mean_gy_xhat = (sums[channels:] / parent.count).astype(gy.dtype).reshape(view)
        gx = (gy - mean_gy - parent.xhat * mean_gy_xhat) * (gamma.reshape(view) * parent.inv_std)
        return gx, ggamma, gbeta

    def backward(self, *grads: Any) -> Any:
        raise NotImplementedError("SyncBatchNorm: double backward (create_graph=True through a "
                                  "synchronised batch normalisation) is not supported")


class SyncBatchNorm(BatchNorm):
    """BatchNorm whose training-mode statistics are those of every rank's batch together.

    Args:
        comm: the communicator (every rank calls the layer in the same order).
        decay, eps: as zerograd.nn.layers.BatchNorm (running = decay·running + (1 - decay)·batch).
    """

    def __init__(self, comm: Any, decay: float = 0.9, eps: float = 2e-5) -> None:
        super().__init__(decay, eps)
        object.__setattr__(self, "comm", comm)  # not a child layer, not saved

    def forward(self, x: Any) -> Any:
        if not self.is_training():
            return super().forward(x)
        data = x.data if isinstance(x, Variable) else x
        if getattr(data, "ndim", None) not in (2, 4) or data.size == 0:
            return super().forward(x)  # BatchNorm's own error names the shape
        if self.avg_mean is None or self.gamma.data is None:
            self._init_params(data)
        return SyncBatchNormFunction(self.comm, self.avg_mean, self.avg_var, self.decay,
                                     self.eps)(x, self.gamma, self.beta)

    @classmethod
    def from_batchnorm(cls, layer: BatchNorm, comm: Any) -> SyncBatchNorm:
        """A SyncBatchNorm sharing ``layer``'s parameters, running statistics and mode."""
        sync = cls(comm, layer.decay, layer.eps)
        sync.gamma, sync.beta = layer.gamma, layer.beta
        sync.avg_mean, sync.avg_var = layer.avg_mean, layer.avg_var
        object.__setattr__(sync, "training", layer.training)
        return sync


MultiNodeBatchNormalization = SyncBatchNorm  # ChainerMN's name


def convert_sync_batchnorm(model: Any, comm: Any) -> Any:
    """Replace every BatchNorm in ``model`` (itself included) by a SyncBatchNorm sharing its
    parameters and statistics; returns the model (or the new layer when ``model`` is one).
    Call it before the optimizer's setup."""
    if isinstance(model, BatchNorm) and not isinstance(model, SyncBatchNorm):
        return SyncBatchNorm.from_batchnorm(model, comm)
    for _, layer in list(model.named_modules()):
        for name, child in list(layer.named_children()):
            if isinstance(child, BatchNorm) and not isinstance(child, SyncBatchNorm):
                sync = SyncBatchNorm.from_batchnorm(child, comm)
                setattr(layer, name, sync)
                for value in vars(layer).values():  # a list of the steps (Sequential's layers)
                    if isinstance(value, list):
                        value[:] = [sync if item is child else item for item in value]
    return model

