#!/usr/bin/python3
"""Log-mel extraction with torch.stft + a mel matrix, the same settings as
tensile's default 8 kHz front end (n_fft 256, hop 80, periodic Hann,
centred reflect padding, 40 Slaney-normalised mel bands from 20 Hz to
4 kHz, ln(max(mel, 1e-6))), over every WAV in a folder, after reading them
into memory. Per-file calls on one thread (as tensile), and one padded
batched call. Usage: logmel_torch.py DIR [--repeat N]
"""
import argparse
import glob
import os
import sys
import time
import wave

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "testdata", "golden", "audio"))
from gen import mel_filters  # noqa: E402  (the NumPy transcription of librosa.filters.mel)

ap = argparse.ArgumentParser()
ap.add_argument("dir")
ap.add_argument("--repeat", type=int, default=3)
args = ap.parse_args()
torch.set_num_threads(1)
waves = []
for f in sorted(glob.glob(os.path.join(args.dir, "*.wav"))):
    with wave.open(f) as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 1
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768
    waves.append(torch.from_numpy(x))
fb = torch.tensor(mel_filters(8000, 256, 40, 20.0, 0.0, False, True), dtype=torch.float32)
win = torch.hann_window(256)


def logmel(x):
    s = torch.stft(x, 256, hop_length=80, window=win, center=True, pad_mode="reflect", return_complex=True)
    p = s.real ** 2 + s.imag ** 2
    return torch.log(torch.clamp(fb @ p, min=1e-6))


best = best_cpu = float("inf")
for _ in range(args.repeat):
    t, c = time.perf_counter(), time.process_time()
    frames = sum(logmel(x).shape[1] for x in waves)
    best = min(best, time.perf_counter() - t)
    best_cpu = min(best_cpu, time.process_time() - c)
print(f"torch per-file: {len(waves)} files, {frames} frames, best of {args.repeat}: {best:.3f} s "
      f"({len(waves) / best:.0f} files/s), CPU {best_cpu:.3f} s")
