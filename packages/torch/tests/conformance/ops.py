"""The op_db conformance harness: PyTorch's OpInfo database graded against zerograd.torch.

Every entry of ``torch.testing._internal.common_methods_invocations.op_db`` is run, with real
torch as the oracle, on the entry's own sample inputs converted to zerograd tensors: forward on
every float32 sample (and every int64/bool sample where the entry lists those dtypes), gradients
of every input under a fixed random cotangent where the entry supports autograd, and second
derivatives for the book-style higher-order ops (elementwise math, matmul, reductions, softmax).

An entry's verdict (see ``verdicts()``):
  match        every sample's forward (and gradients, where autograd applies) agree;
  forward-only every forward agrees, some gradient is refused with an error;
  unsupported  zerograd.torch lacks the name, or some sample raises an error;
  mismatch     some sample ran and gave other numbers, another shape or another dtype.

Run as ``python -m`` or through report.py; needs torch and expecttest.
"""

from __future__ import annotations

import time
import types
from typing import Any

import numpy as np
from conformance.oracle import (
    RANDOM_OPS,
    SHAPE_ONLY_OPS,
    Mismatch,
    compare_outputs,
    differentiable_outputs,
    resolve,
    to_zerograd,
)

FORWARD_DTYPES = ("float32", "int64", "bool")
SECONDS: dict[str, float] = {}  # CPU seconds per entry, of the last verdicts() run
# Order statistics whose indices PyTorch leaves unspecified over ties: name -> the position of
# ``dim`` among the sample's args.
TIE_OPS = {"sort": 0, "argsort": 0, "topk": 1, "kthvalue": 1, "median": 0, "nanmedian": 0,
           "mode": 0, "max": 0, "min": 0, "msort": 0}
# Samples that draw random numbers inside an otherwise deterministic entry: name -> the test
# that picks them (skipped, and counted in the note, rather than compared value by value).
RANDOM_SAMPLES = {
    "nn.functional.scaled_dot_product_attention": lambda sample: sample.kwargs.get("dropout_p", 0) > 0,
}
# Entries whose second derivative is checked (supports_gradgrad and a book-style path).
GRADGRAD_OPS = frozenset("""abs exp log sqrt sin cos tanh sigmoid pow add sub mul div neg
    matmul mm bmm sum mean softmax log_softmax nn.functional.softmax nn.functional.log_softmax
    logsumexp square reciprocal rsqrt prod var std amax amin max min""".split())


def _function_variants(opinfo: Any, torch: Any, ztorch: Any) -> list[tuple[str, Any]]:
    """The ways zerograd.torch offers an entry: (label, callable(input, *args, **kwargs))."""
    variants = []
    op = opinfo.op
    if resolve(torch, opinfo.name) is op:
        zfunc = resolve(ztorch, opinfo.name)
        if zfunc is not None:
            variants.append(("function", zfunc))
    elif getattr(op, "__name__", None) and getattr(torch.Tensor, op.__name__, None) is op:
        variants.append(("method", _method(op.__name__)))
    elif isinstance(op, types.FunctionType):
        variants.append(("lambda", _rebound(op, ztorch)))
    method = opinfo.method_variant
    name = getattr(method, "__name__", None)
    if name and not any(label == "method" for label, _ in variants):
        variants.append(("method", _method(name)))
    return variants


def _method(name: str) -> Any:
    def call(x: Any, *args: Any, **kwargs: Any) -> Any:
        return getattr(x, name)(*args, **kwargs)

    call.__name__ = name
    return call


def _rebound(lam: Any, ztorch: Any) -> Any:
    """op_db's lambda with ``torch`` bound to zerograd.torch (``lambda x: torch.where(...)``)."""
    scope = dict(lam.__globals__)
    scope["torch"] = ztorch
    scope["F"] = ztorch.nn.functional
    return types.FunctionType(lam.__code__, scope, lam.__name__, lam.__defaults__, lam.__closure__)


def _offered(variant: tuple[str, Any], ztorch: Any, opinfo: Any) -> bool:
    label, func = variant
    if label != "method":
        return True
    return hasattr(ztorch.Tensor, func.__name__)


def _samples(opinfo: Any, torch: Any, dtype_name: str, requires_grad: bool) -> list[Any]:
    dtype = getattr(torch, dtype_name)
    if dtype not in opinfo.supported_dtypes("cpu"):
        return []
    torch.manual_seed(0)
    return list(opinfo.sample_inputs("cpu", dtype, requires_grad=requires_grad))


def _forward(torch_fn: Any, z_fn: Any, sample: Any, ztorch: Any, shape_only: bool,
             opname: str) -> None:
    expected = torch_fn(sample.input, *sample.args, **sample.kwargs)
    zin = to_zerograd(sample.input, ztorch)
    zargs = to_zerograd(sample.args, ztorch)
    zkwargs = to_zerograd(sample.kwargs, ztorch)
    got = z_fn(zin, *zargs, **zkwargs)
    try:
        compare_outputs(expected, got, ztorch, shape_only=shape_only, what="forward")
    except Mismatch:
        if opname not in TIE_OPS or not _same_up_to_ties(opname, expected, got, sample):
            raise


def _same_up_to_ties(opname: str, expected: Any, got: Any, sample: Any) -> bool:
    """For the order statistics, PyTorch leaves the index of tied elements unspecified: the
    indices are right when they pick the same values along the dimension."""
    import torch
    x = sample.input
    if x.ndim == 0:
        return False
    dim = sample.kwargs.get("dim", None)
    if dim is None:
        position = TIE_OPS[opname]
        dim = sample.args[position] if len(sample.args) > position else -1
    as_tuple = isinstance(expected, tuple)
    want = expected[0] if as_tuple else torch.gather(x, dim, expected)
    got_indices = torch.from_numpy(np.asarray((got[1] if as_tuple else got).numpy()))
    if as_tuple:
        compare_outputs_values = np.asarray(got[0].detach().numpy())
        if not np.array_equal(compare_outputs_values, want.detach().numpy(), equal_nan=True):
            return False
        if want.ndim != x.ndim:
            got_indices = got_indices.unsqueeze(dim)
            want = want.unsqueeze(dim)
    picked = torch.gather(x.detach(), dim, got_indices)
    return bool(torch.equal(picked, want.detach()) or torch.allclose(
        picked, want.detach(), equal_nan=True))


def _leaves(tree: Any, torch: Any) -> list[Any]:
    """The tensors of a sample, in order (input first), flattening lists, tuples and dicts."""
    found: list[Any] = []

    def walk(value: Any) -> None:
        if isinstance(value, (list, tuple)):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif hasattr(value, "requires_grad") and hasattr(value, "shape"):
            found.append(value)

    walk(tree)
    return found


def _gradients(opinfo: Any, torch_fn: Any, z_fn: Any, sample: Any, ztorch: Any,
               torch: Any, second: bool) -> str:
    """Gradients of every input that requires grad, for a fixed random cotangent; returns a
    note when the second derivatives could not be checked."""
    tleaves = [t for t in _leaves((sample.input, sample.args, sample.kwargs), torch)
               if t.requires_grad]
    if not tleaves:
        return ""
    expected = torch_fn(sample.input, *sample.args, **sample.kwargs)
    touts = differentiable_outputs(sample.output_process_fn_grad(expected), torch)
    if not touts:
        return ""
    generator = np.random.default_rng(0)
    cots = [generator.standard_normal(t.shape).astype(np.float32) for t in touts]
    tgrads = torch.autograd.grad(touts, tleaves, [torch.from_numpy(c) for c in cots],
                                 allow_unused=True, create_graph=second)
    zin = to_zerograd(sample.input, ztorch)
    zargs = to_zerograd(sample.args, ztorch)
    zkwargs = to_zerograd(sample.kwargs, ztorch)
    zleaves = [z for z in _leaves((zin, zargs, zkwargs), ztorch) if z.requires_grad]
    zouts = differentiable_outputs(sample.output_process_fn_grad(
        z_fn(zin, *zargs, **zkwargs)), ztorch)
    if len(zouts) != len(touts) or len(zleaves) != len(tleaves):
        raise Mismatch(f"gradient: {len(zouts)} differentiable outputs / {len(zleaves)} inputs "
                       f"where torch has {len(touts)} / {len(tleaves)}")
    loss = None
    for out, cot in zip(zouts, cots):
        term = (out * ztorch.tensor(cot)).sum()
        loss = term if loss is None else loss + term
    loss.backward(create_graph=second)
    zgrads = [z.grad for z in zleaves]
    try:
        _compare_gradients(tgrads, zgrads, tleaves, ztorch, torch)
    except Mismatch:
        # float32 gradients of PyTorch can be the less exact ones: the verdict then rests on
        # PyTorch's own gradients computed in float64 (rounded to float32)
        _compare_gradients(_float64_gradients(torch_fn, sample, cots, torch), zgrads, tleaves,
                           ztorch, torch)
    if second:
        return _second_derivatives(tgrads, zgrads, tleaves, zleaves, torch, ztorch)
    return ""


def _compare_gradients(tgrads: Any, zgrads: Any, tleaves: Any, ztorch: Any, torch: Any) -> None:
    for index, (tg, zg, leaf) in enumerate(zip(tgrads, zgrads, tleaves)):
        tg = torch.zeros_like(leaf) if tg is None else tg.detach()
        zg = ztorch.zeros(tuple(leaf.shape)) if zg is None else zg
        compare_outputs(tg, zg, ztorch, what=f"gradient of input {index}", grad=True)


def _float64_gradients(torch_fn: Any, sample: Any, cots: list[Any], torch: Any) -> list[Any]:
    """PyTorch's gradients of the sample computed in float64, returned as float32."""
    def widened(value: Any) -> Any:
        if isinstance(value, torch.Tensor) and value.dtype == torch.float32:
            return value.detach().double().requires_grad_(value.requires_grad)
        if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
            return type(value)(widened(v) for v in value)
        if isinstance(value, dict):
            return {k: widened(v) for k, v in value.items()}
        return value

    inputs = widened((sample.input, sample.args, sample.kwargs))
    leaves = [t for t in _leaves(inputs, torch) if t.requires_grad]
    outs = differentiable_outputs(sample.output_process_fn_grad(
        torch_fn(inputs[0], *inputs[1], **inputs[2])), torch)
    grads = torch.autograd.grad(outs, leaves, [torch.from_numpy(c).double() for c in cots],
                                allow_unused=True)
    return [None if g is None else g.float() for g in grads]


def _second_derivatives(tgrads: Any, zgrads: Any, tleaves: Any, zleaves: Any,
                        torch: Any, ztorch: Any) -> str:
    """Compare the gradients of <first gradients, random weights>; '' when done, else why not."""
    pairs = [(tg, zg) for tg, zg in zip(tgrads, zgrads) if tg is not None and tg.requires_grad]
    if not pairs:
        return ""
    if not all(getattr(zg, "requires_grad", False) for _, zg in pairs):
        # zerograd.torch's backward(create_graph=True) keeps no graph in .grad yet (issue 23's
        # autograd work): the second derivatives wait for it, visibly
        return "second derivatives not checked: backward(create_graph=True) kept no graph"
    generator = np.random.default_rng(1)
    weights = [generator.standard_normal(tuple(tg.shape)).astype(np.float32) for tg, _ in pairs]
    tsum = sum((tg * torch.from_numpy(w)).sum() for (tg, _), w in zip(pairs, weights))
    expected = torch.autograd.grad(tsum, tleaves, allow_unused=True)
    for z in zleaves:
        z.grad = None
    zsum = None
    for (_, zg), w in zip(pairs, weights):
        term = (zg * ztorch.tensor(w)).sum()
        zsum = term if zsum is None else zsum + term
    zsum.backward()
    for index, (tg, z, leaf) in enumerate(zip(expected, zleaves, tleaves)):
        tg = torch.zeros_like(leaf) if tg is None else tg
        zg = ztorch.zeros(tuple(leaf.shape)) if z.grad is None else z.grad
        compare_outputs(tg.detach(), zg, ztorch, what=f"second derivative of input {index}",
                        grad=True)
    return ""


def grade(opinfo: Any, torch: Any, ztorch: Any) -> tuple[str, str]:
    """One entry's verdict and note."""
    if opinfo.name in RANDOM_OPS:
        return "unsupported", f"random op: {RANDOM_OPS[opinfo.name]}"
    variants = [v for v in _function_variants(opinfo, torch, ztorch) if _offered(v, ztorch, opinfo)]
    if not variants:
        return "unsupported", "not offered by zerograd.torch"
    shape_only = opinfo.name in SHAPE_ONLY_OPS
    errors: list[str] = []
    grad_errors: list[str] = []
    notes: set[str] = set()
    samples_run = 0
    is_random = RANDOM_SAMPLES.get(opinfo.name, lambda sample: False)
    for dtype_name in FORWARD_DTYPES:
        with_grad = dtype_name == "float32" and opinfo.supports_autograd
        for index, sample in enumerate(_samples(opinfo, torch, dtype_name, with_grad)):
            if is_random(sample):
                notes.add("samples that draw dropout masks skipped (random)")
                continue
            for label, zfunc in variants:
                samples_run += 1
                where = f"{label} {dtype_name} sample {index}"
                tfunc = opinfo.op if label != "method" else _method(zfunc.__name__)
                try:
                    _forward(tfunc, zfunc, sample, ztorch, shape_only, opinfo.name)
                except Mismatch as err:
                    return "mismatch", f"{where}: {err}"
                except Exception as err:  # noqa: BLE001  (any refusal is a verdict)
                    errors.append(f"{where}: {type(err).__name__}: {_short(err)}")
                    continue
                if not with_grad or shape_only or label != variants[0][0]:
                    continue  # gradients once per sample: the variants share the Function
                second = opinfo.supports_gradgrad and opinfo.name in GRADGRAD_OPS
                try:
                    skipped = _gradients(opinfo, tfunc, zfunc, sample, ztorch, torch, second)
                    if skipped:
                        notes.add(skipped)
                except Mismatch as err:
                    return "mismatch", f"{where}: {err}"
                except Exception as err:  # noqa: BLE001
                    grad_errors.append(f"{where}: {type(err).__name__}: {_short(err)}")
    if samples_run == 0:
        return "unsupported", "no float32/int64/bool samples"
    labels = "+".join(label for label, _ in variants)
    if errors:
        return "unsupported", f"{len(errors)} of {samples_run} samples refused ({labels}); " \
                              f"first: {errors[0]}"
    if grad_errors:
        return "forward-only", f"{len(grad_errors)} gradients refused; first: {grad_errors[0]}"
    note = f"{samples_run} samples ({labels})" + (", shape and dtype only" if shape_only else "")
    return "match", "; ".join([note, *sorted(notes)])


def _short(err: Exception) -> str:
    text = " ".join(str(err).split())
    return text[:160]


def entry_name(opinfo: Any) -> str:
    return opinfo.name + (f".{opinfo.variant_test_name}" if opinfo.variant_test_name else "")


def namespace(opinfo: Any) -> str:
    """torch (torch.* and Tensor methods), nn.functional, linalg, or another of PyTorch's."""
    head = opinfo.name.split(".")
    if head[0] == "nn" and len(head) > 2:
        return "nn.functional"
    if len(head) > 1:
        return head[0]
    return "torch"


def verdicts() -> list[tuple[str, str, str]]:
    """(entry name, verdict, note) for every op_db entry."""
    import warnings

    import torch
    from torch.testing._internal.common_methods_invocations import op_db

    import zerograd.torch as ztorch

    results = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for opinfo in op_db:
            start = time.process_time()
            verdict, note = grade(opinfo, torch, ztorch)
            SECONDS[entry_name(opinfo)] = time.process_time() - start
            results.append((entry_name(opinfo), verdict, f"[{namespace(opinfo)}] {note}"))
    return results


if __name__ == "__main__":
    from collections import Counter
    rows = verdicts()
    for row in rows:
        if "not offered" not in row[2] and "random op" not in row[2]:
            print(*row, sep=" | ")
    print(Counter(verdict for _, verdict, _ in rows))
    slowest = sorted(SECONDS.items(), key=lambda item: -item[1])[:15]
    print("slowest (CPU s):", ", ".join(f"{name} {seconds:.1f}" for name, seconds in slowest))
