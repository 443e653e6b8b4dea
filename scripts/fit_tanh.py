#!/usr/bin/env python3
"""Fits the rational approximation behind `nncore`'s tanh.

tanh(x) = x * P(x^2) / Q(x^2) on |x| <= CLAMP, with P of degree 6 and Q of degree 3 in x^2,
minimizing the largest relative error (Lawson's iteratively reweighted least squares on a dense
grid). Prints the coefficients as f32 literals. Needs numpy.

    python3 scripts/fit_tanh.py
"""
import numpy as np

CLAMP = 9.0
NP, NQ = 6, 3  # degrees of P and Q in s = x^2

n = 20000
t = (1 - np.cos(np.linspace(0, np.pi, n))) / 2  # Chebyshev-spaced in [0, 1]
s = t * CLAMP**2
x = np.sqrt(s)
g = np.where(x > 0, np.tanh(x) / np.where(x > 0, x, 1), 1.0)

w = np.ones(n) / n
qprev = np.ones(n)
for it in range(400):
    # unknowns: p0..pNP, q1..qNQ (q0 = 1); residual (P - g Q) / (g Qprev)
    cols = [t**k for k in range(NP + 1)] + [-g * t**k for k in range(1, NQ + 1)]
    A = np.stack(cols, axis=1) / (g * qprev)[:, None]
    b = g / (g * qprev)
    sw = np.sqrt(w)
    coef, *_ = np.linalg.lstsq(A * sw[:, None], b * sw, rcond=None)
    p = coef[: NP + 1]
    q = np.concatenate([[1.0], coef[NP + 1 :]])
    P = sum(p[k] * t**k for k in range(NP + 1))
    Q = sum(q[k] * t**k for k in range(NQ + 1))
    err = P / Q / g - 1
    qprev = Q
    w = w * np.abs(err)
    w /= w.sum()
    if it % 50 == 0 or it == 399:
        print(f"# iteration {it}: max relative error {np.abs(err).max():.3e}")

# back to s = x^2: coefficient k of t^k is c_k / CLAMP^(2k); normalize so that P(0) = 1
scale = np.array([CLAMP ** (2 * k) for k in range(max(NP, NQ) + 1)])
p = p / scale[: NP + 1]
q = q / scale[: NQ + 1]
q, p = q / p[0], p / p[0]
for k, c in enumerate(p):
    print(f"P{k} = {np.float32(c)!r:>20}  # {c:.17e}")
for k, c in enumerate(q):
    print(f"Q{k} = {np.float32(c)!r:>20}  # {c:.17e}")
