import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTrainGraph, createTrainer, Program, sumSquares, type Batch, type TrainConfig } from '../../../src/engine';
import { TinyClassifier } from './tinyModel';
import { createWide } from './tinyFactory';
import { loadSequenceClassifier } from '../../../src/engine/models';

const fx = JSON.parse(readFileSync(join(__dirname, 'fixtures/trainer_parity.json'), 'utf8'));
const { V, H, C, S } = fx.dims;

const big = (a: number[]) => BigInt64Array.from(a.map(BigInt));
const toBatch = (b: { ids: number[]; mask: number[]; labels: number[] }): Batch => ({
  inputIds: big(b.ids),
  attentionMask: big(b.mask),
  labels: big(b.labels),
  batch: b.labels.length,
  seq: S,
});
const weightsOf = (o: Record<string, number[]>) => new Map(Object.entries(o).map(([k, v]) => [k, Float32Array.from(v)]));
const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol * (1 + Math.abs(b)), `${what}: ${a} vs torch ${b}`);

for (const [name, sc] of Object.entries<any>(fx.scenarios)) {
  for (const sparse of [true, false]) {
    test(`matches PyTorch AdamW training (${name}, ${sparse ? 'sparse' : 'dense'} embedding gradient)`, async () => {
      const model = new TinyClassifier(V, H, C);
      const { steps: _s, batch: _b, ...cfg } = sc.config;
      const t = await createTrainer(model, weightsOf(sc.init), { ...cfg, sparseMinElements: sparse ? 1 : Infinity, threads: 1 } as TrainConfig);
      for (let i = 0; i < sc.steps.length; i++) {
        const r = await t.step(toBatch(sc.batches[i]));
        const want = sc.steps[i];
        close(r.loss, want.loss, 1e-5, `step ${i} loss`);
        close(r.lr, want.lr, 1e-12, `step ${i} lr`);
        close(r.gradNorm, want.gradNorm, 1e-4, `step ${i} gradNorm`);
      }
      for (const [n, w] of t.weights()) {
        const ref: number[] = sc.final[n];
        w.forEach((v, i) => close(v, ref[i], 2e-4, `final ${n}[${i}]`));
      }
      await t.dispose();
    });
  }
}

const cfg: TrainConfig = {
  lr: 0.01,
  weightDecay: 0.01,
  betas: [0.9, 0.999],
  eps: 1e-8,
  maxGradNorm: 1,
  warmupSteps: 1,
  totalSteps: 10,
  schedule: 'linear',
  gradAccumSteps: 2,
  seed: 7,
  trainLayers: 'all',
  dropout: true,
  threads: 1,
};
const sc = fx.scenarios.full;

async function losses(n: number, resumeFrom?: string, saveAt?: { step: number; dir: string }): Promise<number[]> {
  const t = await createTrainer(new TinyClassifier(V, H, C, 0.3), weightsOf(sc.init), cfg);
  if (resumeFrom) await t.loadCheckpoint(resumeFrom);
  const out: number[] = [];
  const start = t.state.step;
  for (let i = start; i < n; i++) {
    out.push((await t.step(toBatch(sc.batches[i % sc.batches.length]))).loss);
    if (saveAt && t.state.step === saveAt.step) await t.saveCheckpoint(saveAt.dir);
  }
  await t.dispose();
  return out;
}

test('layer-wise learning-rate decay: after one AdamW step from zero moments, each layer moved lr * X^k', async () => {
  // Adam's first update is lr * g / (|g| + eps) (bias-corrected), about lr * sign(g): the largest move of each tensor
  // is its group's learning rate. lr 1 keeps the moves large against the weights' float32 rounding.
  const X = 0.6;
  const c: TrainConfig = { ...cfg, lr: 1, eps: 1e-12, weightDecay: 0, maxGradNorm: 0, warmupSteps: 0, schedule: 'constant', gradAccumSteps: 1, dropout: false };
  const largestMove = async (layerLrDecay?: number) => {
    const t = await createTrainer(new TinyClassifier(V, H, C), weightsOf(sc.init), { ...c, layerLrDecay });
    await t.step(toBatch(sc.batches[0]));
    const moved = new Map([...t.weights()].map(([n, w]) => [n, Math.max(...w.map((v, i) => Math.abs(v - sc.init[n][i])))]));
    await t.dispose();
    return moved;
  };
  const off = await largestMove();
  const on = await largestMove(X);
  // TinyClassifier: 2 layers; head X^0, layer.1 (layer 2 of 2) X^1, layer.0 X^2, embeddings X^3
  const power = (n: string) => (n.startsWith('classifier') ? 0 : n.startsWith('layer.1') ? 1 : n.startsWith('layer.0') ? 2 : 3);
  for (const [n, m] of on) {
    assert.ok(Math.abs(off.get(n)! - 1) < 1e-6, `${n}: without decay the largest move is lr (${off.get(n)})`);
    assert.ok(Math.abs(m / X ** power(n) - 1) < 1e-6, `${n}: moved ${m}, want lr * ${X}^${power(n)} = ${X ** power(n)}`);
  }
  await assert.rejects(createTrainer(new TinyClassifier(V, H, C), weightsOf(sc.init), { ...c, layerLrDecay: 0 }), /layerLrDecay must be > 0 and <= 1, got 0/);
});

test('same seed and data give identical losses (with dropout), and a resumed run continues identically', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gft-ckpt-'));
  try {
    const a = await losses(6, undefined, { step: 3, dir });
    const b = await losses(6);
    assert.deepEqual(a, b);
    const resumed = await losses(6, dir);
    assert.deepEqual(resumed, a.slice(3));
    // dropout is active: another seed gives other losses
    const other = await createTrainer(new TinyClassifier(V, H, C, 0.3), weightsOf(sc.init), { ...cfg, seed: 8 });
    const o = (await other.step(toBatch(sc.batches[0]))).loss;
    assert.notEqual(o, a[0]);
    await other.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('train-layers dial: head only leaves the encoder untouched; eval has no dropout; saliency shapes', async () => {
  const t = await createTrainer(new TinyClassifier(V, H, C, 0.5), weightsOf(sc.init), { ...cfg, trainLayers: 'head', warmupSteps: 0 }); // warmup would make the first lr 0
  const before = new Map([...t.weights()].map(([k, v]) => [k, v.slice()]));
  await t.step(toBatch(sc.batches[0]));
  for (const [k, v] of t.weights()) {
    const changed = v.some((x, i) => x !== before.get(k)![i]);
    assert.equal(changed, k.startsWith('classifier'), `${k} changed=${changed}`);
  }
  const b = toBatch(sc.batches[1]);
  const l1 = await t.evaluate(b);
  const l2 = await t.evaluate(b);
  assert.equal(l1.length, b.batch * C);
  assert.deepEqual(l1, l2);
  const s = await t.saliency(b);
  assert.deepEqual(s.logits, l1);
  assert.equal(s.gradNorm.length, b.batch * S);
  assert.ok(s.gradNorm.every((x) => x >= 0 && Number.isFinite(x)));
  // padded positions get no gradient (the model mean-pools over real tokens only)
  const mask = sc.batches[1].mask as number[];
  mask.forEach((m, i) => {
    if (m === 0) assert.equal(s.gradNorm[i], 0);
  });
  await t.dispose();
});

test('a batch that gradAccumSteps does not divide is split into near-equal micro-batches', async () => {
  const m = new TinyClassifier(V, H, C, 0);
  const b = toBatch(sc.batches[0]);
  const base = { ...cfg, dropout: false, maxGradNorm: 0 };
  // 4 examples in 3 micro-batches (1, 2, 1 rows): the mean of the three micro-batch mean losses
  const t3 = await createTrainer(m, weightsOf(sc.init), { ...base, gradAccumSteps: 3 });
  const r3 = await t3.step(b);
  const one = async (from: number, to: number) => {
    const t = await createTrainer(m, weightsOf(sc.init), { ...base, gradAccumSteps: 1 });
    const sl = (a: BigInt64Array) => a.slice(from * S, to * S);
    const r = await t.step({ inputIds: sl(b.inputIds), attentionMask: sl(b.attentionMask), labels: b.labels!.slice(from, to), batch: to - from, seq: S });
    await t.dispose();
    return r.loss;
  };
  const want = ((await one(0, 1)) + (await one(1, 3)) + (await one(3, 4))) / 3;
  assert.ok(Math.abs(r3.loss - want) < 1e-6, `${r3.loss} vs ${want}`);
  // more micro-batches than examples: one example each
  const t8 = await createTrainer(m, weightsOf(sc.init), { ...base, gradAccumSteps: 8 });
  assert.ok(Number.isFinite((await t8.step(b)).loss));
  await Promise.all([t3.dispose(), t8.dispose()]);
});

test('bad configuration and batches fail with one clear line', async () => {
  const m = new TinyClassifier(V, H, C);
  await assert.rejects(createTrainer(m, weightsOf(sc.init), { ...cfg, gradAccumSteps: 0 }), /gradAccumSteps must be an integer >= 1/);
  await assert.rejects(createTrainer(m, weightsOf(sc.init), { ...cfg, trainLayers: { top: -1 } }), /trainLayers must be/);
  const w = weightsOf(sc.init);
  w.delete('classifier.bias');
  await assert.rejects(createTrainer(m, w, cfg), /no weights for parameter 'classifier.bias'/);
  const t = await createTrainer(m, weightsOf(sc.init), cfg);
  await assert.rejects(t.step({ ...toBatch(sc.batches[0]), labels: undefined }), /training needs labels with 4 values/);
  await assert.rejects(t.step({ ...toBatch(sc.batches[0]), seq: 4 }), /must each have batch\*seq = 16 values/);
  await assert.rejects(t.loadCheckpoint('/nonexistent/dir'), /loadCheckpoint: cannot read/);
  await t.dispose();
});

test('trains a real architecture (tiny DistilBERT fixture): loss falls on a repeated batch', async () => {
  const { model, weights } = loadSequenceClassifier(join(__dirname, '../../fixtures/parity/distilbert'), { numLabels: 2, seed: 0 });
  const t = await createTrainer(model, weights, { ...cfg, lr: 1e-3, gradAccumSteps: 1, warmupSteps: 0, dropout: true });
  const B = 4,
    Sq = 8;
  const b: Batch = {
    inputIds: BigInt64Array.from({ length: B * Sq }, (_, i) => BigInt(5 + (i % 13))),
    attentionMask: BigInt64Array.from({ length: B * Sq }, (_, i) => (i % Sq < 6 || i < Sq ? 1n : 0n)),
    labels: BigInt64Array.from([0n, 1n, 1n, 0n]),
    batch: B,
    seq: Sq,
  };
  const losses: number[] = [];
  for (let i = 0; i < 6; i++) losses.push((await t.step(b)).loss);
  assert.ok(losses.every(Number.isFinite));
  assert.ok(losses[5] < losses[0] * 0.8, `losses ${losses.map((l) => l.toFixed(4)).join(' ')}`);
  await t.dispose();
});

test('bit-identical losses with 2 threads and a dense ScatterND embedding gradient full of duplicate ids', async () => {
  const B = 8,
    Sq = 64;
  const b: Batch = {
    inputIds: BigInt64Array.from({ length: B * Sq }, (_, i) => BigInt((i * 37) % 300)),
    attentionMask: new BigInt64Array(B * Sq).fill(1n),
    labels: BigInt64Array.from({ length: B }, (_, i) => BigInt(i % 2)),
    batch: B,
    seq: Sq,
  };
  const run = async () => {
    const { model, weights } = createWide(128, 300);
    const t = await createTrainer(model, weights, { ...cfg, threads: 2, gradAccumSteps: 2, sparseMinElements: Infinity });
    const out: number[] = [];
    for (let i = 0; i < 3; i++) out.push((await t.step(b)).loss);
    const w = t.weights().get('emb.weight')!.slice();
    await t.dispose();
    return { out, w };
  };
  const a = await run(),
    c = await run();
  assert.deepEqual(a.out, c.out);
  assert.deepEqual(a.w, c.w);
});

test('gradSquares output: per row of each dense gradient, the sums of squares the trainer uses for clipping', async () => {
  const model = new TinyClassifier(V, H, C, 0);
  const tg = buildTrainGraph(model, { trainable: () => true, dropout: false, seed: 0, sparseMinElements: Infinity, gradSquares: true });
  const p = await Program.compile(tg.graph, { threads: 2 });
  const sc = Object.values<any>(fx.scenarios)[0];
  const b = toBatch(sc.batches[0]);
  const feeds: Record<string, { data: Float32Array | BigInt64Array; dims: number[] }> = {
    input_ids: { data: b.inputIds, dims: [b.batch, S] },
    attention_mask: { data: b.attentionMask, dims: [b.batch, S] },
    labels: { data: b.labels!, dims: [b.batch] },
  };
  for (const q of model.params) feeds[q.name] = { data: Float32Array.from(sc.init[q.name]), dims: q.shape };
  const out = await p.run(feeds);
  const sq = out.gradSquares.data as Float32Array;
  let at = 0;
  for (const name of tg.dense) {
    const shape = model.params.find((q) => q.name === name)!.shape;
    const rows = shape.length > 1 ? shape.slice(0, -1).reduce((a, c) => a * c, 1) : 1;
    const got = sq.subarray(at, at + rows).reduce((a, c) => a + c, 0);
    at += rows;
    const want = sumSquares(out[`grad/${name}`].data as Float32Array);
    assert.ok(want > 0 && Math.abs(got - want) <= 1e-5 * want, `${name}: ${got} vs ${want}`);
  }
  assert.equal(at, sq.length);
  await p.dispose();
});
