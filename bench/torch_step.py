#!/usr/bin/python3
"""One PyTorch training step of a random BERT-family classifier, timed: the peer for bench/run.mjs.

The models are the plain-torch HF re-implementations in scripts/make_parity_fixtures.py (same modules,
names and semantics as transformers, checked against the engine by the parity tests). A step is what the HF
Trainer does: forward, cross-entropy, backward, clip_grad_norm_(1.0), AdamW (decay groups as HF), zero_grad.

Prints one JSON line: seconds per step (median after warmup), all step times, peak RSS, BLAS in use.
Usage: /usr/bin/python3 bench/torch_step.py --arch distilbert --layers 6 --batch 8 --seq 256 --steps 3
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')
import torch  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'scripts'))
import make_parity_fixtures as hf  # noqa: E402


def blas_in_use():
    """The BLAS library torch's process actually mapped (Debian switches it with update-alternatives)."""
    try:
        with open('/proc/self/maps') as f:
            libs = {line.split()[-1] for line in f if 'blas' in line.lower() and line.split()[-1].startswith('/')}
        return sorted(os.path.realpath(p) for p in libs)
    except OSError:
        return []


def build(arch, layers, hidden, heads, inter, vocab, labels, dropout):
    if arch == 'distilbert':
        cfg = dict(hf.DISTIL_CFG, dim=hidden, n_layers=layers, n_heads=heads, hidden_dim=inter, vocab_size=vocab,
                   max_position_embeddings=512, dropout=dropout, attention_dropout=dropout, seq_classif_dropout=dropout,
                   num_labels=labels)
        return hf.DistilBertForSequenceClassification(cfg)
    cfg = dict(hf.BERT_CFG if arch == 'bert' else hf.ROBERTA_CFG, hidden_size=hidden, num_hidden_layers=layers,
               num_attention_heads=heads, intermediate_size=inter, vocab_size=vocab, max_position_embeddings=514,
               hidden_dropout_prob=dropout, attention_probs_dropout_prob=dropout, num_labels=labels,
               hidden_act='gelu')
    return (hf.BertForSequenceClassification if arch == 'bert' else hf.RobertaForSequenceClassification)(cfg)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--arch', default='distilbert')
    ap.add_argument('--layers', type=int, default=6)
    ap.add_argument('--hidden', type=int, default=768)
    ap.add_argument('--heads', type=int, default=12)
    ap.add_argument('--inter', type=int, default=3072)
    ap.add_argument('--vocab', type=int, default=30522)
    ap.add_argument('--labels', type=int, default=2)
    ap.add_argument('--batch', type=int, default=8)
    ap.add_argument('--seq', type=int, default=256)
    ap.add_argument('--steps', type=int, default=3)
    ap.add_argument('--warmup', type=int, default=1)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--dropout', type=float, default=0.0)
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = build(a.arch, a.layers, a.hidden, a.heads, a.inter, a.vocab, a.labels, a.dropout)
    model.train()
    params = list(model.named_parameters())
    groups = [{'params': [p for n, p in params if not hf.no_decay(n)], 'weight_decay': 0.01},
              {'params': [p for n, p in params if hf.no_decay(n)], 'weight_decay': 0.0}]
    opt = torch.optim.AdamW(groups, lr=2e-5)
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(5, a.vocab, (a.batch, a.seq), generator=g)
    mask = torch.ones(a.batch, a.seq, dtype=torch.long)
    types = torch.zeros(a.batch, a.seq, dtype=torch.long)
    labels = torch.randint(0, a.labels, (a.batch,), generator=g)

    times, cpu, losses = [], [], []
    for i in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        c0 = time.process_time()  # CPU time of all threads of this process
        loss = torch.nn.functional.cross_entropy(model(ids, mask, types), labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        dt = time.perf_counter() - t0
        dc = time.process_time() - c0
        losses.append(loss.item())
        if i >= a.warmup:
            times.append(dt)
            cpu.append(dc)
    print(json.dumps({
        'peer': 'pytorch', 'torch': torch.__version__, 'threads': torch.get_num_threads(), 'blas': blas_in_use(),
        'params': sum(p.numel() for p in model.parameters()),
        'secondsPerStep': statistics.median(times), 'stepTimes': times,
        'cpuSecondsPerStep': statistics.median(cpu), 'losses': losses,
        'peakRssMiB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == '__main__':
    main()
