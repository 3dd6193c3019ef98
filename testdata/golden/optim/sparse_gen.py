"""Golden values for row-sparse embedding updates.

Trains torch.nn.Embedding(sparse=True) for three steps with
torch.optim.SparseAdam, Adagrad and SGD (all of which take sparse
gradients) and records the table after each step. tensile's Embedding +
Adam (lazy), Adagrad and SGD must reproduce them: SparseAdam's update is
the lazy form of Keras's Adam with the same epsilon (both use
lr*sqrt(1-b2^t)/(1-b1^t) * m/(sqrt(v)+eps)), and with eps = 0 torch's
Adagrad (eps outside the square root) equals Keras's (eps inside).

Run: /usr/bin/python3 testdata/golden/optim/sparse_gen.py > testdata/golden/optim/sparse.json
"""
import json

import torch

torch.manual_seed(7)
V, D = 8, 3
init = torch.randn(V, D, dtype=torch.float32)
# Row 6 is looked up only in step 1, rows 1 and 4 in every step (1 twice),
# rows 2, 3, 5 and 7 never.
steps = [[1, 4, 1, 6], [4, 1, 1], [0, 4, 1, 1]]
targets = [torch.randn(len(ids), D, dtype=torch.float32) for ids in steps]

cases = [
    ("sparse_adam", lambda p: torch.optim.SparseAdam(p, lr=0.1, betas=(0.9, 0.999), eps=1e-7),
     {"optimizer": "adam", "lazy": True, "learning_rate": 0.1, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}),
    ("adagrad", lambda p: torch.optim.Adagrad(p, lr=0.3, initial_accumulator_value=0.1, eps=0.0),
     {"optimizer": "adagrad", "learning_rate": 0.3, "initial_accumulator_value": 0.1, "epsilon": 0.0}),
    ("sgd", lambda p: torch.optim.SGD(p, lr=0.1),
     {"optimizer": "sgd", "learning_rate": 0.1}),
]

out = {
    "about": "sparse_gen.py: torch.nn.Embedding(sparse=True) with sparse-gradient optimizers",
    "torch": torch.__version__,
    "shape": [V, D],
    "init": init.flatten().tolist(),
    "ids": steps,
    "targets": [t.flatten().tolist() for t in targets],
    "cases": [],
}
for name, mk, cfg in cases:
    emb = torch.nn.Embedding(V, D, sparse=True)
    with torch.no_grad():
        emb.weight.copy_(init)
    opt = mk(emb.parameters())
    after = []
    for ids, tgt in zip(steps, targets):
        opt.zero_grad()
        y = emb(torch.tensor(ids))
        # loss = sum(y * tgt) + 0.5 * sum(y^2): the gradient depends on the weights.
        loss = (y * tgt).sum() + 0.5 * (y * y).sum()
        loss.backward()
        assert emb.weight.grad.is_sparse
        opt.step()
        after.append(emb.weight.detach().flatten().tolist())
    out["cases"].append({"name": name, "config": cfg, "after": after})

print(json.dumps(out, indent=1))
