#!/usr/bin/env python3
"""The first-steps loss parity of a Trainer job, with transformers' real Trainer (the GPU machine has torch 2.11,
transformers 5.17, accelerate 1.15): for the parity fixtures' tiny BERT, DistilBERT and RoBERTa
(test/fixtures/parity/<arch>: config.json with dropout 0, model.safetensors), Trainer runs the TrainingArguments of
test/fixtures/trainer-job/<arch>.json (gft job export's mapping of the fixture's gft settings) on the fixture's
rows in their order (a SequentialSampler instead of the random one; the rows are already padded), and each
optimizer step's logged loss and gradient norm are compared with the fixture's. gft's engine reproduces the
fixture's losses within 1.6e-7 (test/unit/host/trainer-job-parity.test.ts), so Trainer within 1e-3 of the fixture
is Trainer within 1e-3 of gft's engine.

Usage: python3 bench/trainer_job_parity.py [--cpu] [--out FILE.json]      exit 1 when a step is off by > 1e-3
"""
import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, '..')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--cpu', action='store_true')
    ap.add_argument('--out', default=None)
    args = ap.parse_args()
    import torch
    import transformers
    from torch.utils.data import SequentialSampler
    from transformers import AutoModelForSequenceClassification, Trainer, TrainerCallback, TrainingArguments

    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    results = {'torch': torch.__version__, 'transformers': transformers.__version__,
               'device': 'cpu' if args.cpu or not torch.cuda.is_available() else torch.cuda.get_device_name(0), 'archs': {}}
    ok = True
    for arch in ('bert', 'distilbert', 'roberta'):
        fx = json.load(open(os.path.join(ROOT, 'test', 'fixtures', 'trainer-job', arch + '.json')))
        t = dict(fx['trainingArguments'])
        batch = t.pop('batch_size')
        rows = fx['rows']
        items = []
        for i in range(len(rows['labels'])):
            it = {'input_ids': torch.tensor(rows['input_ids'][i]), 'attention_mask': torch.tensor(rows['attention_mask'][i]),
                  'labels': torch.tensor(rows['labels'][i])}
            if 'token_type_ids' in rows:
                it['token_type_ids'] = torch.tensor(rows['token_type_ids'][i])
            items.append(it)
        model = AutoModelForSequenceClassification.from_pretrained(os.path.join(ROOT, 'test', 'fixtures', 'parity', arch), attn_implementation='eager')
        decay = fx['trainerDecay']
        logged = []

        class Log(TrainerCallback):
            def on_log(self, a, state, control, logs=None, **kw):
                if logs and 'loss' in logs:
                    logged.append({'step': state.global_step, 'loss': logs['loss'], 'grad_norm': logs.get('grad_norm'), 'lr': logs.get('learning_rate')})

        class InOrder(Trainer):
            def _get_train_sampler(self, *a, **kw):
                return SequentialSampler(self.train_dataset)

            def get_decay_parameter_names(self, model):  # as the job's train.py: gft's list (checked equal to Trainer's below)
                return decay

        targs = TrainingArguments(output_dir='/tmp/gft-parity-' + arch, per_device_train_batch_size=batch, logging_strategy='steps',
                                  logging_steps=1, save_strategy='no', report_to='none', use_cpu=args.cpu, dataloader_drop_last=False,
                                  **{k: v for k, v in t.items() if k not in ('num_train_epochs',)}, num_train_epochs=t['num_train_epochs'])
        tr = InOrder(model=model, args=targs, train_dataset=items, callbacks=[Log()])
        trainer_decay = sorted(Trainer.get_decay_parameter_names(tr, model))
        tr.train()
        steps = []
        for s, want in enumerate(fx['steps']):
            got = logged[s] if s < len(logged) else None
            rel = abs(got['loss'] - want['loss']) / abs(want['loss']) if got else float('inf')
            steps.append({'trainer': got, 'fixture': want, 'relLoss': rel})
            ok = ok and rel <= 1e-3
        results['archs'][arch] = {'steps': steps, 'maxRelLoss': max(s['relLoss'] for s in steps),
                                  'trainerDecayEqualsGft': trainer_decay == sorted(decay)}
        ok = ok and trainer_decay == sorted(decay)
        print('%s: Trainer vs fixture (= gft engine within 1.6e-7): max relative loss difference %.2e over %d steps; decay names equal: %s'
              % (arch, results['archs'][arch]['maxRelLoss'], len(steps), trainer_decay == sorted(decay)))
    results['ok'] = ok
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=1)
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
