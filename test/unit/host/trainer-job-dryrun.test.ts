// A Trainer job end to end without a GPU and without transformers: gft job export of a tiny BERT (made with torch by
// bench/trainer_job_fixture.py), the job's own train.py run by python3 with test/fixtures/trainer-job/standin on the
// path in place of transformers (plain-torch BERT and a Trainer-like loop: see that module), then gft import of the
// job's output folder on the same split. What it shows: train.py runs (job.json, data, tokenization, early stopping
// off, the files it writes), the imported run's test predictions are the job's own (same labels, probabilities
// within 1e-5) and so is its accuracy, the settings come from gft_job.json and the leakage check finds nothing.
// The real transformers 5.17 + accelerate run is bench/trainer_job_check.sh on a GPU machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main, type Io } from '../../../src/host/cli';
import { RunFolder } from '../../../src/host/runs';
import type { PredictionRecord } from '../../../src/protocol';

function capture(): Io & { lines: string[]; errs: string[] } {
  const lines: string[] = [],
    errs: string[] = [];
  return { lines, errs, out: (l) => lines.push(l), err: (l) => errs.push(l), isTTY: false };
}

const PY = '/usr/bin/python3';

test('an exported job runs (train.py with a transformers stand-in) and its output imports to the same test predictions', async (t) => {
  if (spawnSync(PY, ['-c', 'import torch, numpy'], { encoding: 'utf8' }).status !== 0)
    return t.skip(`${PY} has no torch (Debian: apt-get install python3-torch)`);
  const root = mkdtempSync(join(tmpdir(), 'gft-job-dryrun-'));
  try {
    const fx = spawnSync(PY, ['bench/trainer_job_fixture.py', root], { encoding: 'utf8' });
    assert.equal(fx.status, 0, fx.stderr);
    const data = join(root, 'data.jsonl');
    let io = capture();
    assert.equal(
      await main(
        [
          'job',
          'export',
          '--model',
          join(root, 'tiny-bert'),
          '--data',
          data,
          '--epochs',
          '3',
          '--lr',
          '3e-3',
          '--warmup-steps',
          '10',
          '--max-length',
          '32',
          '--long-text',
          'head+tail',
          '--out',
          join(root, 'job'),
        ],
        io,
      ),
      0,
      io.errs.join('\n'),
    );
    const job = JSON.parse(readFileSync(join(root, 'job', 'job.json'), 'utf8')) as { expected: { totalSteps: number } };

    const run = spawnSync(PY, ['train.py'], {
      cwd: join(root, 'job'),
      encoding: 'utf8',
      env: { ...process.env, PYTHONPATH: resolve('test/fixtures/trainer-job/standin') },
    });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /test accuracy 0\.\d+ \(n 240\)/);
    const metrics = JSON.parse(readFileSync(join(root, 'job', 'output', 'metrics.json'), 'utf8')) as {
      test: { accuracy: number; n: number };
      steps: unknown[];
      global_step: number;
    };
    assert.equal(metrics.global_step, job.expected.totalSteps, 'the job ran the steps gft planned');
    assert.equal(metrics.steps.length, job.expected.totalSteps);
    assert.ok(metrics.test.accuracy >= 0.7, `the tiny model learned the task (test accuracy ${metrics.test.accuracy})`);

    io = capture();
    assert.equal(
      await main(['import', '--model', join(root, 'job', 'output', 'model'), '--data', data, '--out', join(root, 'runs', 'imported'), '--threads', '1'], io),
      0,
      io.errs.join('\n'),
    );
    assert.match(io.lines.join('\n'), /leakage check: 0 of 240 test examples were in the job's training data/);
    assert.match(io.lines.join('\n'), /the job's own test accuracy \d+\.\d\d% \(n 240\)/);
    const imported = RunFolder.open(join(root, 'runs', 'imported'));
    assert.equal(imported.manifest.test!.accuracy, metrics.test.accuracy, "this engine's test accuracy is the job's");
    const c = imported.manifest.config as {
      maxLength: number;
      longText: string;
      imported: { settingsFrom: string; leakage: { checked: boolean; testInTraining: number; trainExamples: number } };
    };
    assert.deepEqual([c.maxLength, c.longText, c.imported.settingsFrom], [32, 'head+tail', 'gft_job.json']);
    assert.deepEqual([c.imported.leakage.checked, c.imported.leakage.testInTraining, c.imported.leakage.trainExamples], [true, 0, 840]);
    const jobPreds = new Map(
      readFileSync(join(root, 'job', 'output', 'predictions.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as PredictionRecord)
        .map((p) => [p.id, p]),
    );
    const ours = imported.readPredictions();
    assert.equal(ours.length, jobPreds.size);
    let worst = 0;
    for (const p of ours) {
      const q = jobPreds.get(p.id);
      assert.ok(q, `${p.id} is not among the job's test predictions`);
      assert.equal(p.label, q.label);
      assert.equal(p.pred, q.pred, `${p.id}: gft predicts ${p.pred}, the job ${q.pred}`);
      p.probs.forEach((x, k) => (worst = Math.max(worst, Math.abs(x - q.probs[k]))));
    }
    assert.ok(worst <= 1e-5, `probabilities differ by up to ${worst}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

// Layer-wise learning-rate decay in train.py's own optimizer (its create_optimizer override, which the stand-in's
// Trainer calls as transformers' does): the parameter groups the optimizer ran with (metrics.json
// "optimizer_groups") hold every trained parameter once and no frozen one, each at lr x decay^k as gft's engine
// schedules it (lrScaleOf: the head at lr, encoder layer i of L at decay^(L+1-i), the embeddings at decay^(L+1)),
// without weight decay on the job's no-decay names; and the learning rate Trainer logs (group 0's) is the run's lr.
test('an exported job with --layer-lr-decay trains each layer at lr x decay^k from the head down and leaves frozen layers out', async (t) => {
  if (spawnSync(PY, ['-c', 'import torch, numpy'], { encoding: 'utf8' }).status !== 0)
    return t.skip(`${PY} has no torch (Debian: apt-get install python3-torch)`);
  const root = mkdtempSync(join(tmpdir(), 'gft-job-lrdecay-'));
  try {
    const fx = spawnSync(PY, ['bench/trainer_job_fixture.py', root], { encoding: 'utf8' });
    assert.equal(fx.status, 0, fx.stderr);
    const lr = 3e-3,
      decay = 0.5,
      weightDecay = 0.01;
    for (const layers of ['top:1', 'all']) {
      const dir = join(root, `job-${layers.replace(':', '')}`);
      const io = capture();
      const args = ['job', 'export', '--model', join(root, 'tiny-bert'), '--data', join(root, 'data.jsonl'), '--epochs', '1', '--lr', String(lr)];
      args.push('--schedule', 'constant', '--warmup-steps', '0', '--weight-decay', String(weightDecay), '--max-length', '32');
      args.push('--train-layers', layers, '--layer-lr-decay', String(decay), '--out', dir);
      assert.equal(await main(args, io), 0, io.errs.join('\n'));
      const job = JSON.parse(readFileSync(join(dir, 'job.json'), 'utf8')) as {
        model: { numLayers: number };
        parameters: string[];
        trainable: string[];
        noDecay: string[];
      };
      const run = spawnSync(PY, ['train.py', '--max-steps', '3'], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, PYTHONPATH: resolve('test/fixtures/trainer-job/standin') },
      });
      assert.equal(run.status, 0, run.stderr);
      const metrics = JSON.parse(readFileSync(join(dir, 'output', 'metrics.json'), 'utf8')) as {
        optimizer_groups: { lr: number; weight_decay: number; params: string[] }[];
        steps: { lr: number }[];
      };

      // the factor of each parameter, from its name alone: head 1, then one more factor of decay per layer down
      const L = job.model.numLayers;
      assert.equal(L, 2, 'the fixture BERT has 2 layers');
      const factor = (name: string): number => {
        if (/^(classifier|bert\.pooler)\./.test(name)) return 1;
        const layer = /^bert\.encoder\.layer\.(\d+)\./.exec(name);
        if (layer) return decay ** (L - Number(layer[1]));
        assert.match(name, /^bert\.embeddings\./);
        return decay ** (L + 1);
      };
      const trainedOf = (name: string) => (layers === 'all' ? true : !/^bert\.(embeddings|encoder\.layer\.0)\./.test(name));

      const grouped = metrics.optimizer_groups.flatMap((g) => g.params);
      assert.equal(new Set(grouped).size, grouped.length, `${layers}: a parameter is in two optimizer groups`);
      assert.deepEqual([...grouped].sort(), job.parameters.filter(trainedOf).sort(), `${layers}: the optimizer trains exactly the trained layers`);
      const frozen = job.parameters.filter((n) => !trainedOf(n));
      assert.equal(frozen.length > 0, layers !== 'all', `${layers}: frozen parameters ${frozen.length}`);
      for (const g of metrics.optimizer_groups) {
        for (const n of g.params) {
          assert.ok(Math.abs(g.lr - lr * factor(n)) <= 1e-12, `${layers}: ${n} trains at lr ${g.lr}, want ${lr} x ${factor(n)}`);
          assert.equal(g.weight_decay, job.noDecay.includes(n) ? 0 : weightDecay, `${layers}: weight decay of ${n}`);
        }
      }
      const rates = [...new Set(metrics.optimizer_groups.map((g) => g.lr))].sort((a, b) => b - a);
      assert.deepEqual(rates, layers === 'all' ? [lr, lr * 0.5, lr * 0.25, lr * 0.125] : [lr, lr * 0.5], `${layers}: the distinct learning rates`);
      assert.deepEqual(
        metrics.steps.map((s) => s.lr),
        [lr, lr, lr],
        `${layers}: the logged learning rate (group 0's) is the run's, constant schedule`,
      );
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
