#!/usr/bin/python3
"""Golden values for tensile's optimizers (package optim).

Run with Debian's python3-torch:  /usr/bin/python3 gen.py  (writes optim.json)

Two parameters, "w" [3,2] and "b" [4], start from fixed values; three fixed
gradients are fed in turn and the parameters after each step are recorded.

The reference is Keras 3's update rule computed here in numpy float64
(keras_step below). Each case is also run through PyTorch with a mapping that
makes PyTorch compute the same numbers, and the script asserts that both
agree (rtol 1e-5) before writing anything:

  SGD        torch.optim.SGD(lr, momentum, nesterov, dampening=0) is Keras's
             SGD for a constant lr (Keras m = -lr * torch buf).
  Adam(W)    Keras: p -= lr*sqrt(1-b2^t)/(1-b1^t) * m/(sqrt(v)+eps).
             PyTorch: p -= lr/(1-b1^t) * m/(sqrt(v)/sqrt(1-b2^t) + eps_t).
             They agree when eps_t = eps/sqrt(1-b2^t), so the script sets the
             param group's eps to that before each step t. AMSGrad: both keep
             max(vhat, v). AdamW: both shrink p by (1 - lr*wd) first.
  RMSprop    Keras puts eps inside the square root, PyTorch outside; they
             agree for eps = 0, so PyTorch is run with eps=0 against the numpy
             reference with eps=0, and the written case uses Keras's eps.
             PyTorch's momentum buffer is Keras's divided by lr.
  Adagrad    Keras: acc starts at a0, p -= lr*g/sqrt(acc+eps). PyTorch with
             initial_accumulator_value = a0+eps and eps=0 is identical.
  Clipping   Keras clipnorm = torch.nn.utils.clip_grad_norm_ per parameter,
             global_clipnorm = clip_grad_norm_ over all, clipvalue =
             clip_grad_value_ (PyTorch adds 1e-6 to the norm; rtol 1e-5
             still holds for the chosen values).
"""
import json
import math

import numpy as np
import torch

torch.manual_seed(0)
rng = np.random.default_rng(1234)
SHAPES = {"w": [3, 2], "b": [4]}
P0 = {k: rng.normal(0, 1, size=s) for k, s in SHAPES.items()}
GRADS = []
for t in range(3):
    scale = [1.0, 0.3, 2.0][t]  # varying magnitudes exercise AMSGrad's max
    GRADS.append({k: scale * rng.normal(0, 1, size=s) for k, s in SHAPES.items()})


def clip(cfg, grads):
    if cfg.get("clipnorm", 0) > 0:
        c = cfg["clipnorm"]
        return {k: g * c / max(np.linalg.norm(g), c) for k, g in grads.items()}
    if cfg.get("global_clipnorm", 0) > 0:
        c = cfg["global_clipnorm"]
        n = math.sqrt(sum(float((g * g).sum()) for g in grads.values()))
        return {k: g * c / max(n, c) for k, g in grads.items()}
    if cfg.get("clipvalue", 0) > 0:
        c = cfg["clipvalue"]
        return {k: np.clip(g, -c, c) for k, g in grads.items()}
    return grads


def keras_run(opt, cfg):
    """Keras 3's update rules in float64."""
    p = {k: v.copy() for k, v in P0.items()}
    st = {k: {} for k in p}
    out = []
    for t0, graw in enumerate(GRADS):
        t = t0 + 1
        lr = cfg["lr"]
        grads = clip(cfg, graw)
        for k in p:
            g, s = grads[k], st[k]
            if cfg.get("weight_decay", 0) > 0:
                p[k] = p[k] - p[k] * cfg["weight_decay"] * lr
            if opt == "sgd":
                mom = cfg.get("momentum", 0)
                if mom > 0:
                    m = mom * s.get("m", 0) - lr * g
                    s["m"] = m
                    if cfg.get("nesterov"):
                        p[k] = p[k] + mom * m - lr * g
                    else:
                        p[k] = p[k] + m
                else:
                    p[k] = p[k] - lr * g
            elif opt in ("adam", "adamw"):
                b1, b2, eps = cfg["beta1"], cfg["beta2"], cfg["eps"]
                alpha = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
                m = s.get("m", 0) + (g - s.get("m", 0)) * (1 - b1)
                v = s.get("v", 0) + (g * g - s.get("v", 0)) * (1 - b2)
                s["m"], s["v"] = m, v
                if cfg.get("amsgrad"):
                    v = np.maximum(s.get("vhat", 0), v)
                    s["vhat"] = v
                p[k] = p[k] - alpha * m / (np.sqrt(v) + eps)
            elif opt == "rmsprop":
                rho, eps, mom = cfg["rho"], cfg["eps"], cfg.get("momentum", 0)
                v = rho * s.get("v", 0) + (1 - rho) * g * g
                s["v"] = v
                if cfg.get("centered"):
                    a = rho * s.get("a", 0) + (1 - rho) * g
                    s["a"] = a
                    den = v - a * a + eps
                else:
                    den = v + eps
                inc = lr * g / np.sqrt(den)
                if mom > 0:
                    inc = mom * s.get("mom", 0) + inc
                    s["mom"] = inc
                p[k] = p[k] - inc
            elif opt == "adagrad":
                acc = s.get("acc", cfg["initial_accumulator"]) + g * g
                s["acc"] = acc
                p[k] = p[k] - lr * g / np.sqrt(acc + cfg["eps"])
            else:
                raise ValueError(opt)
        out.append({k: v.copy() for k, v in p.items()})
    return out


def torch_run(opt, cfg):
    """The same case through torch.optim with the mapping in the docstring."""
    ps = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in P0.items()}
    params = list(ps.values())
    lr = cfg["lr"]
    if opt == "sgd":
        o = torch.optim.SGD(params, lr=lr, momentum=cfg.get("momentum", 0), nesterov=cfg.get("nesterov", False),
                            weight_decay=0)
    elif opt in ("adam", "adamw"):
        cls = torch.optim.AdamW if opt == "adamw" else torch.optim.Adam
        kw = {"weight_decay": cfg.get("weight_decay", 0)} if opt == "adamw" else {}
        o = cls(params, lr=lr, betas=(cfg["beta1"], cfg["beta2"]), eps=cfg["eps"], amsgrad=cfg.get("amsgrad", False), **kw)
    elif opt == "rmsprop":
        o = torch.optim.RMSprop(params, lr=lr, alpha=cfg["rho"], eps=cfg["eps"], momentum=cfg.get("momentum", 0),
                                centered=cfg.get("centered", False))
    elif opt == "adagrad":
        o = torch.optim.Adagrad(params, lr=lr, initial_accumulator_value=cfg["initial_accumulator"] + cfg["eps"], eps=0)
    out = []
    for t0, g in enumerate(GRADS):
        t = t0 + 1
        for k, p in ps.items():
            p.grad = torch.tensor(g[k], dtype=torch.float64)
        if cfg.get("clipnorm", 0) > 0:
            for p in params:
                torch.nn.utils.clip_grad_norm_([p], cfg["clipnorm"])
        if cfg.get("global_clipnorm", 0) > 0:
            torch.nn.utils.clip_grad_norm_(params, cfg["global_clipnorm"])
        if cfg.get("clipvalue", 0) > 0:
            torch.nn.utils.clip_grad_value_(params, cfg["clipvalue"])
        if opt in ("adam", "adamw"):
            for grp in o.param_groups:
                grp["eps"] = cfg["eps"] / math.sqrt(1 - cfg["beta2"] ** t)
        o.step()
        out.append({k: p.detach().numpy().copy() for k, p in ps.items()})
    return out


CASES = [
    ("sgd", "sgd", {"lr": 0.1}),
    ("sgd_momentum", "sgd", {"lr": 0.1, "momentum": 0.9}),
    ("sgd_nesterov", "sgd", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("sgd_clipnorm", "sgd", {"lr": 0.1, "momentum": 0.5, "clipnorm": 1.0}),
    ("sgd_global_clipnorm", "sgd", {"lr": 0.1, "global_clipnorm": 1.5}),
    ("sgd_clipvalue", "sgd", {"lr": 0.1, "clipvalue": 0.5}),
    ("adam", "adam", {"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-7}),
    ("adam_big_eps", "adam", {"lr": 0.1, "beta1": 0.8, "beta2": 0.99, "eps": 0.1}),
    ("adam_amsgrad", "adam", {"lr": 0.1, "beta1": 0.9, "beta2": 0.5, "eps": 1e-3, "amsgrad": True}),
    ("adamw", "adamw", {"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-7, "weight_decay": 0.1}),
    ("adamw_default_wd", "adamw", {"lr": 0.05, "beta1": 0.9, "beta2": 0.999, "eps": 1e-7, "weight_decay": 0.004}),
    ("rmsprop", "rmsprop", {"lr": 0.01, "rho": 0.9, "eps": 1e-7}),
    ("rmsprop_big_eps", "rmsprop", {"lr": 0.01, "rho": 0.9, "eps": 0.05}),
    ("rmsprop_centered_momentum", "rmsprop", {"lr": 0.01, "rho": 0.8, "eps": 1e-7, "momentum": 0.9, "centered": True}),
    ("rmsprop_momentum", "rmsprop", {"lr": 0.01, "rho": 0.9, "eps": 1e-7, "momentum": 0.5}),
    ("adagrad", "adagrad", {"lr": 0.1, "initial_accumulator": 0.1, "eps": 1e-7}),
    ("adagrad_big_eps", "adagrad", {"lr": 0.1, "initial_accumulator": 0.5, "eps": 0.3}),
]


def close(a, b, rtol):
    for sa, sb in zip(a, b):
        for k in sa:
            if not np.allclose(sa[k], sb[k], rtol=rtol, atol=1e-9):
                return False
    return True


def main():
    cases = []
    for name, opt, cfg in CASES:
        ref = keras_run(opt, cfg)
        if opt == "rmsprop":
            c0 = dict(cfg, eps=0.0)
            assert close(keras_run(opt, c0), torch_run(opt, c0), 1e-5), name
        else:
            assert close(ref, torch_run(opt, cfg), 1e-5), name
        cases.append({"name": name, "optimizer": opt, "config": cfg,
                      "steps": [{k: v.ravel().tolist() for k, v in s.items()} for s in ref]})
    doc = {
        "about": "gen.py: Keras 3 update rules in float64, cross-checked against torch.optim",
        "torch": torch.__version__,
        "shapes": SHAPES,
        "params": {k: v.ravel().tolist() for k, v in P0.items()},
        "grads": [{k: v.ravel().tolist() for k, v in g.items()} for g in GRADS],
        "cases": cases,
    }
    with open("optim.json", "w") as f:
        json.dump(doc, f, indent=1)


if __name__ == "__main__":
    main()
