#!/usr/bin/python3
"""Independent golden values for the privacy accountant (privacy/rdp_test.go).

Run with Debian's interpreter: /usr/bin/python3 gen_rdp.py > rdp_golden.json

The Rényi DP of one step of the sampled Gaussian mechanism at order α is
log(A_α)/(α−1), where A_α = E_{z~N(0,σ²)}[((1−q) + q·exp((2z−1)/(2σ²)))^α]
(Mironov, Talwar and Zhang 2019, §3.3). This script evaluates that
expectation by adaptive numerical quadrature in 40-digit arithmetic
(mpmath), not by the series tensile's rdp.go sums, so the two are
independent computations of the same quantity.

The TF-Privacy rows follow TF-Privacy's MNIST tutorial as it was when its
table was published (tensorflow/privacy commit 047e1ee, 2019-01-18,
tutorials/mnist_dpsgd_tutorial.py): q = 256/60000, δ = 1e-5,
steps = epochs · (60000 // 256), orders [1 + x/10 for x in 1..99] +
range(12, 64), and ε = min over orders of steps·RDP(α) − log(δ)/(α − 1).
"""
import json
import mpmath as mp

mp.mp.dps = 40


def log_a(q, sigma, alpha):
    q, sigma, alpha = mp.mpf(q), mp.mpf(sigma), mp.mpf(alpha)

    def f(z):
        return mp.npdf(z, 0, sigma) * ((1 - q) + q * mp.exp((2 * z - 1) / (2 * sigma**2)))**alpha

    # Split the line where the integrand's mass sits (it peaks near
    # z ≈ ασ²-ish for large α), so quad resolves it.
    pts = sorted(set([-mp.inf, -10 * sigma, 0, mp.mpf(1) / 2, 1, 2 * sigma, 5 * sigma,
                      alpha * sigma**2 / 2, alpha * sigma**2, 2 * alpha * sigma**2 + 10 * sigma, mp.inf]))
    return mp.log(mp.quad(f, pts))


def rdp(q, sigma, alpha):
    return log_a(q, sigma, alpha) / (mp.mpf(alpha) - 1)


TUTORIAL_ORDERS = [1 + x / 10.0 for x in range(1, 100)] + list(range(12, 64))

out = {"generator": "privacy/testdata/gen_rdp.py", "mpmath": mp.__version__, "rdp": [], "tutorial": []}

for q, sigma, alpha in [(0.01, 1.1, 1.5), (0.01, 1.1, 2.0), (0.01, 1.1, 7.3), (0.1, 2.0, 3.5),
                        (0.004, 0.7, 2.25), (256 / 60000, 0.6, 2.9), (256 / 60000, 1.12, 9.1),
                        (256 / 60000, 1.2, 15), (0.5, 4.0, 12.7)]:
    out["rdp"].append({"q": q, "sigma": sigma, "alpha": alpha, "rdp": float(rdp(q, sigma, alpha))})

delta = 1e-5
for sigma, epochs, published in [(1.12, 60, 2.92), (0.6, 30, 9.74), (1.2, 10, 1.20)]:
    steps = epochs * (60000 // 256)
    best = None
    for a in TUTORIAL_ORDERS:
        e = steps * rdp(256 / 60000, sigma, a) - mp.log(delta) / (mp.mpf(a) - 1)
        if best is None or e < best[0]:
            best = (e, a)
    out["tutorial"].append({"sigma": sigma, "epochs": epochs, "steps": steps, "published": published,
                            "epsilon": float(best[0]), "order": best[1]})

print(json.dumps(out, indent=1))
