// Document pooling (src/engine/models/docPool.ts) around USE Lite: the logits are the head applied to the mean
// of the documents' sentence embeddings (the frozen baseline's pooling), the training graph's gradients match
// central finite differences, and the trainer takes such batches (labels per document, doc_pool as extra input).
// Packed pieces (several to a row, the default for USE Lite): the same embeddings, logits, gradients, training
// steps and saliency as the pieces one per padded row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph, Program, buildTrainGraph, createTrainer } from '../../../src/engine';
import { NormalRng } from '../../../src/engine/weights/loadModel';
import { UseLiteClassifier, loadUseLiteWeights, USE_LITE_EMBEDDING_SIZE } from '../../../src/engine/models/useLite';
import { DocPoolClassifier, docPoolMatrix } from '../../../src/engine/models/docPool';
import { starterModelFiles } from '../../../src/host/models/starter';
import { packPieces } from '../../../src/host/train/docPool';
import { assertPackedLogitsAndGradients, assertPackedTrainerAlike } from '../engine/packedParity';
import type { EncodedRow } from '../../../src/host/tokenize';

const weights = loadUseLiteWeights(starterModelFiles().modelJson);
const inner = new UseLiteClassifier(2, weights.timing);
// the padded graph (one piece per row) is checked here; the packed one (the default) against it below
const model = new DocPoolClassifier(inner, false);
const packedModel = new DocPoolClassifier(inner);
const rng = new NormalRng(5);
const values = new Map<string, Float32Array>(weights.params);
values.set(
  'classifier.weight',
  Float32Array.from({ length: 2 * USE_LITE_EMBEDDING_SIZE }, () => 0.15 * rng.next()),
);
values.set('classifier.bias', Float32Array.from([0.1, -0.2]));

// Two documents: 3 pieces and 2 pieces, of different lengths (right-padded to 7).
const counts = [3, 2];
const lens = [7, 4, 5, 6, 3];
const seq = 7;
const rows = lens.length;
const ids = BigInt64Array.from({ length: rows * seq }, (_, i) => BigInt(10 + ((i * 613) % 7900)));
const mask = BigInt64Array.from({ length: rows * seq }, (_, i) => (i % seq < lens[Math.floor(i / seq)] ? 1n : 0n));
const pool = docPoolMatrix(counts);
const labels = BigInt64Array.from([1n, 0n]);

const feedsOf = (w: Map<string, Float32Array>) => {
  const f: Record<string, { data: Float32Array | BigInt64Array; dims: number[] }> = {
    input_ids: { data: ids, dims: [rows, seq] },
    attention_mask: { data: mask, dims: [rows, seq] },
    doc_pool: { data: pool, dims: [counts.length, rows] },
    labels: { data: labels, dims: [counts.length] },
  };
  for (const p of model.params) f[p.name] = { data: w.get(p.name)!, dims: p.shape };
  return f;
};

test("docPoolMatrix: 1/n over each document's own pieces; rejects empty documents", () => {
  assert.deepEqual(Array.from(docPoolMatrix([2, 1])), [0.5, 0.5, 0, 0, 0, 1]);
  assert.throws(() => docPoolMatrix([2, 0]), /document 1 has 0 pieces/);
});

test("doc-pool logits = head(sqrt(512) x mean of the pieces' USE embeddings)", async () => {
  const pg = new Graph({ training: false });
  pg.output('embedding', inner.buildPooled(pg));
  const lg = new Graph({ training: false });
  lg.output('logits', model.buildLogits(lg).logits);
  const [pp, lp] = await Promise.all([Program.compile(pg), Program.compile(lg)]);
  try {
    const emb = (await pp.run(feedsOf(values))).embedding.data as Float32Array;
    const logits = (await lp.run(feedsOf(values))).logits.data as Float32Array;
    assert.equal(logits.length, 4);
    const W = values.get('classifier.weight')!;
    const b = values.get('classifier.bias')!;
    let at = 0;
    counts.forEach((c, d) => {
      for (let k = 0; k < 2; k++) {
        let z = b[k];
        for (let j = 0; j < USE_LITE_EMBEDDING_SIZE; j++) {
          let mean = 0;
          for (let r = at; r < at + c; r++) mean += emb[r * USE_LITE_EMBEDDING_SIZE + j] / c;
          z += W[k * USE_LITE_EMBEDDING_SIZE + j] * Math.sqrt(USE_LITE_EMBEDDING_SIZE) * mean;
        }
        assert.ok(Math.abs(logits[d * 2 + k] - z) < 1e-4, `doc ${d} class ${k}: ${logits[d * 2 + k]} vs ${z}`);
      }
      at += c;
    });
  } finally {
    await Promise.all([pp.dispose(), lp.dispose()]);
  }
});

test('doc-pool training graph: gradients match finite differences (encoder, pooler, head)', async () => {
  const tg = buildTrainGraph(model, { trainable: () => true, dropout: false, seed: 1, sparseMinElements: Infinity });
  const program = await Program.compile(tg.graph, { threads: 1 });
  try {
    const base = await program.run(feedsOf(values));
    // Small steps: at 1e-4 along a full random direction the qkv curvature shifts the difference by ~10%
    // (measured: -1.61 / -1.46 / -1.29 at 3e-4 / 1e-4 / 3e-5 against analytic -1.296).
    const eps = 3e-5;
    for (const name of [
      'encoder.layer.0.attention.qkv.weight',
      'encoder.layer.1.ffn.conv1.weight',
      'pooler.tanh.weight',
      'classifier.weight',
      'classifier.bias',
    ]) {
      const gr = base[`grad/${name}`].data as Float32Array;
      const d = Float32Array.from(values.get(name)!, () => rng.next());
      let analytic = 0;
      for (let i = 0; i < d.length; i++) analytic += gr[i] * d[i];
      const shifted = (s: number) => new Map([...values].map(([k, v]) => [k, k === name ? Float32Array.from(v, (x, i) => x + s * eps * d[i]) : v]));
      const lp = (await program.run(feedsOf(shifted(1)), ['loss'])).loss.data[0] as number;
      const lm = (await program.run(feedsOf(shifted(-1)), ['loss'])).loss.data[0] as number;
      const numeric = (lp - lm) / (2 * eps);
      assert.ok(Math.abs(analytic) > 0.02, `${name}: gradient too small to check (${analytic})`);
      assert.ok(Math.abs(numeric - analytic) <= 0.03 * Math.abs(analytic), `${name}: analytic ${analytic} vs numeric ${numeric}`);
    }
  } finally {
    await program.dispose();
  }
});

test('trainer: doc-pool batches (labels per document) train and evaluate one row per document', async () => {
  const tr = await createTrainer(model, values, {
    lr: 1e-3,
    weightDecay: 0,
    betas: [0.9, 0.999],
    eps: 1e-8,
    maxGradNorm: 1,
    warmupSteps: 0,
    totalSteps: 10,
    schedule: 'constant',
    gradAccumSteps: 1,
    seed: 1,
    trainLayers: { top: 1 },
    dropout: true,
  });
  try {
    const batch = { inputIds: ids, attentionMask: mask, labels, batch: rows, seq, extra: { doc_pool: { data: pool, dims: [counts.length, rows] } } };
    const losses: number[] = [];
    for (let i = 0; i < 5; i++) losses.push((await tr.step(batch)).loss);
    assert.ok(losses.every(Number.isFinite));
    assert.ok(losses[4] < losses[0], `loss falls: ${losses.map((l) => l.toFixed(4))}`);
    const logits = await tr.evaluate(batch);
    assert.equal(logits.length, counts.length * 2);
  } finally {
    await tr.dispose();
  }
});

test('layer-wise learning-rate decay on the starter model with sentence-mean pooling: head lr, layers lr x X^k, embeddings lowest', async () => {
  // Adam's first update from zero moments moves each weight by about lr (sign-like): the largest move of each
  // tensor is its group's learning rate. Starter model: 2 layers, so the top layer X, layer 1 X^2, embeddings X^3.
  const X = 0.5;
  const tr = await createTrainer(model, values, {
    lr: 1e-2,
    weightDecay: 0,
    betas: [0.9, 0.999],
    eps: 1e-12,
    maxGradNorm: 0,
    warmupSteps: 0,
    totalSteps: 1,
    schedule: 'constant',
    gradAccumSteps: 1,
    seed: 1,
    trainLayers: 'all',
    layerLrDecay: X,
    dropout: false,
  });
  try {
    await tr.step({ inputIds: ids, attentionMask: mask, labels, batch: rows, seq, extra: { doc_pool: { data: pool, dims: [counts.length, rows] } } });
    const L = model.numLayers;
    assert.equal(L, 2);
    for (const [n, w] of tr.weights()) {
      const p = model.params.find((q) => q.name === n)!;
      const before = values.get(n)!;
      const moved = w.reduce((m, v, i) => Math.max(m, Math.abs(v - before[i])), 0);
      const k = p.group === 'head' ? 0 : p.group.startsWith('layer.') ? L - Number(p.group.slice(6)) : L + 1;
      assert.ok(Math.abs(moved / (1e-2 * X ** k) - 1) < 1e-3, `${n} (${p.group}): moved ${moved}, want ${1e-2 * X ** k}`);
    }
  } finally {
    await tr.dispose();
  }
});

// The same five pieces as EncodedRows (their ids as in `ids` above), packed several to a row.
const pieceRows: EncodedRow[] = lens.map((n, r) => ({
  ids: Array.from({ length: n }, (_, j) => Number(ids[r * seq + j])),
  doc: r < counts[0] ? 0 : 1,
  window: r,
}));
const packed = packPieces(pieceRows, 0);
const packedFeedsOf = (w: Map<string, Float32Array>) => {
  const f: Record<string, { data: Float32Array | BigInt64Array; dims: number[] }> = {
    input_ids: { data: packed.batch.inputIds, dims: [packed.batch.batch, packed.batch.seq] },
    ...packed.extra,
    doc_pool: { data: pool, dims: [counts.length, rows] },
    labels: { data: labels, dims: [counts.length] },
  };
  for (const p of packedModel.params) f[p.name] = { data: w.get(p.name)!, dims: p.shape };
  return f;
};

test('packPieces: every piece once, longest first into the first row with room, rows as long as the longest piece', () => {
  assert.equal(packedModel.packed, true);
  assert.deepEqual(packedModel.inputNames, ['input_ids']);
  // lengths 7, 4, 5, 6, 3 into rows of 7: [7], [6], [5], [4, 3]
  assert.equal(packed.batch.seq, 7);
  assert.equal(packed.batch.batch, 4);
  const seen = new Map<number, number>();
  const pp = packed.extra.piece_pool.data as Float32Array;
  const segs = packed.extra.segment_ids.data as BigInt64Array;
  const pos = packed.extra.position_ids.data as BigInt64Array;
  const T = packed.batch.batch * packed.batch.seq;
  assert.deepEqual(packed.extra.piece_pool.dims, [lens.length, T]);
  pieceRows.forEach((r, p) => {
    const at = [...Array(T).keys()].filter((i) => pp[p * T + i] !== 0);
    assert.equal(at.length, r.ids.length, `piece ${p}: ${at.length} tokens`);
    at.forEach((i, j) => {
      assert.ok(Math.abs(pp[p * T + i] - 1 / r.ids.length) < 1e-7);
      assert.equal(Number(packed.batch.inputIds[i]), r.ids[j], `piece ${p} token ${j}`);
      assert.equal(Number(pos[i]), j);
      assert.equal(packed.batch.attentionMask[i], 1n);
      assert.equal(Math.floor(at[0] / packed.batch.seq), Math.floor(i / packed.batch.seq), 'one piece stays in one row');
      assert.equal(segs[i], segs[at[0]], 'one segment id per piece');
      assert.ok(!seen.has(i), `position ${i} holds two pieces`);
      seen.set(i, p);
    });
  });
  // padding: segment 0, pad id, mask 0
  for (let i = 0; i < T; i++) if (!seen.has(i)) assert.deepEqual([segs[i], packed.batch.inputIds[i], packed.batch.attentionMask[i]], [0n, 0n, 0n]);
  assert.deepEqual(packPieces(pieceRows, 0), packed, 'deterministic');
  // an empty piece takes no place and pools nothing
  const withEmpty = packPieces([...pieceRows, { ids: [], doc: 1, window: 5 }], 0);
  assert.equal(withEmpty.batch.batch, 4);
  assert.ok((withEmpty.extra.piece_pool.data as Float32Array).subarray(5 * T, 6 * T).every((v) => v === 0));
});

test('packed pieces: the same logits and training gradients as one piece per padded row', async () => {
  assert.deepEqual(await assertPackedLogitsAndGradients(model, packedModel, feedsOf(values), packedFeedsOf(values)), [], 'every parameter has a gradient');
});

test('trainer with packed pieces: the padded steps, evaluation per piece and document saliency', async () => {
  const cfg = {
    lr: 1e-3,
    weightDecay: 0.01,
    betas: [0.9, 0.999] as [number, number],
    eps: 1e-8,
    maxGradNorm: 1,
    warmupSteps: 0,
    totalSteps: 10,
    schedule: 'constant' as const,
    gradAccumSteps: 1,
    seed: 1,
    trainLayers: { top: 1 },
    dropout: true,
    threads: 1,
  };
  const [ta, tb] = await Promise.all([createTrainer(model, values, cfg), createTrainer(packedModel, values, cfg)]);
  try {
    const padded = { inputIds: ids, attentionMask: mask, labels, batch: rows, seq, extra: { doc_pool: { data: pool, dims: [counts.length, rows] } } };
    const pk = { ...packed.batch, labels, extra: { ...packed.extra, doc_pool: { data: pool, dims: [counts.length, rows] } } };
    await assertPackedTrainerAlike(ta, tb, padded, pk, { inputIds: ids, attentionMask: mask, batch: rows, seq, docs: [0, 0, 0, 1, 1] });
  } finally {
    await Promise.all([ta.dispose(), tb.dispose()]);
  }
});
