"""Golden ONNX files for tensile's importer, made with Debian's python3-torch.

Run from the repository root:  /usr/bin/python3 testdata/onnx/make_golden.py

For each model it writes NAME.onnx (torch.onnx.export, eval mode, a dynamic
batch axis) and NAME.json with the input (PyTorch's layout, e.g. NCHW) and
PyTorch's output, which tensile's import must reproduce within 1e-4.
"""
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.dirname(os.path.abspath(__file__))


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 16)
        self.fc2 = nn.Linear(16, 8)
        self.fc3 = nn.Linear(8, 3)

    def forward(self, x):
        x = torch.relu(self.fc1(x))
        x = torch.tanh(self.fc2(x))
        return torch.softmax(self.fc3(x), dim=1)


class CNN(nn.Module):
    """Conv/BN/ReLU/MaxPool, a strided conv, then nn.Flatten over NCHW."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.c2 = nn.Conv2d(4, 6, 3, stride=2)
        self.fc = nn.Linear(6 * 3 * 3, 5)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn(self.c1(x))), 2)   # 3x16x14 -> 4x8x7
        x = torch.sigmoid(self.c2(x))                       # -> 6x3x3
        x = nn.Flatten()(x)
        return F.log_softmax(self.fc(x), dim=1)


class CNNView(nn.Module):
    """x.view(x.size(0), -1) (Shape/Gather/Unsqueeze/Concat/Reshape), average
    pooling and global average pooling."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 5, (3, 2))
        self.c2 = nn.Conv2d(5, 4, 1, bias=False)
        self.fc = nn.Linear(4 * 4 * 4, 4)
        self.gfc = nn.Linear(5, 4)

    def forward(self, x):
        h = F.avg_pool2d(torch.tanh(self.c1(x)), 2)        # 1x10x9 -> 5x8x8 -> 5x4x4
        g = F.adaptive_avg_pool2d(h, 1).flatten(1)        # GlobalAveragePool
        y = self.c2(h)
        y = y.view(y.size(0), -1)
        return self.fc(y) + self.gfc(g)


class LSTMNet(nn.Module):
    """nn.LSTM (batch_first), last step → Linear."""

    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(3, 5, batch_first=True)
        self.fc = nn.Linear(5, 2)

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.fc(y[:, -1, :])


class GRUNet(nn.Module):
    """Bidirectional nn.GRU (batch_first) returning the whole sequence."""

    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(3, 4, batch_first=True, bidirectional=True)

    def forward(self, x):
        y, _ = self.rnn(x)
        return y


class GRUHidden(nn.Module):
    """nn.GRU's final hidden state h_n (its second output)."""

    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(3, 6, batch_first=True)

    def forward(self, x):
        _, h = self.rnn(x)
        return torch.tanh(h[0])


class Encoder(nn.Module):
    """nn.TransformerEncoderLayer (batch_first, post-norm) then a head."""

    def __init__(self):
        super().__init__()
        self.enc = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True)
        self.fc = nn.Linear(8, 3)

    def forward(self, x):
        return self.fc(self.enc(x))


def save(name, model, x, opset):
    model.eval()
    with torch.no_grad():
        y = model(x)
    path = os.path.join(OUT, name + ".onnx")
    torch.onnx.export(model, x, path, opset_version=opset, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump({"opset": opset,
                   "input": {"dims": list(x.shape), "data": [float(v) for v in x.flatten()]},
                   "output": {"dims": list(y.shape), "data": [float(v) for v in y.flatten()]}}, f)


def main():
    torch.manual_seed(0)
    mlp = MLP()
    save("mlp_opset13", mlp, torch.randn(4, 6), 13)
    cnn = CNN()
    with torch.no_grad():  # non-trivial running statistics
        cnn.bn.running_mean.uniform_(-0.5, 0.5)
        cnn.bn.running_var.uniform_(0.5, 1.5)
        cnn.bn.weight.uniform_(0.5, 1.5)
        cnn.bn.bias.uniform_(-0.5, 0.5)
    save("cnn_opset13", cnn, torch.randn(2, 3, 16, 14), 13)
    save("cnn_opset17", cnn, torch.randn(2, 3, 16, 14), 17)
    save("cnn_view_opset15", CNNView(), torch.randn(3, 1, 10, 9), 15)
    save("lstm_opset14", LSTMNet(), torch.randn(2, 7, 3), 14)
    save("gru_bidi_opset13", GRUNet(), torch.randn(3, 6, 3), 13)
    save("gru_hidden_opset17", GRUHidden(), torch.randn(2, 5, 3), 17)
    enc = Encoder()
    save("encoder_opset14", enc, torch.randn(2, 5, 8), 14)
    save("encoder_opset17", enc, torch.randn(2, 5, 8), 17)


if __name__ == "__main__":
    main()
