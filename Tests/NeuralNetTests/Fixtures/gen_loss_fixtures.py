#!/usr/bin/env python3
"""Reference values for NeuralNet's losses, optimizers and schedules.

Computed independently in float64 numpy from the textbook / PyTorch
definitions; run once and commit the output:

    python3 gen_loss_fixtures.py > loss_fixtures.json
"""
import json
import math

import numpy as np

rng = np.random.default_rng(20260125)


def r(a):
    return [float(x) for x in np.asarray(a, dtype=np.float64).ravel()]


def f32(a):
    # Inputs are stored as float32 values so Swift sees exactly the same numbers.
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def softmax_ce(logits, targets, weights=None, ignore=None, reduction="mean"):
    n, c = logits.shape
    w = np.ones(c) if weights is None else weights
    m = logits.max(axis=1, keepdims=True)
    logp = logits - m - np.log(np.exp(logits - m).sum(axis=1, keepdims=True))
    p = np.exp(logp)
    loss = 0.0
    wsum = 0.0
    grad = np.zeros_like(logits)
    for i in range(n):
        t = targets[i]
        if ignore is not None and t == ignore:
            continue
        loss += -w[t] * logp[i, t]
        wsum += w[t]
        grad[i] = w[t] * p[i]
        grad[i, t] -= w[t]
    d = wsum if reduction == "mean" else 1.0
    return loss / d, grad / d


def bce_logits(x, t, w=None, pos_weight=1.0, reduction="mean"):
    w = np.ones_like(x) if w is None else w
    sig = 1 / (1 + np.exp(-x))
    # Direct definition with logs of sigmoid in float64 (np.logaddexp keeps it finite).
    log_sig = -np.logaddexp(0, -x)
    log_one_minus = -np.logaddexp(0, x)
    loss = -w * (pos_weight * t * log_sig + (1 - t) * log_one_minus)
    grad = w * ((1 - t) * sig - pos_weight * t * (1 - sig))
    d = x.size if reduction == "mean" else 1.0
    return loss.sum() / d, grad / d


def smooth_l1(x, t, beta, w=None, divisor=1.0):
    w = np.ones_like(x) if w is None else w
    d = x - t
    a = np.abs(d)
    if beta == 0:
        loss = a
        grad = np.sign(d)
    else:
        loss = np.where(a < beta, 0.5 * d * d / beta, a - 0.5 * beta)
        grad = np.where(a < beta, d / beta, np.sign(d))
    return (w * loss).sum() / divisor, w * grad / divisor



out = {}

# --- softmax cross-entropy -------------------------------------------------
logits = f32(rng.normal(0, 3, size=(6, 4)))
logits[2] = f32([80.0, -40.0, 15.0, 79.5])  # large logits: must stay finite
targets = [0, 3, 3, 1, 2, 0]
cw = f32([0.5, 2.0, 1.0, 3.0])
cases = []
for name, w, ign, red in [("plain_mean", None, None, "mean"),
                          ("weighted_ignore_mean", cw, 1, "mean"),
                          ("weighted_sum", cw, None, "sum")]:
    tg = list(targets)
    loss, grad = softmax_ce(logits, tg, w, ign, red)
    cases.append({"name": name, "logits": r(logits), "shape": list(logits.shape), "targets": tg,
                  "class_weights": None if w is None else r(w), "ignore_index": ign,
                  "reduction": red, "loss": float(loss), "grad": r(grad)})
out["softmax_cross_entropy"] = cases

# --- binary cross-entropy with logits ----------------------------------------
x = f32(rng.normal(0, 4, size=(3, 5)))
x[0, 0], x[0, 1], x[1, 2] = 60.0, -60.0, 0.0
t = f32(rng.integers(0, 2, size=(3, 5)).astype(np.float64))
t[2, :2] = f32([0.3, 0.75])  # soft targets
ew = f32(rng.uniform(0, 2, size=(3, 5)))
cases = []
for name, w, pw, red in [("plain_mean", None, 1.0, "mean"), ("weighted_sum", ew, 1.0, "sum"),
                         ("pos_weight_mean", None, 3.0, "mean")]:
    loss, grad = bce_logits(x, t, w, pw, red)
    cases.append({"name": name, "logits": r(x), "targets": r(t), "shape": list(x.shape),
                  "weights": None if w is None else r(w), "pos_weight": pw, "reduction": red,
                  "loss": float(loss), "grad": r(grad)})
out["bce_with_logits"] = cases

# --- smooth L1 ----------------------------------------------------------------
x = f32(rng.normal(0, 0.5, size=(4, 4)))
t = f32(rng.normal(0, 0.5, size=(4, 4)))
fg = np.zeros((4, 4))
fg[0] = 1
fg[2] = 1  # only two foreground RoIs carry box loss
cases = []
for name, beta, w, red, div in [("beta1_mean", 1.0, None, "mean", 16.0),
                                ("beta_ninth_sum_fg", 1.0 / 9.0, fg, "sum", 1.0),
                                ("beta_ninth_divided_fg", 1.0 / 9.0, fg, "divided", 4.0),
                                ("l1_sum", 0.0, None, "sum", 1.0)]:
    loss, grad = smooth_l1(x, t, float(np.float32(beta)), w, div)
    cases.append({"name": name, "input": r(x), "target": r(t), "shape": [4, 4],
                  "beta": float(np.float32(beta)), "weights": None if w is None else r(w),
                  "reduction": red, "divisor": div, "loss": float(loss), "grad": r(grad)})
out["smooth_l1"] = cases

# Draws of the MSE and SVM-hinge cases (losses the toolkit no longer has),
# kept so that the cases after them keep their committed values.
rng.normal(0, 1, size=(2, 3))
rng.normal(0, 1, size=(2, 3))
rng.normal(0, 1.2, size=(5, 3))

# --- optimizers: 3 steps on two parameters (the second has decay = false) ------
p0 = [f32(rng.normal(0, 1, size=5)), f32(rng.normal(0, 1, size=3))]
grads = [[f32(rng.normal(0, 1, size=5)), f32(rng.normal(0, 1, size=3))] for _ in range(3)]
lrs = [0.1, 0.1, 0.05]  # the rate changes between steps, as under a schedule


def run_sgd(momentum, nesterov, wd, dampening=0.0):
    ps = [p.copy() for p in p0]
    bufs = [None, None]
    for step in range(3):
        for k in range(2):
            g = grads[step][k] + (wd * ps[k] if k == 0 else 0)
            if momentum != 0:
                bufs[k] = g.copy() if bufs[k] is None else momentum * bufs[k] + (1 - dampening) * g
                g = g + momentum * bufs[k] if nesterov else bufs[k]
            ps[k] = ps[k] - lrs[step] * g
    return ps


opt = {"initial": [r(p) for p in p0], "grads": [[r(g) for g in gs] for gs in grads], "lrs": lrs, "cases": []}
for name, ps in [("sgd_plain", run_sgd(0, False, 0)),
                 ("sgd_momentum_wd", run_sgd(0.9, False, 1e-2)),
                 ("sgd_nesterov_wd", run_sgd(0.9, True, 1e-2)),
                 ("sgd_momentum_dampening", run_sgd(0.9, False, 0, dampening=0.5))]:
    opt["cases"].append({"name": name, "final": [r(p) for p in ps]})
out["optimizers"] = opt

# --- schedules ------------------------------------------------------------------
steps = list(range(0, 25))
out["schedules"] = {
    "steps": steps,
    "step_lr": [0.1 * 0.1 ** (s // 10) for s in steps],
    "cosine": [0.001 + (0.1 - 0.001) * 0.5 * (1 + math.cos(math.pi * min(s, 20) / 20)) for s in steps],
    "warmup_multistep": [0.02 * (0.1 ** sum(s >= m for m in (8, 16))) *
                         ((0.001 * (1 - s / 5) + s / 5) if s < 5 else 1.0) for s in steps],
}

print(json.dumps(out, indent=1))
