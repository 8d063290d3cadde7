#!/usr/bin/env python3
"""The PyTorch peer of bench/gpu_check.sh: one training step of a random DistilBERT classifier, timed on the GPU.

Same step as the engine's: forward, cross-entropy, backward, clip_grad_norm_(1.0), AdamW (HF decay groups),
zero_grad; float32 (TF32 matmuls off unless --tf32). Uses transformers' DistilBertForSequenceClassification when
installed (the GPU machine has transformers 5.x), else the plain-torch re-implementation that the parity
fixtures use (scripts/make_parity_fixtures.py), so --dry runs on a CPU-only machine with Debian's torch.
Prints one JSON line and writes it to --out.
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch


def build(a):
    try:
        from transformers import DistilBertConfig, DistilBertForSequenceClassification
        kw = dict(vocab_size=a.vocab, dim=a.hidden, n_layers=a.layers, n_heads=a.heads, hidden_dim=a.inter,
                  dropout=0.1, attention_dropout=0.1, seq_classif_dropout=0.2, num_labels=2)
        # eager attention = the same math as the engine's graph (no fused SDPA kernel)
        try:
            cfg = DistilBertConfig(attn_implementation=a.attn, **kw)
        except TypeError:
            cfg = DistilBertConfig(**kw)
        try:
            cfg._attn_implementation = a.attn
        except Exception:  # read-only in some versions; the constructor argument then did it
            pass
        import transformers
        return DistilBertForSequenceClassification(cfg), 'transformers ' + transformers.__version__
    except ImportError:
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'scripts'))
        import make_parity_fixtures as hf
        cfg = dict(hf.DISTIL_CFG, dim=a.hidden, n_layers=a.layers, n_heads=a.heads, hidden_dim=a.inter, vocab_size=a.vocab,
                   max_position_embeddings=512, dropout=0.1, attention_dropout=0.1, seq_classif_dropout=0.2, num_labels=2)
        return hf.DistilBertForSequenceClassification(cfg), 'plain-torch (scripts/make_parity_fixtures.py)'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--layers', type=int, default=6)
    ap.add_argument('--hidden', type=int, default=768)
    ap.add_argument('--heads', type=int, default=12)
    ap.add_argument('--inter', type=int, default=3072)
    ap.add_argument('--vocab', type=int, default=30522)
    ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--seq', type=int, default=256)
    ap.add_argument('--warmup', type=int, default=3)
    ap.add_argument('--steps', type=int, default=10)
    ap.add_argument('--tf32', action='store_true')
    ap.add_argument('--attn', default='eager', help='transformers attention implementation: eager | sdpa')
    ap.add_argument('--out', default='')
    a = ap.parse_args()

    dev = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    if dev.type == 'cuda':
        torch.backends.cuda.matmul.allow_tf32 = a.tf32
        torch.backends.cudnn.allow_tf32 = a.tf32
    torch.manual_seed(0)
    model, impl = build(a)
    model.to(dev).train()
    named = list(model.named_parameters())
    no_decay = lambda n: n.endswith('bias') or 'layer_norm' in n.lower() or 'LayerNorm' in n  # noqa: E731
    opt = torch.optim.AdamW([{'params': [p for n, p in named if not no_decay(n)], 'weight_decay': 0.01},
                             {'params': [p for n, p in named if no_decay(n)], 'weight_decay': 0.0}], lr=5e-5)
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(5, a.vocab, (a.batch, a.seq), generator=g).to(dev)
    mask = torch.ones(a.batch, a.seq, dtype=torch.long, device=dev)
    labels = torch.randint(0, 2, (a.batch,), generator=g).to(dev)

    def sync():
        if dev.type == 'cuda':
            torch.cuda.synchronize()

    times, losses = [], []
    for i in range(a.warmup + a.steps):
        sync()
        t0 = time.perf_counter()
        out = model(input_ids=ids, attention_mask=mask)
        logits = out.logits if hasattr(out, 'logits') else out
        loss = torch.nn.functional.cross_entropy(logits, labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        losses.append(loss.item())  # .item() synchronises, as the engine's loss download does
        sync()
        if i >= a.warmup:
            times.append(time.perf_counter() - t0)
    res = {
        'peer': 'pytorch', 'impl': impl, 'torch': torch.__version__, 'device': str(dev),
        'gpu': torch.cuda.get_device_name(0) if dev.type == 'cuda' else None, 'tf32': a.tf32, 'attn': a.attn,
        'batch': a.batch, 'seq': a.seq, 'params': sum(p.numel() for p in model.parameters()),
        'secondsPerStep': statistics.median(times), 'stepTimes': times, 'losses': losses,
        'peakGpuMiB': torch.cuda.max_memory_allocated() / 2**20 if dev.type == 'cuda' else None,
    }
    line = json.dumps(res)
    print(line)
    if a.out:
        with open(a.out, 'w') as f:
            f.write(line + '\n')


if __name__ == '__main__':
    main()
