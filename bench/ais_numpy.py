#!/usr/bin/python3
"""Plain NumPy AIS for a Bernoulli RBM, the peer of `ebm rbm eval --ais`.

Salakhutdinov & Murray's algorithm as their MATLAB code writes it, vectorized
over chains: all chains as one batch, float32 products on NumPy's BLAS
(OpenBLAS here), float64 log weights. The base model has visible bias b_A =
the model's visible bias (the cost does not depend on it).

Usage: /usr/bin/python3 ais_numpy.py MODEL.safetensors [--chains 100] [--betas N]
(--betas 0: the paper's 14,501-value schedule). Prints one JSON object:
seconds (wall), CPU seconds (all threads), log Z, and which BLAS NumPy uses.
"""
import argparse, json, struct, sys, time
import numpy as np


def load(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        head = json.loads(f.read(n))
        body = f.read()
    out = {}
    for k, v in head.items():
        if k == "__metadata__":
            continue
        a, b = v["data_offsets"]
        out[k] = np.frombuffer(body[a:b], dtype=np.float32).reshape(v["shape"])
    return out["weights"], out["visible_bias"], out["hidden_bias"]


def schedule(n):
    if n:
        return np.linspace(0, 1, n)
    return np.concatenate([np.arange(0, 0.5, 1e-3), np.arange(0.5, 0.9, 1e-4), np.arange(0.9, 1, 1e-5), [1.0]])


def softplus(x):
    return np.logaddexp(0, x)


def ais(W, b, c, bA, betas, chains, rng):
    nh = W.shape[1]
    sig = lambda x: 1 / (1 + np.exp(-x))
    v = (rng.random((chains, W.shape[0]), dtype=np.float32) < sig(bA)).astype(np.float32)
    logw = np.zeros(chains)
    for k in range(1, len(betas)):
        a = (v @ W + c).astype(np.float64)
        dA, dB = v @ bA.astype(np.float64), v @ b.astype(np.float64)
        for s, be in ((1, betas[k]), (-1, betas[k - 1])):
            logw += s * ((1 - be) * dA + be * dB + softplus(be * a).sum(1))
        if k < len(betas) - 1:
            be = np.float32(betas[k])
            h = (rng.random((chains, nh), dtype=np.float32) < sig(be * a.astype(np.float32))).astype(np.float32)
            pv = (1 - be) * bA + be * (h @ W.T + b)
            v = (rng.random(pv.shape, dtype=np.float32) < sig(pv)).astype(np.float32)
    lzA = softplus(bA.astype(np.float64)).sum() + nh * np.log(2)
    m = logw.max()
    return lzA + m + np.log(np.mean(np.exp(logw - m)))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("--chains", type=int, default=100)
    p.add_argument("--betas", type=int, default=0)
    o = p.parse_args()
    W, b, c = load(o.model)
    betas = schedule(o.betas)
    t, cpu = time.perf_counter(), time.process_time()
    logz = ais(W, b, c, b.copy(), betas, o.chains, np.random.default_rng(1))
    sec, cpu = time.perf_counter() - t, time.process_time() - cpu
    # The BLAS actually loaded (Debian's libblas.so.3 is an alternative).
    with open("/proc/self/maps") as f:
        libs = sorted({l.split()[-1] for l in f if "blas" in l.lower() and "/" in l})
    blas = ",".join(libs) or "unknown"
    print(json.dumps({"peer": "numpy", "seconds": sec, "cpu_seconds": cpu, "chains": o.chains, "betas": len(betas),
                      "log_z": logz, "blas": blas, "numpy": np.__version__}))


if __name__ == "__main__":
    main()
