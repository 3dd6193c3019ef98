#!/usr/bin/env python3
"""Generate PyTorch golden values for tensile's layer tests.

Run from this directory: python3 gen.py  (needs python3-torch; deterministic).
Each <layer>.json holds {"cases": [...]}; a case has the layer's tensile
config (class_name + config, as nn.FromConfig reads it), the per-sample input
shape, and tensors in tensile layouts (NHWC inputs, Dense kernels [in,out],
Conv2D kernels HWIO): input, weights, output, grad_output (the seed of the
backward pass), grad_input and grad_weights. Tensors are {"shape", "data"}.
"""
import json
import torch
import torch.nn.functional as F

torch.manual_seed(1234)
torch.set_default_dtype(torch.float64)  # reference computed in float64


def T(t):
    t = t.detach()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1)]}


def nhwc(t):  # NCHW -> NHWC
    return t.permute(0, 2, 3, 1)


def hwio(w):  # OIHW -> HWIO
    return w.permute(2, 3, 1, 0)


def dense_cases():
    cases = []
    for (b, i, o, act) in [(3, 5, 4, "linear"), (2, 6, 3, "tanh"), (4, 3, 5, "sigmoid")]:
        x = torch.randn(b, i, requires_grad=True)
        w = torch.randn(o, i, requires_grad=True)
        bias = torch.randn(o, requires_grad=True)
        y = F.linear(x, w, bias)
        y = {"linear": lambda v: v, "tanh": torch.tanh, "sigmoid": torch.sigmoid}[act](y)
        g = torch.randn_like(y)
        y.backward(g)
        cases.append({
            "name": f"dense_{i}x{o}_{act}",
            "layer": {"class_name": "Dense", "config": {"units": o, "activation": act}},
            "input_shape": [i], "training": True,
            "input": T(x), "weights": {"kernel": T(w.t()), "bias": T(bias)},
            "output": T(y), "grad_output": T(g),
            "grad_input": T(x.grad), "grad_weights": {"kernel": T(w.grad.t()), "bias": T(bias.grad)},
        })
    return cases


def conv_cases():
    cases = []
    specs = [
        # name, B, H, W, C, F, kh, kw, stride, padding, dilation
        ("valid", 2, 6, 7, 3, 4, 3, 3, 1, "valid", 1),
        ("same", 2, 5, 6, 2, 3, 3, 3, 1, "same", 1),
        ("stride2", 2, 7, 8, 3, 2, 3, 3, 2, "valid", 1),
        ("dilation2", 1, 8, 7, 2, 3, 3, 3, 1, "valid", 2),
        ("same_dilation2", 1, 6, 6, 2, 2, 3, 3, 1, "same", 2),
        ("rect_5x1", 2, 7, 5, 2, 3, 5, 1, 1, "valid", 1),
    ]
    for (name, b, h, w_, c, f, kh, kw, s, pad, d) in specs:
        x = torch.randn(b, c, h, w_, requires_grad=True)
        k = torch.randn(f, c, kh, kw, requires_grad=True)
        bias = torch.randn(f, requires_grad=True)
        y = F.conv2d(x, k, bias, stride=s, padding=pad if pad == "same" else 0, dilation=d)
        g = torch.randn_like(y)
        y.backward(g)
        cases.append({
            "name": "conv2d_" + name,
            "layer": {"class_name": "Conv2D", "config": {
                "filters": f, "kernel_size": [kh, kw], "strides": [s, s], "padding": pad,
                "dilation_rate": [d, d]}},
            "input_shape": [h, w_, c], "training": True,
            "input": T(nhwc(x)), "weights": {"kernel": T(hwio(k)), "bias": T(bias)},
            "output": T(nhwc(y)), "grad_output": T(nhwc(g)),
            "grad_input": T(nhwc(x.grad)),
            "grad_weights": {"kernel": T(hwio(k.grad)), "bias": T(bias.grad)},
        })
    return cases


def pool_cases(kind):
    cases = []
    for (b, h, w_, c, k, s) in [(2, 6, 6, 3, 2, 2), (1, 7, 8, 2, 3, 2), (2, 5, 5, 2, 2, 1)]:
        x = torch.randn(b, c, h, w_, requires_grad=True)
        if kind == "max":
            y = F.max_pool2d(x, k, s)
            cls = "MaxPooling2D"
        else:
            y = F.avg_pool2d(x, k, s)
            cls = "AveragePooling2D"
        g = torch.randn_like(y)
        y.backward(g)
        cases.append({
            "name": f"{kind}pool_{k}s{s}_{h}x{w_}",
            "layer": {"class_name": cls, "config": {"pool_size": [k, k], "strides": [s, s], "padding": "valid"}},
            "input_shape": [h, w_, c], "training": True,
            "input": T(nhwc(x)), "weights": {},
            "output": T(nhwc(y)), "grad_output": T(nhwc(g)),
            "grad_input": T(nhwc(x.grad)), "grad_weights": {},
        })
    return cases


def batchnorm_cases():
    cases = []
    # Training: batch statistics; moving stats updated with momentum 0.99
    # and (Keras semantics) the biased batch variance.
    for (b, h, w_, c) in [(4, 3, 3, 2), (3, 2, 4, 3)]:
        xn = torch.randn(b, h, w_, c) * 2 + 0.5
        x = xn.clone().requires_grad_(True)
        gamma = torch.randn(c, requires_grad=True)
        beta = torch.randn(c, requires_grad=True)
        bn = torch.nn.BatchNorm2d(c, eps=1e-3, momentum=0.01)
        with torch.no_grad():
            bn.weight.copy_(gamma)
            bn.bias.copy_(beta)
        bn.train()
        xc = x.permute(0, 3, 1, 2)
        y = bn(xc)
        g = torch.randn_like(y)
        y.backward(g)
        flat = xn.reshape(-1, c)
        mean = flat.mean(0)
        var_biased = flat.var(0, unbiased=False)
        cases.append({
            "name": f"batchnorm_train_{b}x{h}x{w_}x{c}",
            "layer": {"class_name": "BatchNormalization", "config": {"momentum": 0.99, "epsilon": 1e-3}},
            "input_shape": [h, w_, c], "training": True,
            "input": T(xn), "weights": {"gamma": T(gamma), "beta": T(beta),
                                        "moving_mean": T(torch.zeros(c)), "moving_variance": T(torch.ones(c))},
            "output": T(nhwc(y)), "grad_output": T(nhwc(g)),
            "grad_input": T(x.grad),
            "grad_weights": {"gamma": T(bn.weight.grad), "beta": T(bn.bias.grad)},
            "state_after": {"moving_mean": T(0.99 * 0 + 0.01 * mean),
                            "moving_variance": T(0.99 * 1 + 0.01 * var_biased)},
        })
    # Inference: moving statistics.
    b, h, w_, c = 2, 3, 2, 3
    x = torch.randn(b, h, w_, c, requires_grad=True)
    gamma, beta = torch.randn(c), torch.randn(c)
    rm, rv = torch.randn(c), torch.rand(c) + 0.5
    bn = torch.nn.BatchNorm2d(c, eps=1e-3)
    with torch.no_grad():
        bn.weight.copy_(gamma)
        bn.bias.copy_(beta)
        bn.running_mean.copy_(rm)
        bn.running_var.copy_(rv)
    bn.eval()
    y = bn(x.permute(0, 3, 1, 2))
    g = torch.randn_like(y)
    y.backward(g)
    cases.append({
        "name": "batchnorm_inference",
        "layer": {"class_name": "BatchNormalization", "config": {"momentum": 0.99, "epsilon": 1e-3}},
        "input_shape": [h, w_, c], "training": False,
        "input": T(x), "weights": {"gamma": T(gamma), "beta": T(beta), "moving_mean": T(rm), "moving_variance": T(rv)},
        "output": T(nhwc(y)), "grad_output": T(nhwc(g)),
        "grad_input": T(x.grad),
        "grad_weights": {"gamma": T(bn.weight.grad), "beta": T(bn.bias.grad)},
    })
    return cases


def dropout_cases():
    cases = []
    x = torch.randn(3, 5, requires_grad=True)
    for name, rate, training in [("rate0_training", 0.0, True), ("inference", 0.5, False)]:
        x.grad = None
        y = F.dropout(x, rate, training=training)
        g = torch.randn_like(y)
        y.backward(g)
        cases.append({
            "name": "dropout_" + name,
            "layer": {"class_name": "Dropout", "config": {"rate": rate}},
            "input_shape": [5], "training": training,
            "input": T(x), "weights": {}, "output": T(y), "grad_output": T(g),
            "grad_input": T(x.grad), "grad_weights": {},
        })
    return cases


def flatten_cases():
    x = torch.randn(2, 3, 4, 2, requires_grad=True)  # NHWC
    y = torch.flatten(x, 1)
    g = torch.randn_like(y)
    y.backward(g)
    return [{
        "name": "flatten_nhwc",
        "layer": {"class_name": "Flatten", "config": {}},
        "input_shape": [3, 4, 2], "training": True,
        "input": T(x), "weights": {}, "output": T(y), "grad_output": T(g),
        "grad_input": T(x.grad), "grad_weights": {},
    }]


for fname, cases in [
    ("dense", dense_cases()), ("conv2d", conv_cases()), ("maxpool2d", pool_cases("max")),
    ("avgpool2d", pool_cases("avg")), ("batchnorm", batchnorm_cases()),
    ("dropout", dropout_cases()), ("flatten", flatten_cases()),
]:
    with open(fname + ".json", "w") as f:
        json.dump({"generator": "testdata/golden/layers/gen.py", "torch": torch.__version__, "cases": cases}, f)
        f.write("\n")
