"""A first look at zerograd-core: fit y = 2x + 5 by gradient descent, then take the 4th derivative
of sin — define-by-run, higher-order gradients included.

    python examples/core_demo.py
"""

import numpy as np

from zerograd.core import Variable
from zerograd.core import functions as F

np.random.seed(0)
x = np.random.rand(100, 1).astype(np.float32)
y = 5 + 2 * x + np.random.rand(100, 1).astype(np.float32) * 0.1

W = Variable(np.zeros((1, 1), dtype=np.float32))
b = Variable(np.zeros(1, dtype=np.float32))
for i in range(300):
    y_pred = F.matmul(x, W) + b
    loss = F.mean((y - y_pred) ** 2)
    W.cleargrad()
    b.cleargrad()
    loss.backward()
    W.data -= 0.1 * W.grad.data
    b.data -= 0.1 * b.grad.data
    if i % 100 == 0:
        print(f"step {i:3d}  loss {loss.item():.5f}")
print(f"W = {W.item():.3f} (true 2), b = {b.item():.3f} (true 5.05 on average)")

t = Variable(np.array(1.0))
g = F.sin(t)
for _ in range(4):
    t.cleargrad()
    g.backward(create_graph=True)
    g = t.grad
print(f"d4/dx4 sin(x) at x=1: {g.item():.6f} (sin(1) = {np.sin(1.0):.6f})")
