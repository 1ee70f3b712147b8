"""The torchvision sweep of zerograd.onnx (issue 26): each classification model (random weights)
exported by torch.onnx at opsets 13 and 17 (TorchScript exporter) and 18 (dynamo, when onnxscript
is installed), then loaded by zerograd.onnx: does it load, match ONNX Runtime, take a training
step and re-export (run by ONNX Runtime at another batch size)?

torchvision is not a zerograd dependency: run it with an environment that has it, e.g.
    /work/venv_tv/bin/python benchmarks/onnx_models.py resnet18 mobilenet_v3_small --opsets 13 17
(PYTHONPATH holding the packages' src folders). torchvision 0.28's wheel is a CUDA build; with
the CPU torch its import needs the nms/qnms schemas, defined here first.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
import warnings

import numpy as np

# the smallest input each model (or torch's exporter: adaptive pooling to a size that does not divide
# the input) accepts; 64 pixels otherwise
# (ViT and MaxViT fix their image size; Swin's window and VGG's / AlexNet's adaptive pooling to 7x7 /
# 6x6, which the TorchScript exporter writes only from a size it divides, want 224)
FIXED_224 = ("vit_", "swin_", "maxvit_", "alexnet", "vgg")
IMAGE_SIZE = {"inception_v3": 107}
SMALL = ["resnet18", "mobilenet_v3_small", "squeezenet1_0", "squeezenet1_1", "shufflenet_v2_x0_5",
         "efficientnet_b0", "densenet121", "googlenet", "mobilenet_v2", "mnasnet0_5", "alexnet",
         "regnet_x_400mf", "regnet_y_400mf", "resnext50_32x4d", "vgg11_bn", "convnext_tiny",
         "inception_v3", "efficientnet_v2_s", "mobilenet_v3_large", "vit_b_32", "swin_t", "maxvit_t"]


def _torchvision():
    if "torchvision" in sys.modules:
        return sys.modules["torchvision"]
    import torch
    lib = torch.library.Library("torchvision", "DEF")
    lib.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    lib.define("qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    import torchvision
    _torchvision.lib = lib  # keep the schemas alive
    return torchvision


def image_size(name: str) -> int:
    return 224 if name.startswith(FIXED_224) else IMAGE_SIZE.get(name, 64)


def _randomized(model, size: int):
    """Random weights where torchvision's init leaves zeros (ViT's head, for one: its output would
    be 0 and any comparison vacuous) and running statistics measured on random images (other than
    (0, 1), and of the activations' scale: with (0, 1) and torchvision's init, inception_v3's logits
    reach 1e11 and its training step overflows), the variances floored at 0.1."""
    import torch
    generator = torch.Generator().manual_seed(1)
    norms = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    with torch.no_grad():
        for param in model.parameters():
            if param.ndim >= 2 and not param.any():
                param.copy_(torch.randn(param.shape, generator=generator) * 0.02)
        if norms:
            for module in norms:  # the cumulative average of one batch: that batch's statistics
                module.reset_running_stats()
                module.momentum = None
                module.train()  # the norms alone (inception's auxiliary head wants 299 pixels)
            model(torch.randn((4, 3, size, size), generator=generator))
            model.eval()
            for module in norms:  # a channel nearly constant on 4 images (efficientnet_b1 at 64
                module.running_var.clamp_(min=0.1)  # pixels) would scale the logits to 1e3
    return model


def _constants_kept(imported, model) -> str:
    """'yes' when no scalar float became a Parameter (Clip bounds, attention scales): every
    one-element Parameter of the import must be one of the torch model's."""
    torch_scalars = sum(1 for p in model.parameters() if p.numel() == 1)
    scalars = [name for name, p in imported.named_params() if p.data.size == 1]
    return "yes" if len(scalars) <= torch_scalars else f"NO: {len(scalars)} scalar Parameters {scalars[:3]}"


def _torch_export(model, x, opset: int) -> bytes:
    import torch
    buffer = io.BytesIO()
    if opset >= 18:
        torch.onnx.export(model, (x,), buffer, opset_version=opset, dynamo=True,
                          input_names=["input"], output_names=["output"],
                          dynamic_shapes={"x": {0: torch.export.Dim("batch")}})
    else:
        torch.onnx.export(model, (x,), buffer, opset_version=opset, dynamo=False,
                          input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    return buffer.getvalue()


def _ort(proto_bytes: bytes, x: np.ndarray) -> np.ndarray:
    import onnxruntime as ort
    session = ort.InferenceSession(proto_bytes, providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: x})[0]


def _close(a, b) -> float:
    return float(np.max(np.abs(a - b)) / (np.max(np.abs(b)) + 1e-6))


def check(name: str, opset: int, tolerance: float = 1e-4) -> dict:
    """One model at one opset: the four answers and the first failure's reason."""
    import torch

    import zerograd.nn.functions as F
    from zerograd.nn import optimizers, test_mode
    from zerograd.onnx import export, load
    tv = _torchvision()
    torch.manual_seed(0)
    size = image_size(name)
    model = _randomized(tv.models.get_model(name, weights=None).eval(), size)
    rng = np.random.default_rng(0)
    x2 = rng.standard_normal((2, 3, size, size)).astype(np.float32)
    x3 = rng.standard_normal((3, 3, size, size)).astype(np.float32)
    row = {"model": name, "opset": opset}
    stage = "torch export"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = _torch_export(model, torch.from_numpy(x2), opset)
        stage = "loads"
        imported = load(data)
        row["loads"] = "yes"
        row["constants"] = _constants_kept(imported, model)
        stage = "matches ORT"
        with test_mode():
            ours = imported(x3).data
        reference = _ort(data, x3)
        error = _close(ours, reference)
        with torch.no_grad():  # the scale of float32's disagreement between two other engines
            floor = _close(model(torch.from_numpy(x3)).numpy(), reference)
        row["matches ORT"] = (f"{error:.1e}" if error < tolerance else f"NO {error:.1e}") + \
            f" (torch: {floor:.1e})"
        stage = "trains"
        optimizer = optimizers.SGD(lr=1e-3).setup(imported)
        imported.train()
        y = imported(x2)
        loss = F.softmax_cross_entropy(y, np.array([1, 7]))  # gradients bounded at any scale
        imported.cleargrads()
        loss.backward()
        optimizer.update()
        finite = np.isfinite(float(loss.data)) and all(np.isfinite(p.data).all() for p in imported.params())
        row["trains"] = "yes" if finite else "NO (non-finite loss or weights)"
        imported.eval()
        stage = "re-exports"
        again = export(imported, x2, opset=min(opset, 17) if opset < 18 else opset)
        with test_mode():
            ours = imported(x3).data
        error = _close(_ort(again.SerializeToString(), x3), ours)
        row["re-exports"] = "yes" if error < tolerance else f"NO {error:.1e}"
    except Exception as err:  # noqa: BLE001  (the sweep reports every failure and goes on)
        row[stage] = f"NO: {type(err).__name__}: {str(err).splitlines()[0][:150]}"
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", default=SMALL)
    parser.add_argument("--opsets", nargs="*", type=int, default=[13, 17, 18])
    args = parser.parse_args()
    try:
        import onnxscript  # noqa: F401
    except ImportError:
        if 18 in args.opsets:
            print("opset 18 (dynamo exporter) skipped: onnxscript is not installed", flush=True)
            args.opsets = [o for o in args.opsets if o < 18]
    columns = ["loads", "matches ORT", "trains", "re-exports", "constants"]
    print("| model | opset | " + " | ".join(columns) + " | seconds |")
    print("|---|---|" + "---|" * (len(columns) + 1))
    for name in args.models:
        for opset in args.opsets:
            start = time.perf_counter()
            row = check(name, opset)
            cells = [row.get(c, "-") for c in columns]
            if "torch export" in row:
                cells = [row["torch export"]] + ["-"] * (len(columns) - 1)
            print(f"| {name} | {opset} | " + " | ".join(cells) +
                  f" | {time.perf_counter() - start:.0f} |", flush=True)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
