// Packed sentence pieces for the BERT-family encoders (BERT, DistilBERT, RoBERTa): several pieces share a row, each
// with its own positions and attending to its own tokens only (models/common.ts buildPooledPacked). The logits,
// every parameter's gradient, three trainer steps, the per-piece evaluation and the document saliency equal those
// of the same pieces one per padded row (the layout sentence-mean used before packing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTrainer, type TrainConfig } from '../../../src/engine';
import { DocPoolClassifier, docPoolMatrix, readsPackedPieces } from '../../../src/engine/models/docPool';
import { NormalRng } from '../../../src/engine/models';
import { packPieces } from '../../../src/host/train/docPool';
import type { EncodedRow } from '../../../src/host/tokenize';
import { ARCHS, tinyModel } from '../export/tiny';
import { assertPackedLogitsAndGradients, assertPackedTrainerAlike } from './packedParity';

const VOCAB = 65;
// Two documents: 3 pieces and 2 pieces; lengths 9, 4, 5, 6, 3 pack into rows of 9 as [9], [6, 3], [5, 4]
const counts = [3, 2];
const lens = [9, 4, 5, 6, 3];
const seq = Math.max(...lens);
const rows = lens.length;
const pool = docPoolMatrix(counts);
const labels = BigInt64Array.from([1n, 0n]);

function piecesOf(seed: number, pad: number): { pieces: EncodedRow[]; ids: BigInt64Array; mask: BigInt64Array } {
  const rng = new NormalRng(seed);
  // ids 5..64: no special or pad id inside a piece (RoBERTa numbers the positions of its non-pad tokens)
  const pieces = lens.map((n, r) => ({
    ids: Array.from({ length: n }, () => 5 + Math.floor(rng.uniform() * (VOCAB - 5))),
    doc: r < counts[0] ? 0 : 1,
    window: r,
  }));
  const ids = new BigInt64Array(rows * seq).fill(BigInt(pad));
  const mask = new BigInt64Array(rows * seq);
  pieces.forEach((p, r) =>
    p.ids.forEach((id, j) => {
      ids[r * seq + j] = BigInt(id);
      mask[r * seq + j] = 1n;
    }),
  );
  return { pieces, ids, mask };
}

for (const arch of ARCHS) {
  const { model: inner, weights, config } = tinyModel(arch, VOCAB, 3);
  const padded = new DocPoolClassifier(inner, false);
  const packedModel = new DocPoolClassifier(inner);
  const { pieces, ids, mask } = piecesOf(7, config.padTokenId);
  const packed = packPieces(pieces, config.padTokenId, { tokenTypeIds: arch === 'bert' });
  const params = (w: Map<string, Float32Array>) => Object.fromEntries(inner.params.map((p) => [p.name, { data: w.get(p.name)!, dims: p.shape }]));
  const paddedFeeds = (w: Map<string, Float32Array>) => ({
    input_ids: { data: ids, dims: [rows, seq] },
    attention_mask: { data: mask, dims: [rows, seq] },
    ...(arch === 'bert' ? { token_type_ids: { data: new BigInt64Array(rows * seq), dims: [rows, seq] } } : {}),
    doc_pool: { data: pool, dims: [counts.length, rows] },
    labels: { data: labels, dims: [counts.length] },
    ...params(w),
  });
  const packedFeeds = (w: Map<string, Float32Array>) => ({
    input_ids: { data: packed.batch.inputIds, dims: [packed.batch.batch, packed.batch.seq] },
    ...packed.extra,
    doc_pool: { data: pool, dims: [counts.length, rows] },
    labels: { data: labels, dims: [counts.length] },
    ...params(w),
  });

  test(`${arch}: sentence-mean packs pieces; packed logits and every gradient equal one piece per padded row`, async () => {
    assert.equal(readsPackedPieces(inner), true);
    assert.equal(packedModel.packed, true);
    assert.deepEqual(packedModel.inputNames, ['input_ids']);
    assert.equal(packed.batch.batch, 3, 'five pieces in three rows');
    const none = await assertPackedLogitsAndGradients(padded, packedModel, paddedFeeds(weights), packedFeeds(weights));
    // without a gradient through mean pooling: the model's own head before its last linear layer, which reads [CLS] / <s>
    const unused = { bert: ['bert.pooler.dense'], distilbert: ['pre_classifier'], roberta: ['classifier.dense'] }[arch];
    assert.deepEqual(
      none,
      unused.flatMap((n) => [`${n}.weight`, `${n}.bias`]),
    );
    assert.ok(config.sinusoidalPositions || !none.some((n) => n.includes('position_embeddings')), 'the position table has a gradient');
  });

  test(`${arch}: the trainer with packed pieces takes the padded steps, evaluates per piece and explains documents alike`, async () => {
    const cfg: TrainConfig = {
      lr: 1e-3,
      weightDecay: 0.01,
      betas: [0.9, 0.999],
      eps: 1e-8,
      maxGradNorm: 1,
      warmupSteps: 0,
      totalSteps: 10,
      schedule: 'constant',
      gradAccumSteps: 1,
      seed: 1,
      trainLayers: { top: 1 },
      // the encoder's dropout masks are shaped per row, so packed and padded draw different ones
      dropout: false,
      threads: 1,
    };
    const [ta, tb] = await Promise.all([createTrainer(padded, weights, cfg), createTrainer(packedModel, weights, cfg)]);
    try {
      const tokenTypeIds = arch === 'bert' ? { tokenTypeIds: new BigInt64Array(rows * seq) } : {};
      const paddedBatch = {
        inputIds: ids,
        attentionMask: mask,
        ...tokenTypeIds,
        labels,
        batch: rows,
        seq,
        extra: { doc_pool: { data: pool, dims: [counts.length, rows] } },
      };
      const packedBatch = { ...packed.batch, labels, extra: { ...packed.extra, doc_pool: { data: pool, dims: [counts.length, rows] } } };
      const tokens = { inputIds: ids, attentionMask: mask, ...tokenTypeIds, batch: rows, seq, docs: [0, 0, 0, 1, 1] };
      await assertPackedTrainerAlike(ta, tb, paddedBatch, packedBatch, tokens);
    } finally {
      await Promise.all([ta.dispose(), tb.dispose()]);
    }
  });
}
