"""The book's stage-5 GPU habits, run as the book writes them, on the GPU stand-in: a fresh
process with ZEROGRAD_DEVICE=standin, so `dezero.cuda.gpu_enable` is True from the import on. The
step-52 program is scripts/step52_gpu.py's own (its `prepare` and `train`), on a tiny
Fashion-MNIST."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

STEP52 = Path(__file__).resolve().parents[3] / "scripts" / "step52_gpu.py"

BOOK_GPU_STEP = textwrap.dedent("""
    import importlib.util
    import sys

    import numpy as np
    import zerograd.dezero as dezero
    from zerograd.dezero import cuda
    from zerograd.core import fakecupy

    spec = importlib.util.spec_from_file_location("step52_gpu", sys.argv[1])
    step52 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(step52)

    assert dezero.cuda.gpu_enable
    model, optimizer, train_loader = step52.prepare(root=sys.argv[2])
    x, t = next(iter(train_loader))
    xp = cuda.get_array_module(x)      # user code asking which module holds x
    assert xp is cuda.cupy and xp is not np
    with fakecupy.counting_transfers() as moved:
        loss = step52.train(model, optimizer, train_loader, epochs=2)
    # 64 images, one batch an epoch: its x and t go over once, the loss comes back once; no more
    assert (moved.to_device, moved.to_host) == (4, 2), moved
    x = cuda.as_cupy(np.ones((2, 784), np.float32))   # the book's explicit move
    assert isinstance(x, fakecupy.ndarray)
    assert all(isinstance(p.data, fakecupy.ndarray) for p in model.params())
    assert type(cuda.as_numpy(model(x).data)) is np.ndarray
    print("ok", round(loss, 4))
""")


@pytest.mark.skipif(not STEP52.is_file(), reason=f"no step-52 script at {STEP52}")
@pytest.mark.slow  # seconds: trains or runs the book's programs (the 3.11 cell only)
def test_the_books_gpu_step_runs_on_the_standin(tiny_mnist_root):
    env = dict(os.environ, ZEROGRAD_DEVICE="standin")
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    result = subprocess.run([sys.executable, "-c", BOOK_GPU_STEP, str(STEP52), tiny_mnist_root],
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "epoch: 2, loss:" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("ok")
