#!/usr/bin/python3
"""torch.profiler table of one PyTorch training step (the peer of bench/profile_step.ts), same shapes.

Usage: /usr/bin/python3 bench/torch_profile.py --arch distilbert --layers 2 --batch 8 --seq 256
"""
import argparse
import os
import sys
import time

os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')
import torch  # noqa: E402
from torch.profiler import profile, ProfilerActivity  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_step  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--arch', default='distilbert')
    ap.add_argument('--layers', type=int, default=2)
    ap.add_argument('--batch', type=int, default=8)
    ap.add_argument('--seq', type=int, default=256)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--top', type=int, default=30)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = torch_step.build(a.arch, a.layers, 768, 12, 3072, 30522, 2, 0.0)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=2e-5)
    ids = torch.randint(5, 30522, (a.batch, a.seq))
    mask = torch.ones(a.batch, a.seq, dtype=torch.long)
    types = torch.zeros(a.batch, a.seq, dtype=torch.long)
    labels = torch.randint(0, 2, (a.batch,))

    def step():
        loss = torch.nn.functional.cross_entropy(model(ids, mask, types), labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)

    step()
    t = time.perf_counter()
    step()
    plain = time.perf_counter() - t
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        step()
    print(f'torch {torch.__version__}, {a.layers} layers, batch {a.batch}x{a.seq}, {a.threads} threads; unprofiled step {plain * 1000:.0f} ms')
    print(prof.key_averages().table(sort_by='self_cpu_time_total', row_limit=a.top))
    print(prof.key_averages(group_by_input_shape=True).table(sort_by='self_cpu_time_total', row_limit=a.top, max_name_column_width=28, max_shapes_column_width=70))


if __name__ == '__main__':
    main()
