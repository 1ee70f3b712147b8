"""torch.optim against PyTorch: the optim_db harness (conformance/optims.py) must see a wrong
formula, and the param_groups, tensor learning rates and PyTorch's state_dicts behave as torch's.
test_conformance.py grades every OptimizerInfo entry with the harness (one walk of optim_db):
every optimizer zerograd offers must match torch over all its option sets; LBFGS, SparseAdam and
Muon are the three zerograd does not offer."""

import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the optim_db comparison needs PyTorch (3.11 oracle)")
pytest.importorskip("expecttest", reason="torch.testing._internal needs expecttest")
sys.path.insert(0, str(Path(__file__).parent))

from conformance import optims  # noqa: E402

import zerograd.torch as ztorch  # noqa: E402


def test_the_harness_sees_a_wrong_formula(monkeypatch):
    # A harness that cannot fail proves nothing: a slightly wrong eps must be a mismatch.
    original = ztorch.optim.Adam.__init__
    monkeypatch.setattr(ztorch.optim.Adam, "__init__",
                        lambda self, params, **kw: original(self, params, eps=1e-3))
    with pytest.raises(AssertionError, match="step 1"):
        optims.run_both("Adam", {}, torch, ztorch)


def test_param_groups_carry_pytorchs_keys_and_defaults():
    for name in ("SGD", "Adam", "AdamW", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam",
                 "RMSprop", "Rprop", "ASGD", "Adafactor"):
        expected = getattr(torch.optim, name)([torch.nn.Parameter(torch.ones(2))]).param_groups[0]
        got = getattr(ztorch.optim, name)([ztorch.nn.Parameter(ztorch.ones(2))]).param_groups[0]
        assert set(got) == set(expected), name
        for key, value in expected.items():
            if key != "params":
                assert got[key] == value, (name, key)


def test_tensor_lr_and_per_group_betas():
    p, q = ztorch.nn.Parameter(ztorch.ones(2)), ztorch.nn.Parameter(ztorch.ones(2))
    optimizer = ztorch.optim.Adam([{"params": [p]}, {"params": [q], "betas": (0.5, 0.9)}],
                                  lr=ztorch.tensor(0.1))
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.1)
    assert optimizer.param_groups[1]["betas"] == (0.5, 0.9)
    with pytest.raises(ValueError, match=r"betas\[0\] must be a finite number in \[0, 1\)"):
        ztorch.optim.Adam([p], betas=(1.0, 0.9))
    p.grad, q.grad = ztorch.ones(2), ztorch.ones(2)
    optimizer.step()
    np.testing.assert_allclose(p.data, 0.9, rtol=1e-6)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adagrad", "Adadelta", "Adamax",
                                  "NAdam", "RAdam", "RMSprop", "Rprop", "ASGD", "Adafactor"])
def test_resumes_from_pytorchs_state_dict(name):
    # PyTorch's optimizer steps twice and saves; zerograd's loads that state and both step on.
    kwargs = {"SGD": {"momentum": 0.9}, "Adam": {"amsgrad": True},
              "RMSprop": {"centered": True, "momentum": 0.5}}.get(name, {})
    rng = np.random.default_rng(1)
    shapes = optims.SHAPES
    grads = [[rng.standard_normal(s).astype(np.float32) for s in shapes] for _ in range(4)]
    tparams = [torch.nn.Parameter(torch.tensor(rng.standard_normal(s).astype(np.float32)))
               for s in shapes]
    topt = getattr(torch.optim, name)(tparams, **kwargs)
    for step in range(2):
        for p, g in zip(tparams, grads[step]):
            p.grad = torch.tensor(g)
        topt.step()
    zparams = [ztorch.nn.Parameter(ztorch.tensor(p.detach().numpy().copy())) for p in tparams]
    zopt = getattr(ztorch.optim, name)(zparams, **kwargs)
    zopt.load_state_dict({"state": {k: {n: optims._as_zerograd(v, torch, ztorch)
                                        for n, v in s.items()}
                                    for k, s in topt.state_dict()["state"].items()},
                          "param_groups": topt.state_dict()["param_groups"]})
    for step in range(2, 4):
        for tp, zp, g in zip(tparams, zparams, grads[step]):
            tp.grad, zp.grad = torch.tensor(g), ztorch.tensor(g.copy())
        topt.step()
        zopt.step()
    for tp, zp in zip(tparams, zparams):
        np.testing.assert_allclose(zp.data, tp.detach().numpy(), rtol=1e-5, atol=1e-6)
    expected = set(topt.state_dict()["state"][0])
    assert expected <= set(zopt.state_dict()["state"][0]) <= expected | {"step"}
