#!/usr/bin/python3
"""Golden values for package audio.

STFT: torch.stft. Mel filterbanks, log-mel, MFCC and deltas: a NumPy
transcription of librosa's published formulas (librosa.filters.mel,
librosa.hz_to_mel / mel_to_hz, librosa.power_to_db, scipy.fft.dct(type=2,
norm="ortho") written out as a sum, torchaudio's compute_deltas). Run with
Debian's python3-torch: /usr/bin/python3 gen.py > audio.json
"""
import json
import math

import numpy as np
import torch

rng = np.random.default_rng(7)


def signal(n, sr):
    t = np.arange(n) / sr
    x = 0.5 * np.sin(2 * np.pi * (200 * t + 900 * t * t)) + 0.2 * np.sin(2 * np.pi * 1234.5 * t)
    x = x * np.hanning(n) + 0.05 * rng.standard_normal(n)
    return x.astype(np.float32).astype(np.float64)


def hz_to_mel(f, htk):
    f = np.asanyarray(f, dtype=np.float64)
    if htk:
        return 2595.0 * np.log10(1.0 + f / 700.0)
    f_sp = 200.0 / 3
    mels = f / f_sp
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-10) / min_log_hz) / logstep, mels)


def mel_to_hz(m, htk):
    m = np.asanyarray(m, dtype=np.float64)
    if htk:
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    f_sp = 200.0 / 3
    freqs = f_sp * m
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), freqs)


def mel_filters(sr, n_fft, n_mels, fmin, fmax, htk, norm):
    if fmax is None or fmax == 0:
        fmax = sr / 2.0
    fftfreqs = np.linspace(0, sr / 2.0, 1 + n_fft // 2)
    mel_f = mel_to_hz(np.linspace(hz_to_mel(fmin, htk), hz_to_mel(fmax, htk), n_mels + 2), htk)
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fftfreqs)
    w = np.zeros((n_mels, 1 + n_fft // 2))
    for i in range(n_mels):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        w[i] = np.maximum(0, np.minimum(lower, upper))
    if norm:
        enorm = 2.0 / (mel_f[2:n_mels + 2] - mel_f[:n_mels])
        w *= enorm[:, np.newaxis]
    return w


def power_to_db(s, amin, top_db):
    d = 10.0 * np.log10(np.maximum(amin, s))
    if top_db:
        d = np.maximum(d, d.max() - top_db)
    return d


def dct_ortho(x, n):
    # scipy.fft.dct(x, type=2, norm="ortho", axis=-1)[..., :n], as a sum.
    m = x.shape[-1]
    i = np.arange(m)
    out = []
    for k in range(n):
        s = math.sqrt(1.0 / m) if k == 0 else math.sqrt(2.0 / m)
        out.append(s * (x * np.cos(np.pi * k * (2 * i + 1) / (2 * m))).sum(-1))
    return np.stack(out, -1)


def deltas(c, width):
    # torchaudio.functional.compute_deltas over time (axis 0), replicate pad.
    n = c.shape[0]
    den = 2 * sum(k * k for k in range(1, width + 1))
    out = np.zeros_like(c)
    for t in range(n):
        for k in range(1, width + 1):
            out[t] += k * (c[min(n - 1, t + k)] - c[max(0, t - k)])
    return out / den


def stft(x, n_fft, hop, win_length, window, center, pad_mode):
    wl = win_length or n_fft
    w = torch.hann_window(wl, dtype=torch.float64) if window == "hann" else torch.hamming_window(wl, dtype=torch.float64)
    return torch.stft(torch.tensor(x), n_fft, hop_length=hop, win_length=wl, window=w, center=center,
                      pad_mode=pad_mode, return_complex=True).T.numpy()  # frames x bins


def main():
    out = {"stft": [], "mel": [], "features": []}
    x8 = signal(2000, 8000)
    x16 = signal(3001, 16000)
    for name, x, n_fft, hop, wl, win, center, pad in [
        ("hann_256_80", x8, 256, 80, 0, "hann", True, "reflect"),
        ("hamming_256_64_win200", x8, 256, 64, 200, "hamming", True, "reflect"),
        ("hann_512_160_nocenter", x16, 512, 160, 0, "hann", False, "reflect"),
        ("hann_400_100_constant", x16, 400, 100, 0, "hann", True, "constant"),
    ]:
        s = stft(x, n_fft, hop, wl, win, center, pad)
        out["stft"].append({"name": name, "x": x.tolist(), "n_fft": n_fft, "hop": hop, "win_length": wl,
                            "window": win, "center": center, "pad_mode": pad,
                            "real": s.real.ravel().tolist(), "imag": s.imag.ravel().tolist(),
                            "frames": s.shape[0], "bins": s.shape[1]})

    for sr, n_fft, n_mels, fmin, fmax, htk, norm in [
        (8000, 256, 40, 20.0, 0.0, False, True),
        (8000, 256, 40, 20.0, 0.0, True, True),
        (16000, 512, 64, 0.0, 7600.0, False, False),
        (22050, 2048, 128, 0.0, 0.0, False, True),
        (16000, 400, 80, 50.0, 8000.0, True, False),
    ]:
        w = mel_filters(sr, n_fft, n_mels, fmin, fmax, htk, norm)
        out["mel"].append({"sr": sr, "n_fft": n_fft, "n_mels": n_mels, "fmin": fmin, "fmax": fmax, "htk": htk,
                           "norm": norm, "weights": w.ravel().tolist()})

    # Features of x8: power spectrogram (torch.stft) -> Slaney mel -> ln with
    # floor (log-mel), power_to_db -> DCT (MFCC, librosa.feature.mfcc), deltas.
    p = np.abs(stft(x8, 256, 80, 0, "hann", True, "reflect")) ** 2
    fb = mel_filters(8000, 256, 40, 20.0, 0.0, False, True)
    mel = p @ fb.T
    logmel = np.log(np.maximum(mel, 1e-6))
    mfcc = dct_ortho(power_to_db(mel, 1e-10, 80.0), 13)
    out["features"] = {"x": x8.tolist(), "sr": 8000, "n_fft": 256, "hop": 80, "n_mels": 40, "fmin": 20.0,
                       "frames": mel.shape[0], "mel": mel.ravel().tolist(), "logmel": logmel.ravel().tolist(),
                       "mfcc": mfcc.ravel().tolist(), "n_mfcc": 13,
                       "deltas": deltas(mfcc, 2).ravel().tolist()}
    json.dump(out, open("audio.json", "w"))


if __name__ == "__main__":
    main()
