"""The book's stage-5 GPU habits, run as the book writes them, on the GPU stand-in: a fresh
process with ZEROGRAD_DEVICE=standin, so `dezero.cuda.gpu_enable` is True from the import on."""

import os
import subprocess
import sys
import textwrap

BOOK_GPU_STEP = textwrap.dedent("""
    import numpy as np
    import zerograd.dezero as dezero
    import zerograd.dezero.functions as F
    from zerograd.dezero import cuda, optimizers
    from zerograd.dezero.dataloaders import DataLoader
    from zerograd.dezero.datasets import Spiral
    from zerograd.dezero.models import MLP
    from zerograd.core import fakecupy

    assert dezero.cuda.gpu_enable
    train_loader = DataLoader(Spiral(train=True), batch_size=30)
    model = MLP((10, 3))
    optimizer = optimizers.SGD(1.0).setup(model)
    if dezero.cuda.gpu_enable:          # the book's step 52
        train_loader.to_gpu()
        model.to_gpu()
    for epoch in range(2):
        sum_loss = 0.0
        for x, t in train_loader:
            xp = cuda.get_array_module(x)      # user code asking which module holds x
            assert xp is cuda.cupy and xp is not np
            y = model(x)
            loss = F.softmax_cross_entropy(y, t)
            model.cleargrads()
            loss.backward()
            optimizer.update()
            sum_loss += float(loss.data) * len(t)
    x = cuda.as_cupy(np.ones((2, 2), np.float32))   # the book's explicit move
    assert isinstance(x, fakecupy.ndarray)
    assert all(isinstance(p.data, fakecupy.ndarray) for p in model.params())
    assert type(cuda.as_numpy(model(x).data)) is np.ndarray
    print("ok", round(sum_loss / 300, 4))
""")


def test_the_books_gpu_step_runs_on_the_standin():
    env = dict(os.environ, ZEROGRAD_DEVICE="standin")
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    result = subprocess.run([sys.executable, "-c", BOOK_GPU_STEP], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok")
