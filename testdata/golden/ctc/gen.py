#!/usr/bin/python3
"""Golden CTC losses and gradients from torch.nn.CTCLoss.

Logits [B, T, K] (blank = K-1), targets padded with -1; the loss is
torch.nn.CTCLoss(blank=K-1, reduction="none", zero_infinity=True) on
log_softmax(logits), the gradient that of the summed losses with respect
to the logits. Run: /usr/bin/python3 gen.py (writes ctc.json).
"""
import json

import torch

torch.manual_seed(3)
cases = []
for b, t, k, targets in [
    (3, 12, 5, [[0, 1, 2], [3, 3], [1]]),          # repeats need a blank between
    (2, 20, 11, [[5, 0, 0, 9, 2, 7], [4, 4, 4]]),  # digits + blank
    (2, 6, 4, [[0, 1, 2, 0, 1], []]),              # impossible (zero_infinity) and empty
]:
    logits = (torch.randn(b, t, k, dtype=torch.float64) * 2).float().double().requires_grad_(True)
    lens = [len(x) for x in targets]
    L = max(1, max(lens))
    flat = torch.tensor([v for x in targets for v in x], dtype=torch.long)
    loss = torch.nn.CTCLoss(blank=k - 1, reduction="none", zero_infinity=True)(
        torch.log_softmax(logits, -1).transpose(0, 1), flat,
        torch.full((b,), t, dtype=torch.long), torch.tensor(lens, dtype=torch.long))
    loss.sum().backward()
    padded = [x + [-1] * (L - len(x)) for x in targets]
    cases.append({"b": b, "t": t, "k": k, "logits": logits.detach().flatten().tolist(),
                  "targets": padded, "loss": loss.detach().tolist(), "grad": logits.grad.flatten().tolist()})
json.dump({"cases": cases}, open("ctc.json", "w"))
