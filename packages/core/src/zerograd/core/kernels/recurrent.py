"""The gate math of one LSTM time step, forward and backward, each one serial pass over the
(N, 4H) gates instead of about ten NumPy passes; exp is ``_exp.exp`` (vectorisable arithmetic),
so a whole element's formula vectorises over the contiguous hidden axis.

NumPy references: ``zerograd.text.functions.sequence.LSTMSequence.forward`` (the lines after the
recurrent product of each step) and ``zerograd.text.functions.lstm.LSTMGrad.forward`` (what
``LSTMSequence._gate_gradients`` calls per step). Gates in PyTorch's order (i, f, g, o); z arrives
pre-scaled as in the reference (v = z / 2 for the sigmoid gates, v = z for g), so

    sigmoid(z) = 1 / (1 + exp(-2 v)),   tanh(v) = sign(v) (1 - e) / (1 + e), e = exp(-2 |v|)

(both free of cancellation: no loss of relative accuracy near 0 or in the sigmoid's tail).
c' = f c + i g, h' = o tanh(c'). The backward uses the reference's derivative forms a (1 - a)
and 1 - a^2 and its grouping. Arithmetic runs in float64 for either dtype, rounded once at the
store. Serial (one step of B = 32 rows is too little work to share between threads);
deterministic. Divisions are ``np.true_divide`` (Python's ``/`` adds a zero-divisor branch that
keeps the loop from vectorising).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from zerograd.core.kernels._exp import exp
from zerograd.core.kernels._jit import kernel


@kernel(parallel=False)
def _sigmoid2(v: Any, single: bool) -> Any:
    """sigmoid(2 v)."""
    return np.true_divide(1.0, 1.0 + exp(-2.0 * v, single))


@kernel(parallel=False)
def _tanh(v: Any, single: bool) -> Any:
    e = exp(-2.0 * abs(v), single)
    return math.copysign(np.true_divide(1.0 - e, 1.0 + e), v)


@kernel(parallel=False)
def _lstm_forward(z: Any, c_prev: Any, c_out: Any, tanh_c: Any, h_out: Any) -> None:
    """z (N, 4H) pre-scaled pre-activations -> z the gate activations in place; c', tanh(c'),
    h' (N, H)."""
    batch, size = c_out.shape
    single = z.itemsize == 4
    for n in range(batch):
        zi, zf = z[n, :size], z[n, size:2 * size]
        zg, zo = z[n, 2 * size:3 * size], z[n, 3 * size:]
        cp, co, tc, ho = c_prev[n], c_out[n], tanh_c[n], h_out[n]
        for m in range(size):
            i = _sigmoid2(np.float64(zi[m]), single)
            f = _sigmoid2(np.float64(zf[m]), single)
            g = _tanh(np.float64(zg[m]), single)
            o = _sigmoid2(np.float64(zo[m]), single)
            zi[m], zf[m], zg[m], zo[m] = i, f, g, o
            # the reference rounds i g and f c to the dtype before adding
            c = zi[m] * zg[m] + zf[m] * cp[m]
            co[m] = c
            t = _tanh(np.float64(co[m]), single)
            tc[m] = t
            ho[m] = zo[m] * tc[m]


@kernel(parallel=False)
def _lstm_backward(gates: Any, tanh_c: Any, c_prev: Any, gh: Any, gc: Any, has_gc: bool,
                   gz: Any, gc_prev: Any) -> None:
    """gz (N, 4H) and gc_prev (N, H) from the step's gates, tanh(c'), c and the gradients gh,
    gc of h' and c' (gc read only with has_gc)."""
    batch, size = tanh_c.shape
    for n in range(batch):
        gi, gf = gates[n, :size], gates[n, size:2 * size]
        gg, go = gates[n, 2 * size:3 * size], gates[n, 3 * size:]
        di, df = gz[n, :size], gz[n, size:2 * size]
        dg, do = gz[n, 2 * size:3 * size], gz[n, 3 * size:]
        tc, cp, dh, dc, dcp = tanh_c[n], c_prev[n], gh[n], gc[n], gc_prev[n]
        for m in range(size):
            i, f = np.float64(gi[m]), np.float64(gf[m])
            g, o = np.float64(gg[m]), np.float64(go[m])
            t, h = np.float64(tc[m]), np.float64(dh[m])
            g_c = (1.0 - t * t) * o * h
            g_c += np.float64(dc[m]) if has_gc else 0.0
            di[m] = (g_c * g) * ((1.0 - i) * i)
            df[m] = (g_c * np.float64(cp[m])) * ((1.0 - f) * f)
            dg[m] = (g_c * i) * (1.0 - g * g)
            do[m] = (h * t) * ((1.0 - o) * o)
            dcp[m] = g_c * f


@kernel(parallel=False)
def _gru_forward(a: Any, u: Any, h: Any, u_n: Any, h_out: Any) -> None:
    """a (N, 3H) = x W_x + b_x -> (r, z, n) in place, from u (N, 3H) = h W_h + b_h and h (N, H);
    writes u's n block into u_n and h' = n + z (h - n) into h_out."""
    batch, size = h.shape
    single = a.itemsize == 4
    for n in range(batch):
        ar, az, an = a[n, :size], a[n, size:2 * size], a[n, 2 * size:]
        ur, uz, un = u[n, :size], u[n, size:2 * size], u[n, 2 * size:]
        hp, hn, ho = h[n], u_n[n], h_out[n]
        for m in range(size):
            # the reference rounds a + u, r u_n and each step of h' to the dtype
            ar[m] = ar[m] + ur[m]
            az[m] = az[m] + uz[m]
            ar[m] = _sigmoid2(0.5 * np.float64(ar[m]), single)
            az[m] = _sigmoid2(0.5 * np.float64(az[m]), single)
            hn[m] = un[m]
            an[m] = an[m] + ar[m] * un[m]
            an[m] = _tanh(np.float64(an[m]), single)
            ho[m] = (hp[m] - an[m]) * az[m] + an[m]


@kernel(parallel=False)
def _gru_backward(gates: Any, u_n: Any, h: Any, gy: Any, ga: Any, gu: Any, gh: Any) -> None:
    """GRUGrad.forward for one step: ga, gu (N, 3H) and gh = gy z (N, H) from the gates (r, z,
    n) (N, 3H), u_n, the previous state h and the gradient gy of h' (N, H)."""
    batch, size = h.shape
    for n in range(batch):
        gr, gz, gn = gates[n, :size], gates[n, size:2 * size], gates[n, 2 * size:]
        ar, az, an = ga[n, :size], ga[n, size:2 * size], ga[n, 2 * size:]
        ur, uz, un = gu[n, :size], gu[n, size:2 * size], gu[n, 2 * size:]
        hu, hp, dy, dh = u_n[n], h[n], gy[n], gh[n]
        for m in range(size):
            r, z, c = np.float64(gr[m]), np.float64(gz[m]), np.float64(gn[m])
            y = np.float64(dy[m])
            g_n = ((1.0 - z) * y) * (1.0 - c * c)
            g_r = (g_n * np.float64(hu[m])) * ((1.0 - r) * r)
            g_z = ((np.float64(hp[m]) - c) * y) * ((1.0 - z) * z)
            ar[m], az[m], an[m] = g_r, g_z, g_n
            ur[m], uz[m], un[m] = g_r, g_z, g_n * r
            dh[m] = y * z


def gru_step_forward(a: Any, u: Any, h: Any, u_n: Any, h_out: Any) -> None:
    """One step of GRUSequence.forward after h W_h + b_h (``u``), writing into the buffers."""
    _gru_forward(a, np.ascontiguousarray(u), h, u_n, h_out)


def gru_step_backward(gates: Any, u_n: Any, h: Any, gy: Any, ga: Any, gu: Any) -> Any:
    """GRUGrad.forward's ga, gu (written into ``ga``, ``gu``) and gy z (returned) for one step."""
    gh = np.empty_like(u_n)
    _gru_backward(gates, u_n, h, np.ascontiguousarray(gy), ga, gu, gh)
    return gh


def lstm_step_forward(z: Any, c_prev: Any, c_out: Any, tanh_c: Any, h_out: Any) -> None:
    """One step of LSTMSequence.forward after the recurrent product (z pre-scaled), writing
    the gates into z and c', tanh(c'), h' into the (C-contiguous) buffers."""
    _lstm_forward(z, c_prev, c_out, tanh_c, h_out)


def lstm_step_backward(gates: Any, tanh_c: Any, c_prev: Any, gh: Any, gc: Any, gz: Any) -> Any:
    """LSTMGrad.forward's gz (written into ``gz``) and gc_prev (returned) for one step; gc None:
    no gradient reaches c'."""
    gh = np.ascontiguousarray(gh)
    gc = gh if gc is None else np.ascontiguousarray(gc)
    gc_prev = np.empty_like(tanh_c)
    _lstm_backward(gates, tanh_c, c_prev, gh, gc, gc is not gh, gz, gc_prev)
    return gc_prev
