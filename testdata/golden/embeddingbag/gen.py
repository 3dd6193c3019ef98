"""Golden values for nn.EmbeddingBag from PyTorch's torch.nn.EmbeddingBag.

Run with Debian's python3-torch: /usr/bin/python3 gen.py > embeddingbag.json
Each case has a table, ragged bags (written padded with -1 for tensile, as
input + offsets for PyTorch), the output, an output gradient and the
table's gradient.
"""
import json

import torch

torch.manual_seed(12)


def case(name, mode, vocab, dim, bags):
    emb = torch.nn.EmbeddingBag(vocab, dim, mode=mode)
    with torch.no_grad():
        emb.weight.copy_(torch.randn(vocab, dim))
    flat = [i for b in bags for i in b]
    offsets = []
    n = 0
    for b in bags:
        offsets.append(n)
        n += len(b)
    out = emb(torch.tensor(flat, dtype=torch.long), torch.tensor(offsets, dtype=torch.long))
    g = torch.randn_like(out)
    out.backward(g)
    width = max(len(b) for b in bags)
    padded = [b + [-1] * (width - len(b)) for b in bags]
    return {
        "name": name,
        "mode": mode,
        "input_dim": vocab,
        "output_dim": dim,
        "ids": padded,
        "weight": emb.weight.detach().tolist(),
        "output": out.detach().tolist(),
        "grad_output": g.tolist(),
        "grad_weight": emb.weight.grad.tolist(),
    }


bags = [[1, 4, 4], [0], [], [2, 6, 5, 1], [2, 6, 5, 1], [3, 3]]
cases = [
    case("sum", "sum", 7, 3, bags),
    case("mean", "mean", 7, 3, bags),
    case("mean_repeated", "mean", 5, 4, [[0, 2], [0, 2], [0, 2], [4]]),
]
print(json.dumps({"torch": torch.__version__, "cases": cases}))
