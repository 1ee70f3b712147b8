"""Training steps on a GPU, zerograd on CuPy against PyTorch CUDA eager, at batch sizes that
occupy a GPU: MLP 784-1000-1000-10 (B=1000), the benchmark CNN (B=256), LSTM h=512 over 35 steps
(B=64), ResNet-18 on 32x32 images (B=128). Each contender runs in its own process, the contenders
alternate round by round, and the table (median ms per step, ratio to PyTorch) is printed last.

    python benchmarks/gpu.py                          # on a GPU machine (scripts/gpu_check.sh)
    python benchmarks/gpu.py --device standin --small # the same code on the CPU stand-in, tiny
                                                      # sizes, PyTorch on the CPU: a dry run only

Targets (issue 14), as ratios to PyTorch CUDA: MLP <= 1.3x, LSTM <= 1.5x, CNN and ResNet-18 <= 2.0x.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

TARGETS = {"mlp": 1.3, "cnn": 2.0, "lstm": 1.5, "resnet18": 2.0}
FULL = {"mlp": 1000, "cnn": 256, "lstm": 64, "resnet18": 128}  # batch sizes
SMALL = {"mlp": 8, "cnn": 4, "lstm": 2, "resnet18": 2}
LR = 0.01


def _sizes(small: bool) -> dict:
    return {"hidden": 16 if small else 512, "steps": 3 if small else 35,
            "mlp_width": 32 if small else 1000}


# --- zerograd -----------------------------------------------------------------------------------
def zerograd_step(model_name: str, batch: int, small: bool):
    from zerograd.core import cuda
    from zerograd.nn import Model, optimizers
    from zerograd.nn import functions as F
    from zerograd.nn import layers as L
    from zerograd.text import LSTM
    from zerograd.vision import functions as VF
    from zerograd.vision.layers import Conv2d
    from zerograd.vision.models import ResNet18

    sizes, rng = _sizes(small), np.random.default_rng(0)
    np.random.seed(0)

    class Mlp(Model):
        def __init__(self):
            super().__init__()
            self.l1, self.l2 = L.Linear(sizes["mlp_width"]), L.Linear(sizes["mlp_width"])
            self.l3 = L.Linear(10)

        def forward(self, x):
            return self.l3(F.relu(self.l2(F.relu(self.l1(x)))))

    class Cnn(Model):
        def __init__(self):
            super().__init__()
            self.c1, self.c2, self.fc = Conv2d(32, 3, pad=1), Conv2d(64, 3, pad=1), L.Linear(10)

        def forward(self, x):
            h = VF.pooling(F.relu(self.c1(x)), 2, 2)
            h = VF.pooling(F.relu(self.c2(h)), 2, 2)
            return self.fc(h.reshape(h.shape[0], -1))

    class Rnn(Model):
        def __init__(self):
            super().__init__()
            self.lstm, self.fc = LSTM(sizes["hidden"]), L.Linear(1)

        def forward(self, x):
            return self.fc(self.lstm(x))

    if model_name == "lstm":
        model = Rnn()
        xs = rng.standard_normal((sizes["steps"], batch, 32)).astype(np.float32)
        ts = rng.standard_normal((sizes["steps"], batch, 1)).astype(np.float32)
    else:
        model = {"mlp": Mlp, "cnn": Cnn, "resnet18": ResNet18}[model_name]()
        shape = {"mlp": (784,), "cnn": (1, 28, 28), "resnet18": (3, 32, 32)}[model_name]
        x = rng.random((batch, *shape), dtype=np.float32)
        t = rng.integers(0, 1000 if model_name == "resnet18" else 10, batch)
    model.to_gpu()
    optimizer = optimizers.SGD(LR).setup(model)
    xp = cuda.cupy

    if model_name == "lstm":
        xs, ts = cuda.as_cupy(xs), cuda.as_cupy(ts)

        def loss_of():
            model.lstm.reset_state()
            loss = 0
            for x_t, t_t in zip(xs, ts):
                loss = loss + F.mean_squared_error(model(x_t), t_t)
            return loss
    else:
        x, t = cuda.as_cupy(x), cuda.as_cupy(t)

        def loss_of():
            return F.softmax_cross_entropy(model(x), t)

    def step():
        loss = loss_of()
        model.cleargrads()
        loss.backward()
        optimizer.update()

    return step, lambda: xp.cuda.Device().synchronize()


# --- PyTorch ------------------------------------------------------------------------------------
def torch_step(model_name: str, batch: int, small: bool):
    import torch
    from torch import nn

    device = "cuda" if torch.cuda.is_available() else "cpu"
    sizes = _sizes(small)
    torch.manual_seed(0)
    width = sizes["mlp_width"]
    if model_name == "mlp":
        model = nn.Sequential(nn.Linear(784, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(),
                              nn.Linear(width, 10))
        x, t = torch.rand(batch, 784), torch.randint(0, 10, (batch,))
    elif model_name == "cnn":
        model = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Flatten(), nn.Linear(3136, 10))
        x, t = torch.rand(batch, 1, 28, 28), torch.randint(0, 10, (batch,))
    elif model_name == "resnet18":
        import torchvision  # the same ImageNet-shaped ResNet-18 as zerograd's (1000 classes)

        model = torchvision.models.resnet18(num_classes=1000)
        x, t = torch.rand(batch, 3, 32, 32), torch.randint(0, 1000, (batch,))
    else:
        model = _TorchRnn(sizes["hidden"])
        x = torch.randn(sizes["steps"], batch, 32)
        t = torch.randn(sizes["steps"], batch, 1)
    model, x, t = model.to(device), x.to(device), t.to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    loss_fn = nn.MSELoss(reduction="sum") if model_name == "lstm" else nn.CrossEntropyLoss()

    def step():
        optimizer.zero_grad()
        out = model(x)
        loss = loss_fn(out, t) / (x.shape[1] if model_name == "lstm" else 1)
        loss.backward()
        optimizer.step()

    return step, (torch.cuda.synchronize if device == "cuda" else lambda: None)


def _TorchRnn(hidden: int):  # noqa: N802  (a class made on demand, so torch is imported lazily)
    from torch import nn

    class Rnn(nn.Module):
        def __init__(self):
            super().__init__()
            self.cell, self.fc = nn.LSTMCell(32, hidden), nn.Linear(hidden, 1)

        def forward(self, xs):  # one cell call per time step, as zerograd's define-by-run loop
            state, outs = None, []
            for x in xs:
                state = self.cell(x, state)
                outs.append(self.fc(state[0]))
            return __import__("torch").stack(outs)

    return Rnn()


# --- timing, one process per contender ------------------------------------------------------------
def time_steps(step, synchronize, seconds: float) -> float:
    for _ in range(3):
        step()
    synchronize()
    calls, start = 0, time.perf_counter()
    while True:
        step()
        calls += 1
        if calls % 5 == 0 or calls < 5:
            synchronize()
            elapsed = time.perf_counter() - start
            if elapsed >= seconds and calls >= 3:
                return elapsed / calls


def worker(framework: str, model_name: str, batch: int, small: bool, seconds: float) -> None:
    make = zerograd_step if framework == "zerograd" else torch_step
    step, synchronize = make(model_name, batch, small)
    print(json.dumps({"seconds_per_step": time_steps(step, synchronize, seconds)}))


def run_child(framework: str, model_name: str, batch: int, args: argparse.Namespace) -> float:
    env = dict(os.environ)
    if args.device == "standin" and framework == "zerograd":
        env["ZEROGRAD_DEVICE"] = "standin"
    command = [sys.executable, __file__, "--worker", framework, model_name, str(batch),
               str(int(args.small)), str(args.seconds)]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        print(f"{framework} {model_name}: failed\n{result.stderr[-2000:]}", file=sys.stderr)
        return float("nan")
    return json.loads(result.stdout.strip().splitlines()[-1])["seconds_per_step"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=["cuda", "standin"], default="cuda")
    parser.add_argument("--small", action="store_true", help="tiny sizes (a dry run of the script)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=2.0, help="timing window per round")
    parser.add_argument("--models", default=",".join(TARGETS), help="comma-separated subset")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    batches = SMALL if args.small else FULL
    models = [m for m in args.models.split(",") if m]
    samples = {(m, f): [] for m in models for f in ("zerograd", "pytorch")}
    for _ in range(args.rounds):
        for model_name in models:
            for framework in ("zerograd", "pytorch"):
                samples[model_name, framework].append(
                    run_child(framework, model_name, batches[model_name], args))
    rows = []
    for model_name in models:
        ours = statistics.median(samples[model_name, "zerograd"])
        theirs = statistics.median(samples[model_name, "pytorch"])
        rows.append({"model": model_name, "batch": batches[model_name], "zerograd_ms": ours * 1e3,
                     "pytorch_ms": theirs * 1e3, "ratio": ours / theirs,
                     "target": TARGETS[model_name]})
    if args.json:
        with open(args.json, "w") as file:
            json.dump({"device": args.device, "rows": rows}, file, indent=2)
    print(f"\nTraining step, zerograd ({args.device}) vs PyTorch, median of {args.rounds} rounds")
    print(f"{'model':<10}{'batch':>6}{'zerograd ms':>13}{'pytorch ms':>12}{'ratio':>8}{'target':>8}")
    for row in rows:
        verdict = "ok" if row["ratio"] <= row["target"] else "MISS"
        verdict = "(dry run, not a measurement)" if args.device == "standin" else verdict
        print(f"{row['model']:<10}{row['batch']:>6}{row['zerograd_ms']:>13.2f}{row['pytorch_ms']:>12.2f}"
              f"{row['ratio']:>7.2f}x{row['target']:>7.1f}x {verdict}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5] == "1", float(sys.argv[6]))
    else:
        main()
