"""Golden per-example gradients of small recurrent classifiers.

Run with Debian's PyTorch (python3-torch 1.13):

    /usr/bin/python3 privacy/testdata/rnn_pergrad.py > privacy/testdata/rnn_pergrad.json

Each case is recurrent layer (nn.RNN tanh, nn.LSTM, nn.GRU; 4 units, last
output) -> nn.Linear(4, 3) -> cross-entropy, on B=3 sequences of T=5 steps
with 7 features. The per-example gradients come from B separate
per-sample backward passes. Weights and inputs are float32 values; the
gradients are computed in float64.

Gradients are written in tensile's (Keras) layout: kernel = weight_ihᵀ,
recurrent_kernel = weight_hhᵀ, GRU gate blocks reordered from PyTorch's
(r, z, n) to (z, r, h), bias = bias_ih + bias_hh for RNN and LSTM (its
gradient is bias_ih's gradient, which equals bias_hh's) and
[bias_ih; bias_hh] for GRU; dense kernel = Linear.weightᵀ.
"""
import json

import torch

torch.manual_seed(1234)
B, T, D, H, C = 3, 5, 7, 4, 3


def f32(t):
    return t.float().double()


def tolist(t):
    return [float(v) for v in t.detach().reshape(-1)]


def gate_order(t, kind):
    """PyTorch gate blocks along axis 0 -> tensile's order."""
    if kind != "gru":
        return t
    r, z, n = t.chunk(3, 0)
    return torch.cat([z, r, n], 0)


def case(kind):
    rnn = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind](D, H, batch_first=True).double()
    lin = torch.nn.Linear(H, C).double()
    with torch.no_grad():
        for p in list(rnn.parameters()) + list(lin.parameters()):
            p.copy_(f32(torch.randn_like(p) * 0.5))
    x = f32(torch.randn(B, T, D))
    y = torch.tensor([2, 0, 1])

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn, self.lin = rnn, lin

        def forward(self, xb):
            out, _ = self.rnn(xb)
            return self.lin(out[:, -1])

    net = Net()
    names = [n for n, _ in net.named_parameters()]
    # One backward pass per example. (functorch 1.13's vmap cannot batch
    # nn.RNN's flat weights: "output with shape [1, 4] doesn't match the
    # broadcast shape [3, 1, 4]".)
    per = {n: [] for n in names}
    for i in range(B):
        net.zero_grad()
        torch.nn.functional.cross_entropy(net(x[i:i + 1]), y[i:i + 1]).backward()
        for n, p in net.named_parameters():
            per[n].append(p.grad.clone())

    sd = {k.replace("rnn.", ""): tolist(v) for k, v in net.state_dict().items() if k.startswith("rnn.")}
    grads = {"kernel": [], "recurrent_kernel": [], "bias": [], "dense_kernel": [], "dense_bias": []}
    norms = []
    for i in range(B):
        g = {n: per[n][i] for n in names}
        k = gate_order(g["rnn.weight_ih_l0"], kind).t()
        rk = gate_order(g["rnn.weight_hh_l0"], kind).t()
        if kind == "gru":
            b = torch.stack([gate_order(g["rnn.bias_ih_l0"], kind), gate_order(g["rnn.bias_hh_l0"], kind)])
        else:
            b = g["rnn.bias_ih_l0"]
        dk, db = g["lin.weight"].t(), g["lin.bias"]
        for name, v in zip(grads, (k, rk, b, dk, db)):
            grads[name].extend(tolist(v))
        norms.append(float(sum((v * v).sum() for v in (k, rk, b, dk, db)).sqrt()))
    return {
        "kind": kind,
        "state_dict": sd,
        "dense_kernel": tolist(lin.weight.t()),
        "dense_bias": tolist(lin.bias),
        "x": tolist(x),
        "y": [int(v) for v in y],
        "grads": grads,
        "norms": norms,
    }


print(json.dumps({"torch": torch.__version__, "B": B, "T": T, "D": D, "H": H, "C": C,
                  "cases": [case(k) for k in ("rnn", "lstm", "gru")]}, indent=None))
