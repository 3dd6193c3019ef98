"""What a Python user would write instead of `tensile serve`: the Keras
MNIST CNN's architecture in PyTorch behind Flask's threaded server, with
TensorFlow Serving's predict request format ({"instances": [[784 floats]]}).
Used by bench/serve_load.sh; weights are random (only speed is measured).

usage: /usr/bin/python3 bench/serve_flask.py PORT [THREADS]
"""
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from flask import Flask, jsonify, request


class Net(nn.Module):
    """Conv 32 → pool → Conv 64 → pool → Conv 64 → Dense 64 → Dense 10."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 32, 3)
        self.c2 = nn.Conv2d(32, 64, 3)
        self.c3 = nn.Conv2d(64, 64, 3)
        self.d1 = nn.Linear(64 * 3 * 3, 64)
        self.d2 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        x = F.relu(self.c3(x))
        x = F.relu(self.d1(torch.flatten(x, 1)))
        return F.softmax(self.d2(x), dim=1)


port = int(sys.argv[1])
if len(sys.argv) > 2:
    torch.set_num_threads(int(sys.argv[2]))
torch.manual_seed(0)
net = Net().eval()
app = Flask(__name__)


@app.post("/v1/models/<name>:predict")
def predict(name):
    inst = request.get_json(force=True)["instances"]
    x = torch.tensor(inst, dtype=torch.float32).reshape(-1, 1, 28, 28)
    with torch.inference_mode():
        y = net(x)
    return jsonify({"predictions": y.tolist()})


@app.get("/health")
def health():
    return "ok"


if __name__ == "__main__":
    import logging
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app.run(host="127.0.0.1", port=port, threaded=True)
