"""PyTorch-style losses: cross_entropy and nll_loss with weight, ignore_index, label smoothing,
probability targets, (N, C, d1) inputs and every reduction; the pointwise, margin and
embedding losses; embedding, one_hot and the dropout variants. Gradient checks in float64,
PyTorch comparisons in float32, errors."""

from __future__ import annotations

import numpy as np
import pytest

import zerograd.nn.functions as F
from zerograd.core import Variable
from zerograd.core.testing import check_backward, check_double_backward

REDUCTIONS = ("mean", "sum", "none")


def _labels(rng, n, c, *extra, ignore=True):
    t = rng.integers(0, c, (n, *extra))
    if ignore:
        t.flat[0] = -100
    return t


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_against_pytorch(reduction, smoothing, weighted, rng, torch_check):
    import torch
    x = rng.standard_normal((4, 5, 3)).astype(np.float32)
    t = _labels(rng, 4, 5, 3)
    w = rng.uniform(0.5, 2, 5).astype(np.float32) if weighted else None
    kwargs = dict(reduction=reduction, label_smoothing=smoothing)
    torch_check(lambda x: F.cross_entropy(x, t, weight=w, **kwargs),
                lambda x: torch.nn.functional.cross_entropy(
                    x, torch.tensor(t), None if w is None else torch.tensor(w), **kwargs), [x])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_probability_targets(reduction, rng, torch_check):
    import torch
    x = rng.standard_normal((3, 4)).astype(np.float32)
    p = rng.dirichlet(np.ones(4), 3).astype(np.float32)
    w = rng.uniform(0.5, 2, 4).astype(np.float32)
    kwargs = dict(reduction=reduction, label_smoothing=0.1)
    torch_check(lambda x, p: F.cross_entropy(x, p, weight=w, **kwargs),
                lambda x, p: torch.nn.functional.cross_entropy(x, p, torch.tensor(w), **kwargs),
                [x, p])


def test_cross_entropy_gradients_and_double_backward(rng):
    t, w = _labels(rng, 3, 4), rng.uniform(0.5, 2, 4)
    for reduction in REDUCTIONS:
        def loss(x, reduction=reduction):
            return F.cross_entropy(x, t, weight=w, reduction=reduction, label_smoothing=0.1)
        check_backward(loss, rng.standard_normal((3, 4)))
        check_double_backward(loss, rng.standard_normal((3, 4)))


def test_cross_entropy_of_the_hard_path_keeps_only_its_inputs(rng):
    """The fused Function saves x and the labels: no per-class array lives in the graph."""
    loss = F.cross_entropy(Variable(rng.standard_normal((3, 4, 1))), np.array([[0], [1], [2]]))
    targets = loss.creator.targets
    assert targets.probs is None and targets.keep is None and targets.weight is None


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_against_pytorch(reduction, rng, torch_check):
    import torch
    x = rng.standard_normal((4, 3, 2)).astype(np.float32)
    t, w = _labels(rng, 4, 3, 2), rng.uniform(0.5, 2, 3).astype(np.float32)
    torch_check(lambda x: F.nll_loss(x, t, reduction, weight=w),
                lambda x: torch.nn.functional.nll_loss(x, torch.tensor(t), torch.tensor(w),
                                                       reduction=reduction), [x])
    check_backward(lambda x: F.nll_loss(x, t, reduction, weight=w), x.astype(np.float64))


def _pointwise_cases(rng):
    x, t = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4))
    p, q = rng.uniform(0.05, 0.95, (2, 3, 4)), rng.uniform(0.05, 0.95, (2, 3, 4))
    y = rng.choice([-1.0, 1.0], (2, 3, 4))
    v = rng.uniform(0.5, 2, (2, 3, 4))
    pw = rng.uniform(0.5, 2, 4)
    return {
        "l1_loss": (F.l1_loss, "l1_loss", [x, t], {}),
        "mse_loss": (F.mse_loss, "mse_loss", [x, t], {}),
        "smooth_l1_loss": (lambda a, b, reduction: F.smooth_l1_loss(a, b, reduction, 0.5),
                           "smooth_l1_loss", [x, t], {"beta": 0.5}),
        "kl_div": (F.kl_div, "kl_div", [np.log(p), q], {}),
        "kl_div_log_target": (lambda a, b, reduction: F.kl_div(a, b, reduction, True),
                              "kl_div", [np.log(p), np.log(q)], {"log_target": True}),
        "poisson_nll_full": (lambda a, b, reduction: F.poisson_nll_loss(a, b * 4, full=True,
                                                                        reduction=reduction),
                             "poisson_nll_loss", [x, q], {"full": True}, lambda b: b * 4),
        "gaussian_nll": (lambda a, b, c, reduction: F.gaussian_nll_loss(a, b, c,
                                                                        reduction=reduction),
                         "gaussian_nll_loss", [x, t, v], {}),
        "bce": (F.bce_loss, "binary_cross_entropy", [p, q], {}),
        "bce_with_logits": (lambda a, b, reduction: F.bce_with_logits_loss(
            a, b, pos_weight=pw, reduction=reduction), "binary_cross_entropy_with_logits",
            [x, q], {"pos_weight": pw}),
        "margin_ranking": (lambda a, b, reduction: F.margin_ranking_loss(a, b, y, 0.1, reduction),
                           "margin_ranking_loss", [x, t], {"margin": 0.1}, None, y),
        "soft_margin": (lambda a, reduction: F.soft_margin_loss(a, y, reduction),
                        "soft_margin_loss", [x], {}, None, y),
        "hinge_embedding": (lambda a, reduction: F.hinge_embedding_loss(a, y, 0.5, reduction),
                            "hinge_embedding_loss", [x], {"margin": 0.5}, None, y),
        "multilabel_soft_margin": (lambda a, b, reduction: F.multilabel_soft_margin_loss(
            a, b, reduction=reduction), "multilabel_soft_margin_loss", [x[0], q[0]], {}),
    }


CASE_NAMES = sorted(_pointwise_cases(np.random.default_rng(0)))


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")  # kl_div's own advice
@pytest.mark.parametrize("name", CASE_NAMES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_pointwise_losses(name, reduction, torch_check):
    import torch
    case = _pointwise_cases(np.random.default_rng(1))[name]
    func, torch_name, inputs, kwargs = case[:4]
    prepare = case[4] if len(case) > 4 and case[4] is not None else None
    extra = [torch.tensor(case[5].astype(np.float32))] if len(case) > 5 else []
    torch_kwargs = {k: torch.tensor(np.asarray(v, np.float32)) if isinstance(v, np.ndarray) else v
                    for k, v in kwargs.items()}

    def torch_func(*ts):
        ts = list(ts)
        if prepare is not None:
            ts[1] = prepare(ts[1])
        return getattr(torch.nn.functional, torch_name)(*ts, *extra, reduction=reduction,
                                                       **torch_kwargs)

    torch_check(lambda *xs: func(*xs, reduction=reduction), torch_func,
                [a.astype(np.float32) for a in inputs])
    check_backward(lambda *xs: func(*xs, reduction=reduction), *inputs)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_embedding_losses_against_pytorch(reduction, rng, torch_check):
    import torch
    TF = torch.nn.functional
    a, p, n = rng.standard_normal((3, 4, 5)).astype(np.float32)
    y = np.array([1, -1, 1, -1])
    labels = np.array([0, 2, 4, 1])
    w = rng.uniform(0.5, 2, 5).astype(np.float32)
    torch_check(lambda a, b: F.cosine_embedding_loss(a, b, y, 0.2, reduction),
                lambda a, b: TF.cosine_embedding_loss(a, b, torch.tensor(y), 0.2,
                                                      reduction=reduction), [a, p])
    torch_check(lambda a, p, n: F.triplet_margin_loss(a, p, n, swap=True, reduction=reduction),
                lambda a, p, n: TF.triplet_margin_loss(a, p, n, swap=True, reduction=reduction),
                [a, p, n])
    torch_check(lambda x: F.multi_margin_loss(x, labels, 2, 0.5, w, reduction),
                lambda x: TF.multi_margin_loss(x, torch.tensor(labels), 2, 0.5, torch.tensor(w),
                                               reduction=reduction), [a])
    check_backward(lambda a, b: F.cosine_embedding_loss(a, b, y, 0.2, reduction), a, p)
    check_backward(lambda x: F.multi_margin_loss(x, labels, 2, 0.5, w, reduction), a)


def test_embedding_padding_idx_and_max_norm(rng, torch_check):
    import torch
    ids = np.array([[0, 2, 1], [2, 2, 3]])
    W = rng.standard_normal((4, 3)).astype(np.float32) * 3
    torch_check(lambda w: F.embedding(ids, w, padding_idx=2),
                lambda w: torch.nn.functional.embedding(torch.tensor(ids), w, padding_idx=2), [W])
    ours, theirs = W.copy(), torch.tensor(W)
    F.embedding(ids, ours, max_norm=1.0)
    torch.nn.functional.embedding(torch.tensor(ids), theirs, max_norm=1.0)
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-5)
    check_backward(lambda w: F.embedding(ids, w), W.astype(np.float64))
    w = Variable(W)
    F.embedding(ids, w, padding_idx=-2).backward()
    assert np.all(w.grad.data[2] == 0) and np.all(w.grad.data[3] == 1)


def test_one_hot():
    np.testing.assert_array_equal(F.one_hot(np.array([[1], [0]]), 3),
                                  np.array([[[0, 1, 0]], [[1, 0, 0]]]))
    assert F.one_hot(np.array([2])).dtype == np.int64


def test_channel_dropout_zeroes_whole_channels(rng):
    y = F.channel_dropout(np.ones((200, 10, 3)), 0.3, train=True).data
    per_channel = y.reshape(2000, 3)
    assert np.all(per_channel.min(axis=1) == per_channel.max(axis=1))
    assert set(np.unique(y)) <= {0.0, 1 / 0.7}
    assert abs((per_channel[:, 0] == 0).mean() - 0.3) < 0.05


def test_alpha_dropout_keeps_mean_and_variance(rng):
    x = rng.standard_normal(200_000)
    y = F.alpha_dropout(x, 0.2, train=True).data
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02
    np.testing.assert_array_equal(F.alpha_dropout(x, 0.2, train=False).data, x)
    check_backward(lambda v: F.alpha_dropout(v, 0.5, train=False), x[:5])


@pytest.mark.parametrize("call, error, message", [
    (lambda: F.cross_entropy(np.zeros((2, 3)), np.array([0, 3])), ValueError,
     "cross_entropy: target labels must lie in [0, 3) or equal ignore_index=-100"),
    (lambda: F.cross_entropy(np.zeros((2, 3)), np.array([0])), ValueError,
     "cross_entropy: target of shape (1,) does not fit input of shape (2, 3)"),
    (lambda: F.cross_entropy(np.zeros((2, 3)), np.array([0, 1]), weight=np.ones(2)), ValueError,
     "cross_entropy: weight must have shape (3,)"),
    (lambda: F.cross_entropy(np.zeros((2, 3)), np.array([0, 1]), reduction="avg"), ValueError,
     "cross_entropy: reduction must be one of"),
    (lambda: F.nll_loss(np.zeros((2, 3)), np.zeros(2)), TypeError,
     "nll_loss: t must be an integer array"),
    (lambda: F.bce_loss(np.array([1.5]), np.array([1.0])), ValueError,
     "binary_cross_entropy: every input must lie in [0, 1]"),
    (lambda: F.mse_loss(np.zeros((2, 3)), np.zeros((3, 2))), ValueError,
     "mse_loss: x of shape (2, 3) and t of shape (3, 2) do not broadcast"),
    (lambda: F.kl_div(np.zeros(2), np.zeros(2), "avg"), ValueError, "kl_div: reduction must be"),
    (lambda: F.gaussian_nll_loss(np.zeros((2, 3)), np.zeros((2, 3)), np.ones((3, 2))), ValueError,
     "gaussian_nll_loss: var of shape (3, 2) does not fit input of shape (2, 3)"),
    (lambda: F.multi_margin_loss(np.zeros((2, 3)), np.array([0, 5])), ValueError,
     "multi_margin_loss: labels must lie in [0, 3)"),
    (lambda: F.embedding(np.array([4]), np.zeros((4, 2))), ValueError,
     "embedding: ids must lie in [0, 4)"),
    (lambda: F.one_hot(np.array([3]), 2), ValueError, "one_hot: class values must lie in [0, 2)"),
    (lambda: F.channel_dropout(np.zeros(3), 0.5), ValueError, "channel_dropout: x must have a"),
])
def test_bad_input(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)
