#!/usr/bin/env python3
"""Writes layer_fixtures.json: forward references for the NeuralNet layers.

Computed with plain numpy by direct summation over windows (no im2col), so the
Swift implementation is checked against an independent formulation. Run once;
the output is committed. Conventions follow PyTorch (weights [Cout, Cin/G, kh, kw],
pooling output sizes with ceil mode, AvgPool count_include_pad, BatchNorm running
statistics with unbiased variance)."""
import json, math
import numpy as np

rng = np.random.default_rng(20261125)


def r(*shape, lo=-1.0, hi=1.0):
    return rng.uniform(lo, hi, size=shape).astype(np.float32)


def flat(a):
    return [float(v) for v in np.asarray(a, dtype=np.float32).ravel()]


def conv2d(x, w, b, stride, pad, dil, groups):
    n, cin, h, wd = x.shape
    cout, cin_g, kh, kw = w.shape
    sh, sw = stride; ph, pw = pad; dh, dw = dil
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    out = np.zeros((n, cout, oh, ow))
    cout_g = cout // groups
    for co in range(cout):
        g = co // cout_g
        for i in range(oh):
            for j in range(ow):
                s = 0.0
                for ci in range(cin_g):
                    for ky in range(kh):
                        for kx in range(kw):
                            s_ = xp[:, g * cin_g + ci, i * sh + ky * dh, j * sw + kx * dw]
                            s = s + s_ * w[co, ci, ky, kx]
                out[:, co, i, j] = s + (b[co] if b is not None else 0.0)
    return out


def pool_out(size, k, s, p, ceil):
    span = size + 2 * p - k
    o = (-(-span // s) if ceil else span // s) + 1
    if ceil and (o - 1) * s >= size + p:
        o -= 1
    return o


def maxpool(x, k, s, p, ceil):
    n, c, h, w = x.shape
    oh, ow = pool_out(h, k, s, p, ceil), pool_out(w, k, s, p, ceil)
    out = np.full((n, c, oh, ow), -np.inf)
    for i in range(oh):
        for j in range(ow):
            y0, x0 = i * s - p, j * s - p
            ys = [y for y in range(y0, y0 + k) if 0 <= y < h]
            xs = [x_ for x_ in range(x0, x0 + k) if 0 <= x_ < w]
            out[:, :, i, j] = x[:, :, ys][:, :, :, xs].max(axis=(2, 3))
    return out


def adaptive_avg(x, oh, ow):
    n, c, h, w = x.shape
    out = np.zeros((n, c, oh, ow))
    for i in range(oh):
        ys = range(math.floor(i * h / oh), math.ceil((i + 1) * h / oh))
        for j in range(ow):
            xs = range(math.floor(j * w / ow), math.ceil((j + 1) * w / ow))
            out[:, :, i, j] = x[:, :, list(ys)][:, :, :, list(xs)].astype(np.float64).mean(axis=(2, 3))
    return out


fixtures = {"conv2d": [], "maxpool2d": [], "adaptive_avgpool2d": [], "batchnorm2d": [], "linear": []}

for (n, cin, cout, h, w, k, stride, pad, dil, groups, bias) in [
    (2, 3, 4, 7, 6, (3, 3), (1, 1), (1, 1), (1, 1), 1, True),
    (1, 4, 6, 9, 8, (3, 2), (2, 1), (1, 0), (1, 2), 2, True),
    (2, 6, 6, 8, 7, (3, 3), (2, 2), (2, 2), (2, 2), 3, False),
    (1, 5, 3, 4, 5, (1, 1), (1, 1), (0, 0), (1, 1), 1, True),
    (1, 2, 4, 11, 10, (5, 5), (3, 2), (2, 1), (1, 1), 1, True),
]:
    x = r(n, cin, h, w)
    wt = r(cout, cin // groups, *k, lo=-0.5, hi=0.5)
    b = r(cout) if bias else None
    y = conv2d(x, wt, b, stride, pad, dil, groups)
    fixtures["conv2d"].append(dict(in_channels=cin, out_channels=cout, kernel=list(k), stride=list(stride),
                                   padding=list(pad), dilation=list(dil), groups=groups,
                                   input_shape=list(x.shape), input=flat(x), weight=flat(wt),
                                   bias=flat(b) if bias else None, output_shape=list(y.shape), output=flat(y)))

for (shape, k, s, p, ceil) in [((1, 2, 7, 7), 3, 2, 0, True), ((2, 1, 8, 9), 3, 2, 1, False),
                               ((1, 3, 6, 5), 2, 2, 1, True), ((1, 1, 10, 7), 3, 3, 1, True)]:
    x = r(*shape)
    y = maxpool(x, k, s, p, ceil)
    fixtures["maxpool2d"].append(dict(kernel=k, stride=s, padding=p, ceil_mode=ceil, input_shape=list(shape),
                                      input=flat(x), output_shape=list(y.shape), output=flat(y)))

# Draws of the average-pooling cases (a layer the toolkit no longer has), kept
# so that the cases after them keep their committed values.
for shape in [(1, 2, 7, 7), (1, 2, 7, 7), (2, 1, 6, 8), (1, 1, 10, 7)]:
    r(*shape)

for (shape, oh, ow) in [((1, 2, 7, 5), 3, 2), ((2, 1, 4, 4), 4, 4), ((1, 1, 5, 9), 1, 1), ((1, 2, 6, 6), 4, 3)]:
    x = r(*shape)
    y = adaptive_avg(x, oh, ow)
    fixtures["adaptive_avgpool2d"].append(dict(output_size=[oh, ow], input_shape=list(shape), input=flat(x),
                                               output_shape=list(y.shape), output=flat(y)))

for (shape, momentum, eps) in [((2, 3, 4, 5), 0.1, 1e-5), ((3, 2, 3, 3), 0.3, 1e-3)]:
    x = r(*shape, lo=-2, hi=3)
    c = shape[1]
    gamma, beta = r(c, lo=0.5, hi=1.5), r(c)
    rm0, rv0 = r(c), r(c, lo=0.5, hi=2.0)
    xd = x.astype(np.float64)
    mean = xd.mean(axis=(0, 2, 3)); var = xd.var(axis=(0, 2, 3))
    m = shape[0] * shape[2] * shape[3]
    y = (xd - mean[None, :, None, None]) / np.sqrt(var[None, :, None, None] + eps) * gamma[None, :, None, None] + beta[None, :, None, None]
    rm1 = (1 - momentum) * rm0 + momentum * mean
    rv1 = (1 - momentum) * rv0 + momentum * var * m / (m - 1)
    ye = (xd - rm1[None, :, None, None]) / np.sqrt(rv1[None, :, None, None] + eps) * gamma[None, :, None, None] + beta[None, :, None, None]
    fixtures["batchnorm2d"].append(dict(momentum=momentum, eps=eps, input_shape=list(shape), input=flat(x),
                                        weight=flat(gamma), bias=flat(beta), running_mean=flat(rm0), running_var=flat(rv0),
                                        train_output=flat(y), running_mean_after=flat(rm1), running_var_after=flat(rv1),
                                        eval_output_after=flat(ye)))

for (n, fin, fout) in [(3, 5, 4), (1, 7, 2)]:
    x, wt, b = r(n, fin), r(fout, fin), r(fout)
    y = x.astype(np.float64) @ wt.T.astype(np.float64) + b
    fixtures["linear"].append(dict(in_features=fin, out_features=fout, input_shape=[n, fin], input=flat(x),
                                   weight=flat(wt), bias=flat(b), output=flat(y)))

with open(__file__.replace("gen_layer_fixtures.py", "layer_fixtures.json"), "w") as f:
    json.dump(fixtures, f)
