#!/usr/bin/python3
"""Reference values for test/unit/host/trainer-job-parity.test.ts: the first optimizer steps of a Trainer job
(gft job export) and of gft's engine agree when the initial weights and the batches are the same and dropout is 0.

Run with Debian's torch (python3-torch; transformers is not needed and not installed on the project's machines):
    /usr/bin/python3 scripts/make_trainer_job_parity.py        # writes test/fixtures/trainer-job/<arch>.json

transformers' Trainer is not imported: its optimizer step is written out here in plain torch, the way Trainer runs
it for a sequence classifier with the TrainingArguments a job's job.json holds (TRAINING below, gft's mapping of
GFT_CONFIG; the test checks that gft maps GFT_CONFIG to exactly these arguments):
  * AdamW (optim 'adamw_torch' = torch.optim.AdamW) with two groups: weight_decay on the parameters Trainer's
    get_decay_parameter_names returns (not those of nn.LayerNorm modules, not names containing 'bias',
    'layernorm' or 'rmsnorm'), 0 on the rest;
  * each optimizer step takes gradient_accumulation_steps micro-batches of per_device_train_batch_size rows; each
    micro-batch's mean cross-entropy, divided by the number of micro-batches, is backpropagated (equal micro-batches:
    the same gradient as Trainer's sum over the step's examples divided by their count); the logged loss is the
    mean of the micro-batch losses;
  * torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm), then optimizer.step(), then the scheduler's
    step: get_linear_schedule_with_warmup(warmup_steps, num_training_steps) as a LambdaLR, so step k (0-based)
    uses lr * lambda(k), and the first step of a warmup uses lr 0.
The models are scripts/make_parity_fixtures.py's plain-torch BertForSequenceClassification,
DistilBertForSequenceClassification and RobertaForSequenceClassification (transformers' eager semantics and
parameter names), with the initial weights of test/fixtures/parity/<arch>/model.safetensors and dropout 0. The
same steps run in float64 too; the script checks float32 rounding moves the losses far less than the 1e-3 test.
"""
import importlib.util
import json
import math
import os
import struct
import sys

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, '..')
PARITY = os.path.join(ROOT, 'test', 'fixtures', 'parity')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'trainer-job')

spec = importlib.util.spec_from_file_location('parity', os.path.join(HERE, 'make_parity_fixtures.py'))
parity = importlib.util.module_from_spec(spec)
spec.loader.exec_module(parity)

CLASSES = {'bert': parity.BertForSequenceClassification, 'distilbert': parity.DistilBertForSequenceClassification,
           'roberta': parity.RobertaForSequenceClassification}

# gft's settings of the run (src/protocol TrainConfig names) and what gft job export maps them to.
GFT_CONFIG = {'lr': 1e-3, 'schedule': 'linear', 'warmupSteps': 1, 'weightDecay': 0.01, 'maxGradNorm': 1.0,
              'batchSize': 2, 'gradAccumSteps': 2, 'epochs': 1, 'seed': 7}
TRAINING = {'learning_rate': 1e-3, 'lr_scheduler_type': 'linear', 'warmup_steps': 1, 'weight_decay': 0.01,
            'optim': 'adamw_torch', 'adam_beta1': 0.9, 'adam_beta2': 0.999, 'adam_epsilon': 1e-8,
            'max_grad_norm': 1.0, 'batch_size': 2, 'gradient_accumulation_steps': 2, 'num_train_epochs': 1,
            'seed': 7}
ROWS, SEQ = 16, 12   # 16 training rows: 4 optimizer steps of 2 micro-batches of 2 rows (one epoch)


def read_safetensors(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, h in header.items():
        if name == '__metadata__':
            continue
        a, b = h['data_offsets']
        dtype = {'F32': torch.float32, 'I64': torch.int64}[h['dtype']]
        out[name] = torch.frombuffer(bytearray(data[a:b]), dtype=dtype).reshape(h['shape']).clone()
    return out


def trainer_decay_names(model):
    """transformers Trainer.get_decay_parameter_names: not in a LayerNorm module, no 'bias'/'layernorm'/'rmsnorm'."""
    in_norm = set()
    for mname, m in model.named_modules():
        if isinstance(m, nn.LayerNorm):
            for pname, _ in m.named_parameters(recurse=False):
                in_norm.add(f'{mname}.{pname}' if mname else pname)
    return [n for n, _ in model.named_parameters()
            if n not in in_norm and not any(f in n.lower() for f in ('bias', 'layernorm', 'rmsnorm'))]


def make_rows(cfg, pairs):
    g = torch.Generator().manual_seed(2024)
    pad = cfg['pad_token_id']
    ids = torch.full((ROWS, SEQ), pad, dtype=torch.long)
    mask = torch.zeros((ROWS, SEQ), dtype=torch.long)
    types = torch.zeros((ROWS, SEQ), dtype=torch.long)
    lengths = torch.randint(4, SEQ + 1, (ROWS,), generator=g)
    for i in range(ROWS):
        n = int(lengths[i])
        body = torch.randint(5, cfg['vocab_size'], (n - 2,), generator=g)
        ids[i, 0], ids[i, 1:n - 1], ids[i, n - 1] = (0 if cfg['model_type'] == 'roberta' else 2), body, (2 if cfg['model_type'] == 'roberta' else 3)
        mask[i, :n] = 1
        if pairs:
            types[i, n // 2:n] = 1
    labels = torch.randint(0, len(cfg['id2label']), (ROWS,), generator=g)
    return ids, mask, types, labels


def linear_with_warmup(warmup, total):
    return lambda s: s / max(1, warmup) if s < warmup else max(0.0, (total - s) / max(1, total - warmup))


def run(arch, dtype):
    cfg = json.load(open(os.path.join(PARITY, arch, 'config.json')))
    cfg = dict(cfg, num_labels=len(cfg['id2label']))
    torch.manual_seed(0)
    model = CLASSES[arch](cfg)
    model.load_state_dict(read_safetensors(os.path.join(PARITY, arch, 'model.safetensors')), strict=True)
    model = model.to(dtype)
    model.train()  # dropout probabilities are all 0 in these configs
    pairs = cfg.get('type_vocab_size', 1) > 1
    ids, mask, types, labels = make_rows(cfg, pairs)
    t = TRAINING
    decay = set(trainer_decay_names(model))
    params = list(model.named_parameters())
    opt = torch.optim.AdamW([{'params': [p for n, p in params if n in decay], 'weight_decay': t['weight_decay']},
                             {'params': [p for n, p in params if n not in decay], 'weight_decay': 0.0}],
                            lr=t['learning_rate'], betas=(t['adam_beta1'], t['adam_beta2']), eps=t['adam_epsilon'])
    b, k = t['batch_size'], t['gradient_accumulation_steps']
    total = math.ceil(ROWS / (b * k)) * t['num_train_epochs']
    sched = torch.optim.lr_scheduler.LambdaLR(opt, linear_with_warmup(t['warmup_steps'], total))
    steps = []
    for s in range(total):
        tr_loss = 0.0
        for m in range(k):
            sl = slice(s * b * k + m * b, s * b * k + (m + 1) * b)
            logits = model(ids[sl], mask[sl], types[sl] if pairs else None)
            loss = nn.functional.cross_entropy(logits, labels[sl])
            (loss / k).backward()
            tr_loss += loss.item() / k
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), t['max_grad_norm'])
        lr = sched.get_last_lr()[0]
        opt.step()
        sched.step()
        opt.zero_grad()
        steps.append({'loss': tr_loss, 'lr': lr, 'gradNorm': float(norm)})
    rows = {'input_ids': ids.tolist(), 'attention_mask': mask.tolist(), 'labels': labels.tolist()}
    if pairs:
        rows['token_type_ids'] = types.tolist()
    return steps, rows, sorted(decay), [n for n, _ in params]


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    for arch in CLASSES:
        steps, rows, decay, names = run(arch, torch.float32)
        steps64, _, _, _ = run(arch, torch.float64)
        drift = max(abs(a['loss'] - b['loss']) / abs(b['loss']) for a, b in zip(steps, steps64))
        assert drift < 1e-5, (arch, drift)
        assert any(s['gradNorm'] > TRAINING['max_grad_norm'] for s in steps), 'clipping must bite in this fixture'
        fixture = {
            'about': 'made by scripts/make_trainer_job_parity.py with torch ' + torch.__version__ +
                     ": Trainer's optimizer step in plain torch, initial weights test/fixtures/parity/" + arch,
            'gftConfig': GFT_CONFIG, 'trainingArguments': TRAINING, 'trainerDecay': decay, 'parameters': names,
            'rows': rows, 'steps': steps, 'float64LossDrift': drift,
        }
        with open(os.path.join(OUT, arch + '.json'), 'w') as f:
            json.dump(fixture, f, indent=1)
        print(f"{arch}: losses {[round(s['loss'], 6) for s in steps]}, lrs {[s['lr'] for s in steps]}, "
              f"grad norms {[round(s['gradNorm'], 3) for s in steps]}, float64 drift {drift:.1e}")


if __name__ == '__main__':
    sys.exit(main())
