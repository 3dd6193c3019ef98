#!/usr/bin/python3
"""Golden values for tensile's losses (package losses).

Run with Debian's python3-torch:  /usr/bin/python3 gen.py  (writes losses.json)

Each case records y_true, y_pred, the per-sample loss [B] that Keras 3
computes (before the batch average) and the gradient of sum_b w_b * loss_b
with respect to y_pred for fixed weights w (so a mix-up between samples
shows).

The Keras formulas are written out here in torch float64 (keras_* below), so
autograd gives their exact gradients, including those of Keras's clipping:
  probabilities: categorical / sparse categorical renormalise y_pred over the
  last axis, clip to [1e-7, 1-1e-7], then -sum(t*log p); binary clips to
  [1e-7, 1-1e-7], then -(t log p + (1-t) log(1-p)), averaged over the last
  axis; per-sample losses average over all non-batch axes. The clipping
  bounds are the float32 values Keras actually uses (LO, HI below).
  logits: log_softmax / the stable BCE-with-logits form.
  label smoothing (Keras): categorical t*(1-s) + s/C, binary t*(1-s) + s/2.
Each case is cross-checked against PyTorch's own loss where that computes the
same thing (F.cross_entropy, F.binary_cross_entropy_with_logits, F.mse_loss,
F.l1_loss, F.huber_loss, F.binary_cross_entropy on clipped probabilities,
F.nll_loss on clipped log-probabilities).
"""
import json

import numpy as np
import torch
import torch.nn.functional as F

EPS = 1e-7
# Keras computes in float32, where the clipping bounds round to these values
# (1 - 1e-7 becomes 0.99999988, so log(1 - p) bottoms out at log(1.19e-7)).
LO = float(np.float32(EPS))
HI = float(np.float32(1 - EPS))
rng = np.random.default_rng(4321)
torch.manual_seed(0)


def per_sample(x):
    """Mean over all non-batch axes -> [B]."""
    return x.reshape(x.shape[0], -1).mean(dim=1) if x.dim() > 1 else x


def keras_loss(name, yt, yp, from_logits=False, delta=1.0, ls=0.0):
    if name == "mean_squared_error":
        return per_sample((yp - yt) ** 2)
    if name == "mean_absolute_error":
        return per_sample((yp - yt).abs())
    if name == "huber":
        e = yp - yt
        a = e.abs()
        return per_sample(torch.where(a <= delta, 0.5 * e * e, delta * a - 0.5 * delta * delta))
    if name == "binary_crossentropy":
        if ls:
            yt = yt * (1 - ls) + 0.5 * ls
        if from_logits:
            x = yp
            l = torch.clamp(x, min=0) - x * yt + torch.log1p(torch.exp(-x.abs()))
        else:
            p = torch.clamp(yp, LO, HI)
            l = -(yt * torch.log(p) + (1 - yt) * torch.log(1 - p))
        return per_sample(l)
    if name == "categorical_crossentropy":
        C = yp.shape[-1]
        if ls:
            yt = yt * (1 - ls) + ls / C
        if from_logits:
            logp = torch.log_softmax(yp, dim=-1)
        else:
            p = yp / yp.sum(dim=-1, keepdim=True)
            logp = torch.log(torch.clamp(p, LO, HI))
        return per_sample(-(yt * logp).sum(dim=-1))
    if name == "sparse_categorical_crossentropy":
        C = yp.shape[-1]
        ids = yt.reshape(yp.shape[:-1]).long()
        onehot = F.one_hot(ids, C).double()
        if from_logits:
            logp = torch.log_softmax(yp, dim=-1)
        else:
            p = yp / yp.sum(dim=-1, keepdim=True)
            logp = torch.log(torch.clamp(p, LO, HI))
        return per_sample(-(onehot * logp).sum(dim=-1))
    raise ValueError(name)


def torch_native(name, yt, yp, from_logits, delta, ls):
    """PyTorch's own loss for the same quantity, or None."""
    B = yp.shape[0]
    if name == "mean_squared_error":
        return per_sample(F.mse_loss(yp, yt, reduction="none"))
    if name == "mean_absolute_error":
        return per_sample(F.l1_loss(yp, yt, reduction="none"))
    if name == "huber":
        return per_sample(F.huber_loss(yp, yt, reduction="none", delta=delta))
    if name == "binary_crossentropy" and from_logits and not ls:
        return per_sample(F.binary_cross_entropy_with_logits(yp, yt, reduction="none"))
    if name == "binary_crossentropy" and not from_logits:
        t = yt * (1 - ls) + 0.5 * ls if ls else yt
        return per_sample(F.binary_cross_entropy(torch.clamp(yp, LO, HI), t, reduction="none"))
    if name == "binary_crossentropy" and from_logits:
        t = yt * (1 - ls) + 0.5 * ls
        return per_sample(F.binary_cross_entropy_with_logits(yp, t, reduction="none"))
    if name == "categorical_crossentropy" and from_logits:
        C = yp.shape[-1]
        return per_sample(F.cross_entropy(yp.reshape(-1, C), yt.reshape(-1, C), reduction="none", label_smoothing=ls).reshape(yp.shape[:-1]))
    if name == "sparse_categorical_crossentropy":
        C = yp.shape[-1]
        ids = yt.reshape(-1).long()
        if from_logits:
            l = F.cross_entropy(yp.reshape(-1, C), ids, reduction="none")
        else:
            p = yp / yp.sum(dim=-1, keepdim=True)
            l = F.nll_loss(torch.log(torch.clamp(p, LO, HI)).reshape(-1, C), ids, reduction="none")
        return per_sample(l.reshape(yp.shape[:-1]))
    return None


def probs(shape, zeros=False):
    p = rng.uniform(0.05, 1.0, size=shape)
    if zeros:
        p.reshape(-1)[::4] = 0.0
    return p


def onehot(ids, C):
    return np.eye(C)[ids]


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


CASES = []


def case(name, loss, yt, yp, from_logits=False, delta=1.0, ls=0.0):
    CASES.append(dict(name=name, loss=loss, y_true=np.asarray(yt, dtype=np.float64),
                      y_pred=np.asarray(yp, dtype=np.float64), from_logits=from_logits, delta=delta, label_smoothing=ls))


case("mse", "mean_squared_error", rng.normal(size=(4, 3)), rng.normal(size=(4, 3)))
case("mse_rank1", "mean_squared_error", rng.normal(size=(5,)), rng.normal(size=(5,)))
case("mse_rank3", "mean_squared_error", rng.normal(size=(2, 3, 2)), rng.normal(size=(2, 3, 2)))
case("mae", "mean_absolute_error", rng.normal(size=(4, 3)), rng.normal(size=(4, 3)))
case("huber", "huber", rng.normal(size=(4, 3)), 2 * rng.normal(size=(4, 3)))
case("huber_delta_0.5", "huber", rng.normal(size=(4, 3)), rng.normal(size=(4, 3)), delta=0.5)
bt = rng.integers(0, 2, size=(6, 3)).astype(float)
case("bce_probs", "binary_crossentropy", bt, rng.uniform(0.02, 0.98, size=(6, 3)))
bp = rng.uniform(0.02, 0.98, size=(6, 3))
bp[0, 0], bp[1, 1], bp[2, 2], bp[3, 0] = 0.0, 1.0, 1e-9, 1 - 1e-9  # clipped
case("bce_probs_clipped", "binary_crossentropy", bt, bp)
case("bce_probs_b1", "binary_crossentropy", bt[:, :1], rng.uniform(0.02, 0.98, size=(6, 1)))
case("bce_probs_smoothing", "binary_crossentropy", bt, rng.uniform(0.02, 0.98, size=(6, 3)), ls=0.1)
case("bce_logits", "binary_crossentropy", bt, 3 * rng.normal(size=(6, 3)), from_logits=True)
bl = 3 * rng.normal(size=(6, 3))
bl[0, :] = [1e4, -1e4, 1e4]
bl[1, :] = [-1e4, 1e4, -1e4]
case("bce_logits_extreme", "binary_crossentropy", bt, bl, from_logits=True)
case("bce_logits_smoothing", "binary_crossentropy", bt, rng.normal(size=(6, 3)), from_logits=True, ls=0.2)
ids = rng.integers(0, 5, size=(4,))
case("cce_probs", "categorical_crossentropy", onehot(ids, 5), probs((4, 5)))
case("cce_probs_unnormalized_zeros", "categorical_crossentropy", onehot(ids, 5), 3 * probs((4, 5), zeros=True))
case("cce_probs_soft_targets", "categorical_crossentropy", torch.softmax(torch.tensor(rng.normal(size=(4, 5))), -1).numpy(), probs((4, 5)))
case("cce_probs_smoothing", "categorical_crossentropy", onehot(ids, 5), probs((4, 5)), ls=0.1)
case("cce_logits", "categorical_crossentropy", onehot(ids, 5), 2 * rng.normal(size=(4, 5)), from_logits=True)
cl = 2 * rng.normal(size=(4, 5))
cl[0, :] = [1e4, -1e4, 0, 1e4, -1e4]
cl[1, :] = [-1e4, -1e4, -1e4, -1e4, 1e4]
case("cce_logits_extreme", "categorical_crossentropy", onehot(ids, 5), cl, from_logits=True)
case("cce_logits_smoothing", "categorical_crossentropy", onehot(ids, 5), rng.normal(size=(4, 5)), from_logits=True, ls=0.1)
case("cce_logits_rank3", "categorical_crossentropy", onehot(rng.integers(0, 4, size=(2, 3)), 4), rng.normal(size=(2, 3, 4)), from_logits=True)
case("scce_probs", "sparse_categorical_crossentropy", ids, probs((4, 5)))
case("scce_probs_b1_zeros", "sparse_categorical_crossentropy", ids.reshape(4, 1), 2 * probs((4, 5), zeros=True))
case("scce_logits", "sparse_categorical_crossentropy", ids, 2 * rng.normal(size=(4, 5)), from_logits=True)
case("scce_logits_extreme", "sparse_categorical_crossentropy", ids, cl, from_logits=True)
case("scce_logits_rank3", "sparse_categorical_crossentropy", rng.integers(0, 4, size=(2, 3)), rng.normal(size=(2, 3, 4)), from_logits=True)


def main():
    out = []
    for c in CASES:
        yt = torch.tensor(c["y_true"])
        yp = torch.tensor(c["y_pred"], requires_grad=True)
        l = keras_loss(c["loss"], yt, yp, c["from_logits"], c["delta"], c["label_smoothing"])
        assert l.shape == (yp.shape[0],), (c["name"], l.shape)
        w = torch.tensor(rng.uniform(0.5, 1.5, size=l.shape))
        (l * w).sum().backward()
        nat = torch_native(c["loss"], yt, yp.detach(), c["from_logits"], c["delta"], c["label_smoothing"])
        if nat is not None:
            assert torch.allclose(nat, l.detach(), rtol=1e-10, atol=1e-12), c["name"]
        assert torch.isfinite(l).all() and torch.isfinite(yp.grad).all(), c["name"]
        out.append({
            "name": c["name"], "loss": c["loss"], "from_logits": c["from_logits"],
            "delta": c["delta"], "label_smoothing": c["label_smoothing"],
            "y_true": c["y_true"].ravel().tolist(), "y_true_shape": list(c["y_true"].shape),
            "y_pred": c["y_pred"].ravel().tolist(), "y_pred_shape": list(c["y_pred"].shape),
            "weights": w.tolist(),
            "per_sample": l.detach().tolist(),
            "grad": yp.grad.ravel().tolist(),
            "checked_against_torch": nat is not None,
        })
    with open("losses.json", "w") as f:
        json.dump({"about": "gen.py: Keras 3 loss formulas in torch float64", "torch": torch.__version__, "cases": out}, f)


if __name__ == "__main__":
    main()
