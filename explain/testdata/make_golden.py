"""Golden attributions for package explain, computed with PyTorch.

Run with Debian's python3-torch:  /usr/bin/python3 make_golden.py
Writes golden.json: the weights of a small CNN in tensile layouts (HWIO
conv kernels, [in, out] dense kernels, NHWC), an input, and saliency
(logit and probability), Integrated Gradients (zero baseline, trapezoid
rule, 20 steps) and Grad-CAM (raw and bilinearly upsampled) for one target.

Model (NHWC): Input 12x12x1 -> Conv2D 4 3x3 relu -> MaxPool 2x2 ->
Conv2D 6 3x3 relu -> Flatten -> Dense 10 softmax.
"""
import json
import torch
import torch.nn.functional as F

torch.manual_seed(7)
dt = torch.float64
k1 = torch.randn(3, 3, 1, 4, dtype=dt) * 0.5   # HWIO
b1 = torch.randn(4, dtype=dt) * 0.1
k2 = torch.randn(3, 3, 4, 6, dtype=dt) * 0.4
b2 = torch.randn(6, dtype=dt) * 0.1
w3 = torch.randn(54, 10, dtype=dt) * 0.3        # [in, out]
b3 = torch.randn(10, dtype=dt) * 0.1
x = torch.rand(1, 12, 12, 1, dtype=dt)          # NHWC
target = 3


def hwio_to_oihw(k):
    return k.permute(3, 2, 0, 1)


def features(x):
    h = x.permute(0, 3, 1, 2)                     # NCHW
    h = F.relu(F.conv2d(h, hwio_to_oihw(k1), b1))
    h = F.max_pool2d(h, 2)
    a = F.relu(F.conv2d(h, hwio_to_oihw(k2), b2))  # the Grad-CAM layer
    return a


def head(a):
    flat = a.permute(0, 2, 3, 1).reshape(a.shape[0], -1)  # NHWC flatten
    return flat @ w3 + b3                                   # logits


def logit(x):
    return head(features(x))


def grad(f, x):
    x = x.clone().requires_grad_(True)
    f(x)[:, target].sum().backward()
    return x.grad


sal = grad(logit, x)
sal_prob = grad(lambda z: torch.softmax(logit(z), dim=1), x)

steps = 20
alphas = torch.arange(steps + 1, dtype=dt) / steps
path = alphas.view(-1, 1, 1, 1) * x               # zero baseline
g = grad(logit, path)
w = torch.ones(steps + 1, dtype=dt)
w[0] = w[-1] = 0.5
ig = x[0] * (w.view(-1, 1, 1, 1) * g).sum(0) / steps

a = features(x).detach().requires_grad_(True)
head(a)[:, target].sum().backward()
alpha = a.grad.mean(dim=(2, 3), keepdim=True)
cam = F.relu((alpha * a).sum(1))                  # [1, H', W']
cam_up = F.interpolate(cam.unsqueeze(1), size=(12, 12), mode="bilinear", align_corners=False)

flat = lambda t: [float(v) for v in t.detach().reshape(-1)]
json.dump({
    "weights": [flat(k1), flat(b1), flat(k2), flat(b2), flat(w3), flat(b3)],
    "x": flat(x),
    "target": target,
    "logits": flat(logit(x)),
    "saliency": flat(sal),
    "saliency_prob": flat(sal_prob),
    "ig_steps": steps,
    "ig": flat(ig),
    "gradcam_shape": list(cam.shape[1:]),
    "gradcam": flat(cam),
    "gradcam_up": flat(cam_up),
}, open("golden.json", "w"), indent=None)
print("wrote golden.json")
