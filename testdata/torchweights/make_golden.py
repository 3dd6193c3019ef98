"""PyTorch state dicts as safetensors, with inputs and outputs, for
tensile's torchweights tests. Made with Debian's python3-torch:

    /usr/bin/python3 testdata/torchweights/make_golden.py

safetensors is written by the small writer below (the format: an 8-byte
little-endian header length, a JSON header {name: {dtype, shape,
data_offsets}}, then the raw little-endian data), with tensors in name
order as the safetensors package writes them, so that the importer cannot
rely on the module order. NAME.json holds the input (PyTorch's layout) and
the output.
"""
import json
import os
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.dirname(os.path.abspath(__file__))
DTYPES = {torch.float32: "F32", torch.int64: "I64", torch.float64: "F64"}


def save_safetensors(sd, path):
    header, blobs, off = {}, [], 0
    for name in sorted(sd):
        t = sd[name].detach().contiguous().cpu()
        b = t.numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(4)
        self.conv2 = nn.Conv2d(4, 6, 3)
        self.fc1 = nn.Linear(6 * 3 * 2, 5)
        self.fc2 = nn.Linear(5, 3)

    def forward(self, x):  # [B, 3, 10, 8]
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)  # 4x5x4
        x = F.relu(self.conv2(x))                             # 6x3x2
        x = torch.flatten(x, 1)
        return self.fc2(F.relu(self.fc1(x)))


class Seq(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(20, 8)
        self.lstm = nn.LSTM(8, 6, batch_first=True)
        self.gru = nn.GRU(6, 3, batch_first=True, bidirectional=True)
        self.conv = nn.Conv1d(6, 4, 2)
        self.head = nn.Linear(4 * 5, 2)

    def forward(self, ids):  # [B, 6] token ids
        h, _ = self.lstm(self.emb(ids))        # [B, 6, 6]
        h, _ = self.gru(h)                     # [B, 6, 6]
        c = torch.tanh(self.conv(h.transpose(1, 2)))  # [B, 4, 5]
        return self.head(torch.flatten(c, 1))         # channels-first flatten


class Enc(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True) for _ in range(2)])
        self.norm = nn.LayerNorm(8)
        self.out = nn.Linear(8, 3)

    def forward(self, x):  # [B, 5, 8]
        for l in self.layers:
            x = l(x)
        return self.out(self.norm(x))


def save(name, model, x):
    model.eval()
    with torch.no_grad():
        y = model(x)
    save_safetensors(model.state_dict(), os.path.join(OUT, name + ".safetensors"))
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump({"input": {"dims": list(x.shape), "data": [float(v) for v in x.flatten()]},
                   "output": {"dims": list(y.shape), "data": [float(v) for v in y.flatten()]}}, f)


def main():
    torch.manual_seed(0)
    cnn = CNN()
    with torch.no_grad():
        cnn.bn1.running_mean.uniform_(-0.5, 0.5)
        cnn.bn1.running_var.uniform_(0.5, 1.5)
        cnn.bn1.weight.uniform_(0.5, 1.5)
        cnn.bn1.bias.uniform_(-0.5, 0.5)
    save("cnn", cnn, torch.randn(2, 3, 10, 8))
    save("seq", Seq(), torch.randint(0, 20, (3, 6)))
    save("encoder", Enc(), torch.randn(2, 5, 8))
    # A pickle file, which the importer must refuse.
    torch.save(cnn.state_dict(), os.path.join(OUT, "cnn.pt"))


if __name__ == "__main__":
    main()
