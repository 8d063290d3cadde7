// Facts behind the reflection, on run folders written with the host's RunFolder: which split is chosen, the
// learning-curve reading, and the size of a trainer checkpoint without its optimizer state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunFolder } from '../../../src/host/runs';
import { writeSafetensors } from '../../../src/engine/weights/safetensors';
import { learningCurve, loadRuns, modelSize, selectSplit } from '../../../src/host/reflect';
import { measureLatency } from '../../../src/host/reflect/facts';
import type { MetricRecord, RunKind } from '../../../src/protocol';

const tmp = () => mkdtempSync(join(tmpdir(), 'gft-reflect-facts-'));
const time = new Date().toISOString();

function run(
  root: string,
  id: string,
  kind: RunKind,
  splitHash: string | undefined,
  opts: { metrics?: MetricRecord[]; preds?: number; status?: 'completed' | 'failed' } = {},
): RunFolder {
  const r = RunFolder.create(root, {
    id,
    kind,
    config: {},
    dataset: { id: 'd', hash: 'h', splitHash, labels: ['neg', 'pos'] },
    seed: 1,
    packages: {},
    device: 'cpu',
  });
  for (const m of opts.metrics ?? []) r.metric(m);
  const n = opts.preds ?? 4;
  if (n)
    r.writePredictions(
      Array.from({ length: n }, (_, i) => ({ id: `x${i}`, label: i % 2, pred: i % 2, probs: i % 2 ? [0.2, 0.8] : [0.8, 0.2], split: 'test' })),
    );
  if (opts.status === 'failed') r.fail(new Error('boom'));
  else r.finish('completed');
  return r;
}

test('selectSplit: the split with a fine-tuning run wins over a larger one; the rest is excluded with reasons', () => {
  const root = tmp();
  run(root, 'a', 'baseline-tfidf', 'S1');
  run(root, 'b', 'baseline-embeddings', 'S1');
  run(root, 'c', 'baseline-tfidf', 'S1');
  run(root, 'd', 'finetune', 'S2');
  run(root, 'e', 'baseline-tfidf', 'S2');
  run(root, 'f', 'baseline-tfidf', undefined);
  run(root, 'g', 'finetune', 'S2', { preds: 0 });
  run(root, 'h', 'finetune', 'S2', { status: 'failed' });
  const { runs } = loadRuns(root);
  const g = selectSplit(runs);
  assert.equal(g.splitHash, 'S2');
  assert.deepEqual(g.included.map((r) => r.manifest.id).sort(), ['d', 'e']);
  const why = Object.fromEntries(g.excluded.map((e) => [e.id, e.reason]));
  assert.deepEqual(Object.keys(why).sort(), ['a', 'b', 'c', 'f', 'g', 'h']);
  assert.match(why.a, /different test split \(split hash S1\)/);
  assert.equal(why.f, 'run.json records no split hash');
  assert.equal(why.g, 'no test predictions');
  assert.equal(why.h, 'status failed');
  // asked for explicitly (by prefix), the other split is chosen
  assert.deepEqual(
    selectSplit(runs, 'S1')
      .included.map((r) => r.manifest.id)
      .sort(),
    ['a', 'b', 'c'],
  );
  // without a fine-tuning run, the largest split
  assert.equal(selectSplit(runs.filter((r) => r.manifest.kind !== 'finetune')).splitHash, 'S1');
});

const ev = (step: number, loss: number): MetricRecord => ({
  type: 'eval',
  step,
  epoch: step / 10,
  split: 'validation',
  metrics: { accuracy: 0.8, macroF1: 0.8, rocAuc: null, logLoss: loss, ece: 0.1, loss },
  time,
});
const st = (step: number, loss: number): MetricRecord => ({ type: 'step', step, epoch: step / 10, loss, lr: 1e-4, step_ms: 5, time });

test('learningCurve: still falling, rising after a minimum, and a single point', () => {
  const root = tmp();
  const steps = Array.from({ length: 30 }, (_, i) => st(i + 1, 1 - i / 30));
  const load = (id: string) => loadRuns(root).runs.find((r) => r.manifest.id === id)!;
  run(root, 'falling', 'finetune', 'S', { metrics: [...steps, ev(10, 0.7), ev(20, 0.6), ev(30, 0.55)] });
  run(root, 'rising', 'finetune', 'S', { metrics: [...steps, ev(10, 0.7), ev(20, 0.5), ev(30, 0.65)] });
  run(root, 'single', 'finetune', 'S', {
    metrics: [
      ...steps,
      ev(30, 0.6),
      { type: 'eval', step: 30, epoch: 3, split: 'test', metrics: { accuracy: 0.8, macroF1: 0.8, rocAuc: null, logLoss: 0.1, ece: 0.1 }, time },
    ],
  });
  const f = learningCurve(load('falling'));
  assert.equal(f.stillFalling, true);
  assert.equal(f.minLossStep, 30);
  assert.equal(f.steps, 30);
  assert.ok(Math.abs(f.trainLossStart! - (1 + 29 / 30 + 28 / 30) / 3) < 1e-12, 'mean of the first tenth (3 steps)');
  const r = learningCurve(load('rising'));
  assert.equal(r.stillFalling, false);
  assert.equal(r.minLossStep, 20);
  const s = learningCurve(load('single'));
  assert.equal(s.points.length, 1, 'test evaluations are not part of the validation curve');
  assert.equal(s.stillFalling, false);
});

test('modelSize: trainer checkpoints count parameters only, not the optimizer state', async () => {
  const root = tmp();
  const r = run(root, 'ft', 'finetune', 'S');
  const t = (n: number) => ({ dtype: 'F32' as const, shape: [n], data: new Float32Array(n) });
  const dir = await r.saveCheckpoint('best', (d) =>
    writeSafetensors(
      join(d, 'trainer.safetensors'),
      new Map([
        ['param/a', t(100)],
        ['param/b', t(28)],
        ['adam_m/a', t(100)],
        ['adam_v/a', t(100)],
      ]),
    ),
  );
  const size = modelSize(loadRuns(root).runs[0]);
  assert.ok('bytes' in size);
  assert.equal(size.bytes, 128 * 4);
  assert.ok(statSync(join(dir, 'trainer.safetensors')).size > 328 * 4, 'the file itself holds more');
  const bare = tmp();
  run(bare, 'nock', 'finetune', 'S');
  const missing = modelSize({ ...loadRuns(bare).runs[0], dir: join(bare, 'elsewhere') });
  assert.deepEqual(missing, { missing: 'the run has no checkpoints/best folder' });
});

test('measureLatency: a benchmark recorded in run.json is used; without one and without a model it says why', async () => {
  const root = tmp();
  const r = run(root, 'ft', 'finetune', 'S');
  r.update({ benchmark: { msPerReview: 42.5, reviews: 50, how: 'onnxruntime-node, int8, batch 1' } } as never);
  const lat = await measureLatency(loadRuns(root).runs[0], ['a text'], 3, true);
  assert.deepEqual(lat, { msPerReview: 42.5, reviews: 50, how: 'onnxruntime-node, int8, batch 1 (from run.json benchmark)' });
  const bare = tmp();
  run(bare, 'nomodel', 'finetune', 'S');
  const none = await measureLatency(loadRuns(bare).runs[0], ['a text'], 3, true);
  assert.match((none as { missing: string }).missing, /^not measured \(run nomodel has no checkpoints\/best folder; it cannot predict\)$/);
  assert.deepEqual(await measureLatency(loadRuns(bare).runs[0], ['a text'], 3, false), { missing: 'not measured (latency measurement was turned off)' });
});
