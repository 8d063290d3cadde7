import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTrainer, TrainerWorker, type Batch, type StepResult, type TrainConfig } from '../../../src/engine';
import { createTiny } from './tinyFactory';

const fx = JSON.parse(readFileSync(join(__dirname, 'fixtures/trainer_parity.json'), 'utf8'));
const big = (a: number[]) => BigInt64Array.from(a.map(BigInt));
const batches: Batch[] = fx.scenarios.full.batches.map((b: any) => ({
  inputIds: big(b.ids),
  attentionMask: big(b.mask),
  labels: big(b.labels),
  batch: b.labels.length,
  seq: fx.dims.S,
}));
const cfg: TrainConfig = {
  lr: 0.01,
  weightDecay: 0.01,
  betas: [0.9, 0.999],
  eps: 1e-8,
  maxGradNorm: 1,
  warmupSteps: 0,
  totalSteps: 10,
  schedule: 'linear',
  gradAccumSteps: 1,
  seed: 3,
  trainLayers: 'all',
  dropout: true,
  threads: 1,
};
const noTime = ({ timings: _t, ...r }: StepResult) => r;
const spec = { kind: 'factory' as const, module: join(__dirname, 'tinyFactory.ts'), exportName: 'createTiny', args: [0.2] };
// a .ts worker script runs through tsx (the build bundles src/engine/worker.ts as dist/engine-worker.js)
const opts = { workerPath: join(__dirname, '../../../src/engine/worker.ts') };

test('a trainer in a worker thread gives the same results as in-process', async () => {
  const { worker, info } = await TrainerWorker.start(spec, cfg, opts);
  assert.equal(info.architecture, 'tiny');
  const local = await createTrainer(createTiny(0.2).model, createTiny(0.2).weights, cfg);
  const dir = mkdtempSync(join(tmpdir(), 'gft-worker-'));
  try {
    for (const b of batches) assert.deepEqual(noTime(await worker.step(b)), noTime(await local.step(b)));
    assert.deepEqual(await worker.evaluate(batches[0]), await local.evaluate(batches[0]));
    assert.deepEqual((await worker.saliency(batches[1])).gradNorm, (await local.saliency(batches[1])).gradNorm);
    const w = await worker.weights();
    for (const [k, v] of local.weights()) assert.deepEqual(w.get(k), v);
    await worker.saveCheckpoint(dir);
    const next = await worker.step(batches[0]);
    assert.deepEqual(await worker.loadCheckpoint(dir), { step: 4, microStep: 4 });
    assert.deepEqual(noTime(await worker.step(batches[0])), noTime(next));
    await assert.rejects(worker.step({ ...batches[0], labels: undefined }), /training needs labels/);
  } finally {
    await worker.dispose();
    await local.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the host event loop keeps running while the worker trains', async () => {
  const { worker } = await TrainerWorker.start(
    { kind: 'factory', module: spec.module, exportName: 'createWide', args: [512, 2000] },
    { ...cfg, threads: 2 },
    opts,
  );
  const B = 16,
    S = 128;
  const batch: Batch = {
    inputIds: BigInt64Array.from({ length: B * S }, (_, i) => BigInt((i * 31) % 2000)),
    attentionMask: new BigInt64Array(B * S).fill(1n),
    labels: BigInt64Array.from({ length: B }, (_, i) => BigInt(i % 2)),
    batch: B,
    seq: S,
  };
  try {
    await worker.step(batch);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const t0 = performance.now();
    for (let i = 0; i < 3; i++) await worker.step(batch);
    const ms = performance.now() - t0;
    clearInterval(timer);
    // a blocked loop would tick about once per step; a free one about once per millisecond (timers are coarse
    // on a loaded machine, so only ask for a tenth of that)
    assert.ok(ticks > Math.max(6, ms / 10), `${ticks} ticks in ${ms.toFixed(0)} ms`);
  } finally {
    await worker.dispose();
  }
});

test('worker start fails with one clear line', async () => {
  await assert.rejects(TrainerWorker.start({ kind: 'custom', spec: {} }, cfg, opts), /cannot load 'custom' models/);
  await assert.rejects(TrainerWorker.start({ ...spec, exportName: 'nope' }, cfg, opts), /has no function export 'nope'/);
  await assert.rejects(TrainerWorker.start(spec, cfg, { workerPath: '/nonexistent/engine-worker.js' }), /engine worker script not found.*npm run build/);
});
