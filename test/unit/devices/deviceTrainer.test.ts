// The device trainer (src/engine/devices/deviceTrainer.ts) behind the host trainer's API: same losses, learning
// rates, gradient norms, evaluation, saliency and checkpoints as the CPU Trainer, with dropout, clipping, class
// weights, a warmup schedule, the train-layers dial, layer-wise learning-rate decay, a short last batch and document pooling (doc_pool extra inputs,
// one label per document). Each check runs on the CPU provider (the same graph, always available) and on WebGPU,
// which is skipped with the reason where no WebGPU adapter exists (CI installs Mesa's lavapipe).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTrainer, type Batch, type TrainConfig, type TrainerApi } from '../../../src/engine';
import { DeviceTrainer, createTrainerFor, probeWebgpu } from '../../../src/engine/devices';
import { loadSequenceClassifier } from '../../../src/engine/models';
import { DocPoolClassifier, DOC_POOL_INPUT, docPoolMatrix } from '../../../src/engine/models/docPool';
import { TinyClassifier } from '../engine/tinyModel';
import { UseLiteClassifier, loadUseLiteWeights, initUseLiteHead } from '../../../src/engine/models/useLite';
import { starterModelFiles } from '../../../src/host/models/starter';
import { asOneDocument, packPieces } from '../../../src/host/train/docPool';
import { padBatch, type EncodedRow } from '../../../src/host/tokenize';

const fx = JSON.parse(readFileSync(join(__dirname, '../engine/fixtures/trainer_parity.json'), 'utf8'));
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
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1e-6, Math.abs(b));
/** the first `n` rows of a batch: a short last batch */
const head = (b: Batch, n: number): Batch => ({
  ...b,
  batch: n,
  inputIds: b.inputIds.slice(0, n * b.seq),
  attentionMask: b.attentionMask.slice(0, n * b.seq),
  labels: b.labels!.slice(0, n),
});

const webgpu = probeWebgpu();
const targets: { name: string; providers: string[]; tol: number }[] = [
  { name: 'cpu provider', providers: ['cpu'], tol: 1e-5 },
  { name: 'webgpu', providers: ['webgpu', 'cpu'], tol: 1e-3 },
];

async function skipWithoutWebgpu(t: { skip: (m: string) => void }, providers: string[]): Promise<boolean> {
  if (providers[0] !== 'webgpu') return false;
  const p = await webgpu;
  if (p.ok) return false;
  t.skip(`no WebGPU adapter here: ${p.reason}`);
  return true;
}

const sc = fx.scenarios.full;
const { steps: _s, batch: _b, ...base } = sc.config;
const cfg = {
  ...base,
  gradAccumSteps: 1,
  dropout: true,
  maxGradNorm: 0.05,
  totalSteps: 10,
  warmupSteps: 3,
  schedule: 'linear',
  classWeights: [1, 2.5, 0.5].slice(0, C),
  threads: 1,
} as TrainConfig;
// a short last batch between full ones: the device graph takes any batch size
const fixtureBatches: Batch[] = sc.batches.map(toBatch);
const batches = [fixtureBatches[0], fixtureBatches[1], head(fixtureBatches[0], 2), ...fixtureBatches, head(fixtureBatches[1], 1)];

async function run(tr: TrainerApi, bs: Batch[]) {
  const out = [];
  for (const b of bs) out.push(await tr.step(b));
  return out;
}

for (const target of targets) {
  test(`device trainer (${target.name}) = host trainer: dropout, clipping, class weights, warmup, trainLayers, layer-wise lr decay, short batches, eval, saliency`, async (t) => {
    if (await skipWithoutWebgpu(t, target.providers)) return;
    for (const [trainLayers, layerLrDecay] of [
      ['all', undefined],
      [{ top: 1 }, undefined],
      ['all', 0.6],
    ] as const) {
      const c = { ...cfg, trainLayers, layerLrDecay };
      const host = await createTrainer(new TinyClassifier(V, H, C, 0.3), weightsOf(sc.init), c);
      // createTrainerFor picks the host trainer for the CPU provider and the device trainer otherwise; the device
      // trainer on the CPU provider is made directly
      const picked = await createTrainerFor(new TinyClassifier(V, H, C, 0.3), weightsOf(sc.init), { ...c, providers: target.providers });
      assert.equal(picked instanceof DeviceTrainer, target.providers[0] !== 'cpu');
      const dev =
        picked instanceof DeviceTrainer
          ? picked
          : await DeviceTrainer.create(new TinyClassifier(V, H, C, 0.3), weightsOf(sc.init), { ...c, providers: target.providers });
      if (picked !== dev) await picked.dispose();
      if (target.providers[0] === 'webgpu') assert.deepEqual((dev as DeviceTrainer).stateLocations, ['cpu']); // before the first step
      const want = await run(host, batches),
        got = await run(dev, batches);
      if (target.providers[0] === 'webgpu') assert.deepEqual((dev as DeviceTrainer).stateLocations, ['gpu-buffer']);
      assert.ok(
        want.some((w) => w.gradNorm > 0.05),
        'the scenario must clip',
      );
      got.forEach((r, i) => {
        assert.ok(rel(r.loss, want[i].loss) <= target.tol, `${JSON.stringify(trainLayers)} decay ${layerLrDecay} step ${i} loss ${r.loss} vs ${want[i].loss}`);
        assert.ok(rel(r.gradNorm, want[i].gradNorm) <= target.tol, `step ${i} gradNorm ${r.gradNorm} vs ${want[i].gradNorm}`);
        assert.equal(r.lr, want[i].lr, `step ${i} lr`);
        assert.equal(r.step, want[i].step);
        assert.ok(r.timings.runMs > 0 && r.timings.optimizerMs >= 0, 'timings');
      });
      assert.deepEqual(dev.state, host.state, 'same step and micro-step counters');
      const [hw, dw] = [await host.weights(), await dev.weights()];
      let worst = 0;
      for (const [n, v] of hw)
        v.forEach((x, i) => {
          worst = Math.max(worst, Math.abs(dw.get(n)![i] - x));
        });
      assert.ok(worst <= target.tol, `max |param difference| ${worst}`);
      const [hl, dl] = [await host.evaluate(batches[0]), await dev.evaluate(batches[0])];
      dl.forEach((v, i) => assert.ok(Math.abs(v - hl[i]) <= target.tol, `logit ${i}: ${v} vs ${hl[i]}`));
      const probe = { ...batches[0], labels: undefined };
      const [hs, ds] = [await host.saliency(probe), await dev.saliency(probe)];
      assert.equal(ds.gradXInput.length, probe.batch * S);
      ds.gradXInput.forEach((v, i) =>
        assert.ok(Math.abs(v - hs.gradXInput[i]) <= target.tol * (1 + Math.abs(hs.gradXInput[i])), `gradXInput ${i}: ${v} vs ${hs.gradXInput[i]}`),
      );
      ds.gradNorm.forEach((v, i) => assert.ok(Math.abs(v - hs.gradNorm[i]) <= target.tol * (1 + Math.abs(hs.gradNorm[i])), `gradNorm ${i}`));
      t.diagnostic(
        `${JSON.stringify(trainLayers)}, layer-wise decay ${layerLrDecay ?? 1}: max rel loss diff ${Math.max(...got.map((r, i) => rel(r.loss, want[i].loss))).toExponential(2)}, max |param diff| ${worst.toExponential(2)}`,
      );
      await host.dispose();
      await dev.dispose();
    }
  });

  test(`checkpoints move both ways between the host trainer and the device trainer (${target.name}); load is in place`, async (t) => {
    if (await skipWithoutWebgpu(t, target.providers)) return;
    const dir = mkdtempSync(join(tmpdir(), 'gft-devck-'));
    try {
      const c = { ...cfg, trainLayers: { top: 1 } as const };
      const mk = () => new TinyClassifier(V, H, C, 0.3);
      // reference: the host trainer uninterrupted
      const ref = await createTrainer(mk(), weightsOf(sc.init), c);
      const want = await run(ref, batches);
      // host 3 steps -> device 3 steps -> host the rest
      const h1 = await createTrainer(mk(), weightsOf(sc.init), c);
      await run(h1, batches.slice(0, 3));
      await h1.saveCheckpoint(join(dir, 'a'));
      const d = await DeviceTrainer.create(mk(), weightsOf(sc.init), { ...c, providers: target.providers });
      await d.step(batches[0]); // state that the load must replace
      assert.deepEqual(await d.loadCheckpoint(join(dir, 'a')), { step: 3, microStep: 3 });
      const mid = await run(d, batches.slice(3, 6));
      await d.saveCheckpoint(join(dir, 'b'));
      const h2 = await createTrainer(mk(), weightsOf(sc.init), c);
      assert.deepEqual(await h2.loadCheckpoint(join(dir, 'b')), { step: 6, microStep: 6 });
      const rest = await run(h2, batches.slice(6));
      [...mid, ...rest].forEach((r, i) => assert.ok(rel(r.loss, want[3 + i].loss) <= target.tol, `step ${3 + i}: ${r.loss} vs ${want[3 + i].loss}`));
      const [rw, hw] = [ref.weights(), h2.weights()];
      for (const [n, v] of rw) v.forEach((x, i) => assert.ok(Math.abs(hw.get(n)![i] - x) <= target.tol, `${n}[${i}]`));
      // a checkpoint whose frozen parameters differ (another run's) makes a new session: the frozen layer changes too
      const other = weightsOf(sc.init);
      for (const [n, v] of other) if (!n.startsWith('classifier')) v.forEach((_, i) => (v[i] += 0.01));
      const h3 = await createTrainer(mk(), other, { ...c, trainLayers: 'all' });
      await h3.saveCheckpoint(join(dir, 'c'));
      await d.loadCheckpoint(join(dir, 'c'));
      const dw = await d.weights();
      for (const [n, v] of other) v.forEach((x, i) => assert.equal(dw.get(n)![i], x, `${n}[${i}] after loading another run's checkpoint`));
      for (const x of [ref, h1, h2, h3, d]) await x.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`sentence-mean on the device trainer (${target.name}): doc_pool extra inputs, one label per document, document saliency`, async (t) => {
    if (await skipWithoutWebgpu(t, target.providers)) return;
    const { model, weights } = loadSequenceClassifier(join(__dirname, '../../fixtures/parity/bert'), { numLabels: 3, seed: 2 });
    const c: TrainConfig = {
      lr: 1e-3,
      weightDecay: 0.01,
      betas: [0.9, 0.999],
      eps: 1e-8,
      maxGradNorm: 1,
      warmupSteps: 1,
      totalSteps: 4,
      schedule: 'linear',
      gradAccumSteps: 1,
      seed: 3,
      trainLayers: 'all',
      dropout: true,
      threads: 1,
    };
    // 5 pieces of 3 documents (2, 2, 1 pieces), then 3 pieces of 2 documents, of lengths 6, 3, 5, 2, 4: packed
    // (BERT-family sentence-mean packs its pieces: models/common.ts buildPooledPacked), two pieces share a row
    const piecesOf = (counts: number[], seed: number): EncodedRow[] => {
      const n = counts.reduce((a, b) => a + b, 0);
      return Array.from({ length: n }, (_, r) => ({
        ids: Array.from({ length: 6 - ((r * 3) % 5) }, (_, j) => (j === 0 ? 2 : 5 + (((r * 6 + j) * 7 + seed * 13) % 90))),
        doc: 0,
        window: r,
      }));
    };
    const mkBatch = (counts: number[], seed: number): Batch => {
      const p = packPieces(piecesOf(counts, seed), 0);
      return {
        ...p.batch,
        labels: BigInt64Array.from(counts.map((_, d) => BigInt((d + seed) % 3))),
        extra: { ...p.extra, [DOC_POOL_INPUT]: { data: docPoolMatrix(counts), dims: [counts.length, counts.reduce((a, b) => a + b, 0)] } },
      };
    };
    const bs = [mkBatch([2, 2, 1], 0), mkBatch([1, 2], 1), mkBatch([2, 2, 1], 2)];
    assert.equal(bs[0].batch, 4, 'five pieces in four rows');
    const host = await createTrainer(new DocPoolClassifier(model), weights, c);
    const dev = await DeviceTrainer.create(new DocPoolClassifier(model), weights, { ...c, providers: target.providers });
    const want = await run(host, bs),
      got = await run(dev, bs);
    got.forEach((r, i) => assert.ok(rel(r.loss, want[i].loss) <= target.tol, `step ${i} loss ${r.loss} vs ${want[i].loss}`));
    const one = asOneDocument({ ...padBatch(piecesOf([2, 2, 1], 0), 0), docs: [0, 0, 0, 0, 0] }, true);
    const [hl, dl] = [await host.evaluate(bs[1]), await dev.evaluate(bs[1])];
    assert.equal(dl.length, 2 * 3, 'one logits row per document');
    dl.forEach((v, i) => assert.ok(Math.abs(v - hl[i]) <= target.tol, `logit ${i}`));
    const [hs, ds] = [await host.saliency(one), await dev.saliency(one)];
    assert.equal(ds.logits.length, 3, 'saliency of one document');
    ds.gradXInput.forEach((v, i) =>
      assert.ok(Math.abs(v - hs.gradXInput[i]) <= target.tol * (1 + Math.abs(hs.gradXInput[i])), `gradXInput ${i}: ${v} vs ${hs.gradXInput[i]}`),
    );
    t.diagnostic(`max rel loss diff ${Math.max(...got.map((r, i) => rel(r.loss, want[i].loss))).toExponential(2)}`);
    await host.dispose();
    await dev.dispose();
  });
  test(`packed sentence pieces of the starter model on the device trainer (${target.name}) = the host trainer`, async (t) => {
    if (await skipWithoutWebgpu(t, target.providers)) return;
    const w = loadUseLiteWeights(starterModelFiles().modelJson);
    const weights = new Map([...w.params, ...initUseLiteHead(2, 4)]);
    const model = new DocPoolClassifier(new UseLiteClassifier(2, w.timing));
    assert.equal(model.packed, true);
    const c: TrainConfig = {
      lr: 1e-3,
      weightDecay: 0.01,
      betas: [0.9, 0.999],
      eps: 1e-8,
      maxGradNorm: 1,
      warmupSteps: 0,
      totalSteps: 4,
      schedule: 'linear',
      gradAccumSteps: 1,
      seed: 3,
      trainLayers: { top: 1 },
      dropout: false,
      threads: 1,
    };
    // 2 documents of 3 and 2 pieces (lengths 6, 2, 4, 3, 5), packed into rows of 6
    const mkBatch = (seed: number): Batch => {
      const lens = [6, 2, 4, 3, 5];
      const rows = lens.map((n, r) => ({
        ids: Array.from({ length: n }, (_, j) => 10 + ((r * 31 + j * 7 + seed * 13) % 7000)),
        doc: r < 3 ? 0 : 1,
        window: r,
      }));
      const p = packPieces(rows, 0);
      return {
        ...p.batch,
        labels: BigInt64Array.from([BigInt(seed % 2), BigInt((seed + 1) % 2)]),
        extra: { ...p.extra, [DOC_POOL_INPUT]: { data: docPoolMatrix([3, 2]), dims: [2, 5] } },
      };
    };
    const bs = [mkBatch(0), mkBatch(1)];
    assert.ok(bs[0].batch < 5, `pieces share rows (${bs[0].batch} rows)`);
    const host = await createTrainer(model, weights, c);
    const dev = await DeviceTrainer.create(model, weights, { ...c, providers: target.providers });
    try {
      const want = await run(host, bs),
        got = await run(dev, bs);
      got.forEach((r, i) => assert.ok(rel(r.loss, want[i].loss) <= target.tol, `step ${i} loss ${r.loss} vs ${want[i].loss}`));
      const [hl, dl] = [await host.evaluate(bs[0]), await dev.evaluate(bs[0])];
      assert.equal(dl.length, 2 * 2, 'one logits row per document');
      dl.forEach((v, i) => assert.ok(Math.abs(v - hl[i]) <= target.tol * (1 + Math.abs(hl[i])), `logit ${i}: ${v} vs ${hl[i]}`));
    } finally {
      await host.dispose();
      await dev.dispose();
    }
  });
}
