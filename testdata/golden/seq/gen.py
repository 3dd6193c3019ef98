#!/usr/bin/env python3
"""Generate PyTorch golden values for tensile's sequence layers.

Run from this directory: /usr/bin/python3 gen.py  (needs python3-torch;
deterministic: fixed seed, float64 reference). Writes one JSON file per
family, each {"cases": [...]}. Tensors are {"shape", "data"}.

Weights are stored in PyTorch's layout under their state-dict names
("state_dict"); the Go tests convert them with tensile's documented mappings
(nn.ImportPyTorchRNN, nn.ImportPyTorchMHA, ...), so the mappings are tested
too. Gradients with respect to every weight are stored the same way
("grad_state_dict"). Cases computed by hand (Keras semantics PyTorch lacks:
masking, GRU reset_after=false) use the same names.

Masks are in Keras's convention: 1 = real step / may attend, 0 = padding /
masked.
"""
import json
import math
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(20241128)
torch.set_default_dtype(torch.float64)


def T(t):
    t = t.detach()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1)]}


def sd_of(m):
    return {k: T(v) for k, v in m.state_dict().items()}


def grads_of(m):
    return {k: T(p.grad) for k, p in m.named_parameters()}


def randomize(m, scale=0.5):
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(torch.randn_like(p) * scale)


# ---------------------------------------------------------------- recurrent

def rnn_cases():
    cases = []
    specs = [
        # name, class, layers, bidirectional, B, T, D, H, initial state
        ("simplernn", "SimpleRNN", 1, False, 3, 5, 4, 6, False),
        ("simplernn_2layer", "SimpleRNN", 2, False, 2, 4, 3, 5, False),
        ("simplernn_bidir", "SimpleRNN", 1, True, 2, 4, 3, 4, False),
        ("lstm", "LSTM", 1, False, 3, 6, 4, 5, False),
        ("lstm_initial_state", "LSTM", 1, False, 2, 4, 3, 4, True),
        ("lstm_2layer", "LSTM", 2, False, 2, 5, 3, 4, False),
        ("lstm_bidir", "LSTM", 1, True, 2, 5, 3, 4, False),
        ("gru", "GRU", 1, False, 3, 6, 4, 5, False),
        ("gru_initial_state", "GRU", 1, False, 2, 4, 3, 4, True),
        ("gru_2layer", "GRU", 2, False, 2, 5, 3, 4, False),
        ("gru_bidir", "GRU", 1, True, 2, 5, 3, 4, False),
    ]
    for (name, cls, L, bi, B, Tn, D, H, init) in specs:
        mk = {"SimpleRNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}[cls]
        m = mk(D, H, num_layers=L, bidirectional=bi, batch_first=True)
        randomize(m)
        x = torch.randn(B, Tn, D, requires_grad=True)
        nd = 2 if bi else 1
        c = {"name": name, "class": cls, "units": H, "layers": L, "bidirectional": bi,
             "input": None, "state_dict": sd_of(m)}
        if init:
            h0 = torch.randn(L * nd, B, H) * 0.5
            if cls == "LSTM":
                c0 = torch.randn(L * nd, B, H) * 0.5
                out, (hn, cn) = m(x, (h0, c0))
                c["initial_state"] = [T(h0[0]), T(c0[0])]
            else:
                out, hn = m(x, h0)
                c["initial_state"] = [T(h0[0])]
        else:
            res = m(x)
            out = res[0]
            if cls == "LSTM":
                hn, cn = res[1]
            else:
                hn = res[1]
        g = torch.randn_like(out)
        out.backward(g)
        c.update({"input": T(x), "output": T(out), "h_n": T(hn[-nd:]),
                  "grad_output": T(g), "grad_input": T(x.grad), "grad_state_dict": grads_of(m)})
        if cls == "LSTM":
            c["c_n"] = T(cn[-nd:])
        cases.append(c)

    # Masked LSTM / GRU / SimpleRNN, Keras semantics: at a masked step the
    # states and the output of the previous step carry through.
    for cls, B, Tn, D, H in [("LSTM", 3, 6, 4, 5), ("GRU", 3, 6, 4, 5), ("SimpleRNN", 3, 5, 3, 4)]:
        mk = {"SimpleRNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}[cls]
        m = mk(D, H, batch_first=True)
        randomize(m)
        x = torch.randn(B, Tn, D, requires_grad=True)
        mask = torch.ones(B, Tn)
        mask[0, 4:] = 0  # trailing padding
        mask[1, 0] = 0   # leading padding
        mask[2, 2] = 0   # a gap
        p = dict(m.named_parameters())
        wih, whh, bih, bhh = p["weight_ih_l0"], p["weight_hh_l0"], p["bias_ih_l0"], p["bias_hh_l0"]
        h = torch.zeros(B, H)
        cc = torch.zeros(B, H)
        outs = []
        for t in range(Tn):
            xt = x[:, t]
            if cls == "LSTM":
                z = xt @ wih.t() + bih + h @ whh.t() + bhh
                i, f, gg, o = z.chunk(4, 1)
                cn = torch.sigmoid(f) * cc + torch.sigmoid(i) * torch.tanh(gg)
                hn = torch.sigmoid(o) * torch.tanh(cn)
            elif cls == "GRU":
                gi = xt @ wih.t() + bih
                gh = h @ whh.t() + bhh
                ir, iz, in_ = gi.chunk(3, 1)
                hr, hz, hn_ = gh.chunk(3, 1)
                r = torch.sigmoid(ir + hr)
                zz = torch.sigmoid(iz + hz)
                n = torch.tanh(in_ + r * hn_)
                hn = (1 - zz) * n + zz * h
                cn = cc
            else:
                hn = torch.tanh(xt @ wih.t() + bih + h @ whh.t() + bhh)
                cn = cc
            mt = mask[:, t:t + 1] > 0
            h = torch.where(mt, hn, h)
            cc = torch.where(mt, cn, cc)
            outs.append(h)
        out = torch.stack(outs, 1)
        g = torch.randn_like(out)
        out.backward(g)
        c = {"name": cls.lower() + "_masked", "class": cls, "units": H, "layers": 1, "bidirectional": False,
             "input": T(x), "mask": T(mask), "state_dict": sd_of(m), "output": T(out),
             "h_n": T(h.unsqueeze(0)), "grad_output": T(g), "grad_input": T(x.grad), "grad_state_dict": grads_of(m)}
        if cls == "LSTM":
            c["c_n"] = T(cc.unsqueeze(0))
        cases.append(c)
    return cases


def gru_reset_before_case():
    """Keras GRU(reset_after=False), weights in Keras layout (gates z, r, h)."""
    B, Tn, D, H = 3, 5, 4, 5
    kernel = (torch.randn(D, 3 * H) * 0.5).requires_grad_()
    rec = (torch.randn(H, 3 * H) * 0.5).requires_grad_()
    bias = (torch.randn(3 * H) * 0.5).requires_grad_()
    x = torch.randn(B, Tn, D, requires_grad=True)
    h = torch.zeros(B, H)
    outs = []
    for t in range(Tn):
        xp = x[:, t] @ kernel + bias
        xz, xr, xh = xp.chunk(3, 1)
        uz, ur, uh = rec.chunk(3, 1)
        z = torch.sigmoid(xz + h @ uz)
        r = torch.sigmoid(xr + h @ ur)
        hh = torch.tanh(xh + (r * h) @ uh)
        h = z * h + (1 - z) * hh
        outs.append(h)
    out = torch.stack(outs, 1)
    g = torch.randn_like(out)
    out.backward(g)
    return {"name": "gru_reset_before", "class": "GRU", "units": H, "layers": 1, "bidirectional": False,
            "reset_before": True, "input": T(x),
            "keras_weights": {"kernel": T(kernel), "recurrent_kernel": T(rec), "bias": T(bias)},
            "output": T(out), "h_n": T(h.unsqueeze(0)), "grad_output": T(g), "grad_input": T(x.grad),
            "grad_keras_weights": {"kernel": T(kernel.grad), "recurrent_kernel": T(rec.grad), "bias": T(bias.grad)}}


# ---------------------------------------------------------------- simple layers

def embedding_cases():
    V, E, B, Tn = 7, 4, 3, 5
    m = nn.Embedding(V, E)
    ids = torch.randint(0, V, (B, Tn))
    ids[0, 0] = 3
    ids[1, 1] = 3  # a repeated id accumulates gradient
    out = m(ids)
    g = torch.randn_like(out)
    out.backward(g)
    return [{"name": "embedding", "input_dim": V, "output_dim": E, "input": T(ids.double()),
             "state_dict": sd_of(m), "output": T(out), "grad_output": T(g), "grad_state_dict": grads_of(m)}]


def layernorm_cases():
    cases = []
    for name, shape, eps in [("layernorm_2d", (4, 6), 1e-3), ("layernorm_3d", (2, 3, 5), 1e-5)]:
        m = nn.LayerNorm(shape[-1], eps=eps)
        randomize(m)
        x = (torch.randn(*shape) * 2 + 1).requires_grad_()
        out = m(x)
        g = torch.randn_like(out)
        out.backward(g)
        cases.append({"name": name, "epsilon": eps, "input": T(x), "state_dict": sd_of(m), "output": T(out),
                      "grad_output": T(g), "grad_input": T(x.grad), "grad_state_dict": grads_of(m)})
    return cases


def conv1d_cases():
    cases = []
    # name, B, T, C, F, K, stride, padding, dilation
    for (name, B, Tn, C, Fo, K, s, pad, d) in [
        ("conv1d_valid", 2, 9, 3, 4, 3, 1, "valid", 1),
        ("conv1d_same", 2, 8, 3, 2, 3, 1, "same", 1),
        ("conv1d_causal_dil2", 2, 8, 2, 3, 3, 1, "causal", 2),
        ("conv1d_stride2", 2, 9, 3, 2, 4, 2, "valid", 1),
    ]:
        m = nn.Conv1d(C, Fo, K, stride=s, dilation=d)
        randomize(m)
        x = torch.randn(B, Tn, C, requires_grad=True)
        xc = x.permute(0, 2, 1)  # NCW
        if pad == "same":
            tot = (K - 1) * d
            xc = F.pad(xc, (tot // 2, tot - tot // 2))
        elif pad == "causal":
            xc = F.pad(xc, ((K - 1) * d, 0))
        out = m(xc).permute(0, 2, 1)
        g = torch.randn_like(out)
        out.backward(g)
        cases.append({"name": name, "filters": Fo, "kernel_size": K, "strides": s, "padding": pad,
                      "dilation_rate": d, "input": T(x), "state_dict": sd_of(m), "output": T(out),
                      "grad_output": T(g), "grad_input": T(x.grad), "grad_state_dict": grads_of(m)})
    return cases


# ---------------------------------------------------------------- attention

def mha_cases():
    cases = []
    for (name, B, Tq, Tk, E, N, kpm, am, causal) in [
        ("mha_self", 2, 5, 5, 8, 2, False, False, False),
        ("mha_cross", 2, 4, 6, 6, 3, False, False, False),
        ("mha_key_padding", 2, 4, 5, 8, 2, True, False, False),
        ("mha_attn_mask", 2, 5, 5, 8, 4, False, True, False),
        ("mha_causal_padding", 2, 5, 5, 6, 2, True, False, True),
    ]:
        m = nn.MultiheadAttention(E, N, batch_first=True)
        randomize(m)
        q = torch.randn(B, Tq, E, requires_grad=True)
        if name == "mha_self" or causal or name == "mha_attn_mask":
            v = q
            k = q
        else:
            v = torch.randn(B, Tk, E, requires_grad=True)
            k = v
        kmask = None  # True = ignore (PyTorch)
        amask = None
        keras_mask = torch.ones(B, Tq, Tk)
        if kpm:
            kmask = torch.zeros(B, Tk, dtype=torch.bool)
            kmask[0, -2:] = True
            kmask[1, -1] = True
            keras_mask = keras_mask * (~kmask).double().unsqueeze(1)
        if am:
            amask = torch.rand(Tq, Tk) < 0.3
            amask.fill_diagonal_(False)
            keras_mask = keras_mask * (~amask).double().unsqueeze(0)
        if causal:
            amask = torch.triu(torch.ones(Tq, Tk, dtype=torch.bool), 1)
        out, w = m(q, k, v, key_padding_mask=kmask, attn_mask=amask, need_weights=True, average_attn_weights=False)
        g = torch.randn_like(out)
        out.backward(g)
        c = {"name": name, "num_heads": N, "key_dim": E // N, "query": T(q), "state_dict": sd_of(m),
             "output": T(out), "scores": T(w), "grad_output": T(g), "grad_query": T(q.grad),
             "grad_state_dict": grads_of(m), "causal": causal}
        if v is not q:
            c["value"] = T(v)
            c["grad_value"] = T(v.grad)
        if kpm:
            c["padding_mask"] = T((~kmask).double())
        if am or kpm:
            c["attention_mask"] = T(keras_mask)
        cases.append(c)
    return cases


def transformer_cases():
    cases = []
    for (name, nf, B, Tn, E, N, Ff, kpm) in [
        ("encoder_post_norm", False, 2, 5, 8, 2, 16, False),
        ("encoder_pre_norm", True, 2, 5, 8, 2, 16, False),
        ("encoder_post_norm_padding", False, 2, 5, 8, 4, 12, True),
    ]:
        m = nn.TransformerEncoderLayer(E, N, dim_feedforward=Ff, dropout=0.0, batch_first=True, norm_first=nf)
        randomize(m)
        with torch.no_grad():  # keep LayerNorm affine near 1/0 for realism
            for nm in ("norm1", "norm2"):
                getattr(m, nm).weight.copy_(1 + 0.2 * torch.randn(E))
        m.eval()  # dropout 0 anyway; avoids the fast path only in train mode
        m.train()
        x = torch.randn(B, Tn, E, requires_grad=True)
        kmask = None
        if kpm:
            kmask = torch.zeros(B, Tn, dtype=torch.bool)
            kmask[0, -2:] = True
        out = m(x, src_key_padding_mask=kmask)
        g = torch.randn_like(out)
        out.backward(g)
        c = {"name": name, "norm_first": nf, "num_heads": N, "ff_dim": Ff, "epsilon": 1e-5,
             "input": T(x), "state_dict": sd_of(m), "output": T(out), "grad_output": T(g),
             "grad_input": T(x.grad), "grad_state_dict": grads_of(m)}
        if kpm:
            c["padding_mask"] = T((~kmask).double())
        cases.append(c)
    return cases


def dump(fname, cases):
    with open(fname, "w") as f:
        json.dump({"cases": cases}, f, separators=(",", ":"))


if __name__ == "__main__":
    dump("rnn.json", rnn_cases() + [gru_reset_before_case()])
    dump("embedding.json", embedding_cases())
    dump("layernorm.json", layernorm_cases())
    dump("conv1d.json", conv1d_cases())
    dump("mha.json", mha_cases())
    dump("transformer.json", transformer_cases())
