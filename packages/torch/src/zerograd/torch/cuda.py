"""``torch.cuda``: whether zerograd's CuPy path can run here."""

from __future__ import annotations

from zerograd.core import cuda as core_cuda


def is_available() -> bool:
    """True when CuPy is installed and sees a GPU (zerograd's ``gpu_enable``)."""
    return bool(core_cuda.gpu_enable)


def device_count() -> int:
    if not is_available():
        return 0
    import cupy
    return int(cupy.cuda.runtime.getDeviceCount())


def manual_seed(seed: int) -> None:
    """Seed CuPy's generator (``zerograd.torch.manual_seed`` seeds every generator)."""
    if is_available():
        import cupy
        cupy.random.seed(seed)


manual_seed_all = manual_seed
