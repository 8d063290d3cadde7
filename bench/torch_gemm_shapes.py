#!/usr/bin/python3
"""PyTorch (OpenBLAS) float32 GEMM rate on the training step's shapes: the peer of bench/gemm_shapes.ts.

Usage: OPENBLAS_NUM_THREADS=2 /usr/bin/python3 bench/torch_gemm_shapes.py
"""
import os
import time

os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')
import torch  # noqa: E402

torch.set_num_threads(2)
SHAPES = [(2048, 768, 3072), (2048, 3072, 768), (768, 768, 2048), (3072, 768, 2048), (2048, 768, 768), (2048, 2048, 2048)]
cases = []
for m, n, k in SHAPES:
    cases.append((f'{m}x{n}x{k} mm NN', torch.randn(m, k), torch.randn(k, n), lambda a, b: torch.mm(a, b)))
    cases.append((f'{m}x{n}x{k} mm NT', torch.randn(m, k), torch.randn(n, k), lambda a, b: torch.mm(a, b.t())))
    cases.append((f'{m}x{n}x{k} mm TN', torch.randn(k, m), torch.randn(k, n), lambda a, b: torch.mm(a.t(), b)))
best = {c[0]: float('inf') for c in cases}
for r in range(5):
    for name, a, b, f in cases:
        t = time.perf_counter()
        f(a, b)
        dt = time.perf_counter() - t
        if r > 0:
            best[name] = min(best[name], dt)
for name, a, b, f in cases:
    m, n, k = (int(x) for x in name.split()[0].split('x'))
    print(f'{name:28s} {2 * m * n * k / best[name] / 1e9:6.1f} GF/s {best[name] * 1000:6.1f} ms')
