#!/usr/bin/env python3
"""More PyTorch golden values for tensile's sequence layers (see gen.py).

Run from this directory: /usr/bin/python3 gen_more.py  (needs python3-torch;
deterministic: fixed seed, float64 reference). Writes decoder.json,
pool1d.json, bidi_merge.json, timedist.json, positional.json and
conv_act.json in gen.py's format (tensors {"shape", "data"}, weights under
their PyTorch state-dict names, gradients likewise).

Where Keras semantics differ from PyTorch's the reference is computed by hand
here, from torch ops:

- Keras "same" pooling pads (total = max((out-1)*stride + pool - T, 0),
  total//2 before, the rest after) and ignores the padded positions: the max
  is over the in-bounds elements (padding with -inf), the average divides by
  the number of in-bounds elements. PyTorch's padding= argument is symmetric
  and avg_pool1d counts padded zeros by default, so neither is used.
- Keras "same" convolution with a stride pads the same way (the odd extra
  element after), which PyTorch's padding="same" does not support for
  strides > 1.
- GlobalAveragePooling1D with a mask is the mean over the real steps.
- Bidirectional merge modes sum/mul/ave combine the two halves of a
  bidirectional nn.LSTM's output; without return_sequences the backward
  direction's last output is h_n of the reverse direction (output step 0).
- PositionalEncoding is x + PE with the sinusoidal formula, PositionEmbedding
  is x + nn.Embedding(arange(T)).
- A TransformerDecoder built without an encoder sequence is an
  nn.TransformerEncoderLayer run with a causal src_mask (self-attention and
  feed-forward only); with one it is nn.TransformerDecoderLayer with a causal
  tgt_mask.
"""
import json
import math
import torch
import torch.nn as nn
import torch.nn.functional as F

from gen import T, sd_of, grads_of, randomize, dump

torch.manual_seed(20241129)
torch.set_default_dtype(torch.float64)


def causal_bool(n):
    """PyTorch attention mask: True above the diagonal = may not attend."""
    return torch.triu(torch.ones(n, n, dtype=torch.bool), 1)


# ---------------------------------------------------------------- decoder

def decoder_cases():
    torch.manual_seed(20241129 + 1)  # per family, so adding one leaves the others alone
    cases = []
    # name, norm_first, memory, B, T, S, E, N, Ff, padding masks
    for (name, nf, mem, B, Tn, S, E, N, Ff, pad) in [
        ("decoder_post_norm", False, True, 2, 5, 6, 8, 2, 16, False),
        ("decoder_pre_norm", True, True, 2, 5, 6, 8, 2, 16, False),
        ("decoder_post_norm_padding", False, True, 2, 5, 4, 8, 4, 12, True),
        ("decoder_pre_norm_padding", True, True, 2, 4, 6, 6, 3, 10, True),
        ("decoder_no_memory_post_norm", False, False, 2, 5, 0, 8, 2, 16, False),
        ("decoder_no_memory_pre_norm", True, False, 2, 5, 0, 8, 2, 16, False),
        ("decoder_no_memory_padding", False, False, 2, 6, 0, 6, 2, 8, True),
        ("decoder_stack2_pre_norm_padding", True, True, 2, 5, 6, 8, 2, 12, True),
    ]:
        layers = 2 if "stack2" in name else 1
        if mem and layers == 2:
            m = nn.TransformerDecoder(nn.TransformerDecoderLayer(E, N, dim_feedforward=Ff, dropout=0.0, batch_first=True,
                                                                 norm_first=nf), 2)
            norms = [f"layers.{k}.norm{j}" for k in range(2) for j in (1, 2, 3)]
        elif mem:
            m = nn.TransformerDecoderLayer(E, N, dim_feedforward=Ff, dropout=0.0, batch_first=True, norm_first=nf)
            norms = ("norm1", "norm2", "norm3")
        else:
            m = nn.TransformerEncoderLayer(E, N, dim_feedforward=Ff, dropout=0.0, batch_first=True, norm_first=nf)
            norms = ("norm1", "norm2")
        randomize(m)
        with torch.no_grad():
            for nm in norms:
                m.get_submodule(nm).weight.copy_(1 + 0.2 * torch.randn(E))
        m.train()  # dropout is 0; train mode keeps PyTorch off its fast path
        x = torch.randn(B, Tn, E, requires_grad=True)
        tkpm = None  # True = padding (PyTorch)
        mkpm = None
        if pad:
            tkpm = torch.zeros(B, Tn, dtype=torch.bool)
            tkpm[0, -2:] = True  # trailing padding only: step 0 always sees itself
            tkpm[1, -1] = True
        c = {"name": name, "norm_first": nf, "num_heads": N, "ff_dim": Ff, "epsilon": 1e-5,
             "input": T(x), "causal": True, "layers": layers}
        if mem:
            memory = torch.randn(B, S, E, requires_grad=True)
            if pad:
                mkpm = torch.zeros(B, S, dtype=torch.bool)
                mkpm[0, 1] = True
                mkpm[1, -2:] = True
                c["memory_padding_mask"] = T((~mkpm).double())
            out = m(x, memory, tgt_mask=causal_bool(Tn), tgt_key_padding_mask=tkpm,
                    memory_key_padding_mask=mkpm)
            c["memory"] = T(memory)
        else:
            out = m(x, src_mask=causal_bool(Tn), src_key_padding_mask=tkpm)
        g = torch.randn_like(out)
        out.backward(g)
        c.update({"state_dict": sd_of(m), "output": T(out), "grad_output": T(g),
                  "grad_input": T(x.grad), "grad_state_dict": grads_of(m)})
        if mem:
            c["grad_memory"] = T(memory.grad)
        if pad:
            c["padding_mask"] = T((~tkpm).double())
        cases.append(c)
    return cases


# ---------------------------------------------------------------- pooling

def same_pad(n, k, s):
    out = -(-n // s)
    tot = max((out - 1) * s + k - n, 0)
    return tot // 2, tot - tot // 2


def pool1d_cases():
    torch.manual_seed(20241129 + 2)  # per family, so adding one leaves the others alone
    cases = []
    # name, class, B, T, C, pool, strides (0: pool), padding
    for (name, cls, B, Tn, C, p, s, pad) in [
        ("maxpool_valid", "MaxPooling1D", 2, 7, 3, 2, 0, "valid"),
        ("maxpool_valid_s1", "MaxPooling1D", 2, 7, 3, 3, 1, "valid"),
        ("maxpool_valid_s3_p2", "MaxPooling1D", 2, 8, 2, 2, 3, "valid"),
        ("maxpool_same_p3_s2", "MaxPooling1D", 2, 7, 3, 3, 2, "same"),
        ("maxpool_same_p2_s1", "MaxPooling1D", 2, 6, 2, 2, 1, "same"),
        ("maxpool_same_p4_s3", "MaxPooling1D", 2, 8, 2, 4, 3, "same"),
        ("avgpool_valid", "AveragePooling1D", 2, 7, 3, 2, 0, "valid"),
        ("avgpool_valid_s1", "AveragePooling1D", 2, 7, 3, 3, 1, "valid"),
        ("avgpool_same_p3_s2", "AveragePooling1D", 2, 7, 3, 3, 2, "same"),
        ("avgpool_same_p2_s1", "AveragePooling1D", 2, 6, 2, 2, 1, "same"),
        ("avgpool_same_p4_s3", "AveragePooling1D", 2, 8, 2, 4, 3, "same"),
        ("avgpool_same_p5_s1", "AveragePooling1D", 1, 4, 2, 5, 1, "same"),
    ]:
        x = torch.randn(B, Tn, C, requires_grad=True)
        xc = x.permute(0, 2, 1)  # NCW
        st = s or p
        if pad == "same":
            lo, hi = same_pad(Tn, p, st)
        else:
            lo, hi = 0, 0
        if cls == "MaxPooling1D":
            out = F.max_pool1d(F.pad(xc, (lo, hi), value=-math.inf), p, st)
        else:
            tot = F.avg_pool1d(F.pad(xc, (lo, hi)), p, st) * p
            cnt = F.avg_pool1d(F.pad(torch.ones(1, 1, Tn), (lo, hi)), p, st) * p
            out = tot / cnt
        out = out.permute(0, 2, 1)
        g = torch.randn_like(out)
        out.backward(g)
        cases.append({"name": name, "class": cls, "pool_size": p, "strides": s, "padding": pad,
                      "input": T(x), "output": T(out), "grad_output": T(g), "grad_input": T(x.grad)})
    for (name, cls, masked) in [
        ("global_max", "GlobalMaxPooling1D", False),
        ("global_avg", "GlobalAveragePooling1D", False),
        ("global_avg_masked", "GlobalAveragePooling1D", True),
    ]:
        B, Tn, C = 3, 6, 4
        x = torch.randn(B, Tn, C, requires_grad=True)
        c = {"name": name, "class": cls}
        if cls == "GlobalMaxPooling1D":
            out = x.max(1).values
        elif not masked:
            out = x.mean(1)
        else:
            mask = torch.ones(B, Tn)
            mask[0, 4:] = 0
            mask[1, 0] = 0
            mask[2, 1:5] = 0
            out = (x * mask.unsqueeze(2)).sum(1) / mask.sum(1, keepdim=True)
            c["mask"] = T(mask)
        g = torch.randn_like(out)
        out.backward(g)
        c.update({"input": T(x), "output": T(out), "grad_output": T(g), "grad_input": T(x.grad)})
        cases.append(c)
    return cases


# ---------------------------------------------------------------- bidirectional

def bidi_merge_cases():
    torch.manual_seed(20241129 + 3)  # per family, so adding one leaves the others alone
    cases = []
    # name, class, merge mode, return_sequences, B, T, D, H
    for (name, cls, mode, seq, B, Tn, D, H) in [
        ("bidi_lstm_sum", "LSTM", "sum", True, 2, 5, 3, 4),
        ("bidi_lstm_mul", "LSTM", "mul", True, 2, 5, 3, 4),
        ("bidi_lstm_ave", "LSTM", "ave", True, 2, 5, 3, 4),
        ("bidi_lstm_last_concat", "LSTM", "concat", False, 2, 5, 3, 4),
        ("bidi_lstm_last_sum", "LSTM", "sum", False, 3, 4, 3, 5),
        ("bidi_gru_mul", "GRU", "mul", True, 2, 4, 3, 4),
    ]:
        mk = {"LSTM": nn.LSTM, "GRU": nn.GRU}[cls]
        m = mk(D, H, bidirectional=True, batch_first=True)
        randomize(m)
        x = torch.randn(B, Tn, D, requires_grad=True)
        out, st = m(x)
        hn = st[0] if cls == "LSTM" else st
        if seq:
            fw, bw = out[..., :H], out[..., H:]
        else:
            fw, bw = hn[0], hn[1]
        y = {"sum": lambda: fw + bw, "mul": lambda: fw * bw, "ave": lambda: (fw + bw) / 2,
             "concat": lambda: torch.cat([fw, bw], -1)}[mode]()
        g = torch.randn_like(y)
        y.backward(g)
        cases.append({"name": name, "class": cls, "units": H, "merge_mode": mode, "return_sequences": seq,
                      "input": T(x), "state_dict": sd_of(m), "output": T(y), "grad_output": T(g),
                      "grad_input": T(x.grad), "grad_state_dict": grads_of(m)})

    # Masked, by hand (Keras semantics as in gen.py's masked cases): the
    # backward direction runs the loop over the reversed sequence and mask,
    # and its output sequence is put back in forward order.
    for (name, cls, mode, seq, B, Tn, D, H) in [
        ("bidi_lstm_masked_concat", "LSTM", "concat", True, 3, 6, 3, 4),
        ("bidi_gru_masked_sum", "GRU", "sum", True, 3, 6, 3, 4),
        ("bidi_lstm_masked_last_ave", "LSTM", "ave", False, 3, 6, 3, 4),
    ]:
        mk = {"LSTM": nn.LSTM, "GRU": nn.GRU}[cls]
        m = mk(D, H, bidirectional=True, batch_first=True)
        randomize(m)
        p = dict(m.named_parameters())
        x = torch.randn(B, Tn, D, requires_grad=True)
        mask = torch.ones(B, Tn)
        mask[0, 4:] = 0  # trailing padding
        mask[1, 0] = 0   # leading padding
        mask[2, 2] = 0   # a gap

        def run(sfx, xs, ms):
            wih, whh = p["weight_ih_" + sfx], p["weight_hh_" + sfx]
            bih, bhh = p["bias_ih_" + sfx], p["bias_hh_" + sfx]
            h = torch.zeros(B, H)
            cc = torch.zeros(B, H)
            outs = []
            for t in range(Tn):
                xt = xs[:, t]
                if cls == "LSTM":
                    z = xt @ wih.t() + bih + h @ whh.t() + bhh
                    i, f, gg, o = z.chunk(4, 1)
                    cn = torch.sigmoid(f) * cc + torch.sigmoid(i) * torch.tanh(gg)
                    hn = torch.sigmoid(o) * torch.tanh(cn)
                else:
                    ir, iz, in_ = (xt @ wih.t() + bih).chunk(3, 1)
                    hr, hz, hn_ = (h @ whh.t() + bhh).chunk(3, 1)
                    r = torch.sigmoid(ir + hr)
                    zz = torch.sigmoid(iz + hz)
                    hn = (1 - zz) * torch.tanh(in_ + r * hn_) + zz * h
                    cn = cc
                mt = ms[:, t:t + 1] > 0
                h = torch.where(mt, hn, h)
                cc = torch.where(mt, cn, cc)
                outs.append(h)
            return torch.stack(outs, 1), h

        fws, fwh = run("l0", x, mask)
        bws, bwh = run("l0_reverse", x.flip(1), mask.flip(1))
        # Check the by-hand loop: sample 0 has trailing padding only, so its
        # real steps are the PyTorch module run on the truncated sequence.
        ref, _ = m(x[0:1, :4])
        assert torch.allclose(torch.cat([fws[0:1, :4], bws.flip(1)[0:1, :4]], -1), ref, atol=1e-12)
        if seq:
            fw, bw = fws, bws.flip(1)
        else:
            fw, bw = fwh, bwh
        y = {"sum": lambda: fw + bw, "mul": lambda: fw * bw, "ave": lambda: (fw + bw) / 2,
             "concat": lambda: torch.cat([fw, bw], -1)}[mode]()
        g = torch.randn_like(y)
        y.backward(g)
        cases.append({"name": name, "class": cls, "units": H, "merge_mode": mode, "return_sequences": seq,
                      "input": T(x), "mask": T(mask), "state_dict": sd_of(m), "output": T(y), "grad_output": T(g),
                      "grad_input": T(x.grad), "grad_state_dict": grads_of(m)})
    return cases


# ---------------------------------------------------------------- TimeDistributed

def timedist_cases():
    torch.manual_seed(20241129 + 4)  # per family, so adding one leaves the others alone
    cases = []
    for (name, B, Tn, D, U) in [("td_dense", 2, 4, 5, 3), ("td_dense_t1", 3, 1, 4, 6)]:
        m = nn.Linear(D, U)
        randomize(m)
        x = torch.randn(B, Tn, D, requires_grad=True)
        out = m(x)
        g = torch.randn_like(out)
        out.backward(g)
        cases.append({"name": name, "class": "Dense", "units": U, "input": T(x), "state_dict": sd_of(m),
                      "output": T(out), "grad_output": T(g), "grad_input": T(x.grad),
                      "grad_state_dict": grads_of(m)})
    # name, B, T, H, W, C, F, K, stride, padding, activation
    for (name, B, Tn, Hh, Ww, C, Fo, K, s, pad, act) in [
        ("td_conv2d_valid", 2, 3, 5, 6, 2, 3, 3, 1, "valid", "linear"),
        ("td_conv2d_same_relu", 2, 3, 5, 4, 3, 2, 3, 1, "same", "relu"),
        ("td_conv2d_stride2", 1, 2, 7, 6, 2, 4, 2, 2, "valid", "linear"),
    ]:
        m = nn.Conv2d(C, Fo, K, stride=s)
        randomize(m)
        x = torch.randn(B, Tn, Hh, Ww, C, requires_grad=True)
        xc = x.reshape(B * Tn, Hh, Ww, C).permute(0, 3, 1, 2)  # NCHW
        if pad == "same":
            ph, pw = same_pad(Hh, K, s), same_pad(Ww, K, s)
            xc = F.pad(xc, (pw[0], pw[1], ph[0], ph[1]))
        y = m(xc)
        if act == "relu":
            y = F.relu(y)
        out = y.permute(0, 2, 3, 1).reshape(B, Tn, y.shape[2], y.shape[3], Fo)
        g = torch.randn_like(out)
        out.backward(g)
        cases.append({"name": name, "class": "Conv2D", "filters": Fo, "kernel_size": K, "strides": s,
                      "padding": pad, "activation": act, "input": T(x), "state_dict": sd_of(m),
                      "output": T(out), "grad_output": T(g), "grad_input": T(x.grad),
                      "grad_state_dict": grads_of(m)})
    return cases


# ---------------------------------------------------------------- positions

def positional_cases():
    torch.manual_seed(20241129 + 5)  # per family, so adding one leaves the others alone
    cases = []
    for (name, B, Tn, D, w) in [("posenc", 2, 6, 8, 10000.0), ("posenc_odd_w100", 2, 9, 7, 100.0)]:
        x = torch.randn(B, Tn, D, requires_grad=True)
        t = torch.arange(Tn).double().unsqueeze(1)   # [T, 1]
        i = (torch.arange(D) // 2 * 2).double()       # 2i for both columns of a pair
        ang = t / torch.pow(torch.tensor(w), i / D)
        pe = torch.where(torch.arange(D) % 2 == 0, torch.sin(ang), torch.cos(ang))
        out = x + pe
        g = torch.randn_like(out)
        out.backward(g)
        cases.append({"name": name, "class": "PositionalEncoding", "max_wavelength": w, "input": T(x),
                      "encoding": T(pe), "output": T(out), "grad_output": T(g), "grad_input": T(x.grad)})
    for (name, B, Tn, D, L) in [("posemb", 2, 5, 4, 8), ("posemb_full", 3, 6, 3, 6)]:
        m = nn.Embedding(L, D)
        x = torch.randn(B, Tn, D, requires_grad=True)
        out = x + m(torch.arange(Tn)).unsqueeze(0)
        g = torch.randn_like(out)
        out.backward(g)
        cases.append({"name": name, "class": "PositionEmbedding", "sequence_length": L, "input": T(x),
                      "state_dict": sd_of(m), "output": T(out), "grad_output": T(g), "grad_input": T(x.grad),
                      "grad_state_dict": grads_of(m)})
    return cases


# ---------------------------------------------------------------- activations

def conv_act_cases():
    torch.manual_seed(20241129 + 6)  # per family, so adding one leaves the others alone
    cases = []
    # name, B, T, C, F, K, stride, padding, dilation, activation
    for (name, B, Tn, C, Fo, K, s, pad, d, act) in [
        ("conv1d_same_stride2_relu", 2, 9, 3, 4, 3, 2, "same", 1, "relu"),
        ("conv1d_same_stride2_odd_pad_relu", 2, 8, 3, 2, 3, 2, "same", 1, "relu"),
        ("conv1d_same_stride3_k4_relu", 2, 10, 2, 3, 4, 3, "same", 1, "relu"),
        ("conv1d_valid_stride2_relu", 2, 9, 3, 2, 3, 2, "valid", 1, "relu"),
    ]:
        m = nn.Conv1d(C, Fo, K, stride=s, dilation=d)
        randomize(m)
        x = torch.randn(B, Tn, C, requires_grad=True)
        xc = x.permute(0, 2, 1)
        if pad == "same":
            xc = F.pad(xc, same_pad(Tn, (K - 1) * d + 1, s))
        y = m(xc)
        if act == "relu":
            y = F.relu(y)
        out = y.permute(0, 2, 1)
        g = torch.randn_like(out)
        out.backward(g)
        cases.append({"name": name, "class": "Conv1D", "filters": Fo, "kernel_size": K, "strides": s,
                      "padding": pad, "dilation_rate": d, "activation": act, "input": T(x),
                      "state_dict": sd_of(m), "output": T(out), "grad_output": T(g), "grad_input": T(x.grad),
                      "grad_state_dict": grads_of(m)})
    for (name, bi, B, Tn, D, H) in [("simplernn_relu", False, 3, 5, 4, 6),
                                    ("simplernn_relu_bidir", True, 2, 4, 3, 4)]:
        m = nn.RNN(D, H, nonlinearity="relu", bidirectional=bi, batch_first=True)
        randomize(m, 0.4)
        x = torch.randn(B, Tn, D, requires_grad=True)
        out, hn = m(x)
        g = torch.randn_like(out)
        out.backward(g)
        cases.append({"name": name, "class": "SimpleRNN", "activation": "relu", "units": H, "layers": 1,
                      "bidirectional": bi, "input": T(x), "state_dict": sd_of(m), "output": T(out),
                      "h_n": T(hn), "grad_output": T(g), "grad_input": T(x.grad), "grad_state_dict": grads_of(m)})
    return cases


if __name__ == "__main__":
    dump("decoder.json", decoder_cases())
    dump("pool1d.json", pool1d_cases())
    dump("bidi_merge.json", bidi_merge_cases())
    dump("timedist.json", timedist_cases())
    dump("positional.json", positional_cases())
    dump("conv_act.json", conv_act_cases())
