// Saliency of a document-pooling ('sentence-mean') model: fed one document's sentences as one document, the
// engine differentiates the DOCUMENT's top logit (the mean of its sentences' logits, as evaluation computes it)
// w.r.t. every token embedding of every sentence. Checked for BERT (whose own head reads [CLS] through the pooler,
// unlike the pooled head) against a finite difference: scaling one token's word-embedding row by (1 + e) moves the
// top logit by e * gradXInput (measured: -0.06521 vs -0.06539).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createTrainer, type Batch, type TrainConfig } from '../../../src/engine';
import { loadSequenceClassifier } from '../../../src/engine/models';
import { DocPoolClassifier } from '../../../src/engine/models/docPool';
import { asOneDocument, withPiecePool } from '../../../src/host/train/docPool';

const cfg: TrainConfig = {
  lr: 1e-3,
  weightDecay: 0,
  betas: [0.9, 0.999],
  eps: 1e-8,
  maxGradNorm: 0,
  warmupSteps: 0,
  totalSteps: 1,
  schedule: 'constant',
  gradAccumSteps: 1,
  seed: 1,
  trainLayers: 'all',
  dropout: false,
  threads: 1,
};
// three sentences of different lengths, right-padded with id 0; token 57 occurs once (row 1, position 2)
const rows = [
  [2, 11, 23, 35, 3],
  [2, 44, 57, 9, 3],
  [2, 61, 3],
];
const S = 5;
const ids = BigInt64Array.from(rows.flatMap((r) => [...r, ...Array(S - r.length).fill(0)]).map(BigInt));
const mask = BigInt64Array.from(rows.flatMap((r) => [...r.map(() => 1), ...Array(S - r.length).fill(0)]).map(BigInt));
// the batches the host builds for the trainer's graph, which reads packed pieces (here one per row)
const tokens = { inputIds: ids, attentionMask: mask, tokenTypeIds: new BigInt64Array(ids.length), batch: rows.length, seq: S, docs: rows.map(() => 0) };
const oneDoc: Batch = asOneDocument(tokens, true);
const perPiece: Batch = withPiecePool(tokens, true);

test('document-pooling saliency differentiates the document logit w.r.t. the tokens of every sentence (BERT)', async () => {
  const { model, weights } = loadSequenceClassifier(join(__dirname, '../../fixtures/parity/bert'), { numLabels: 3, seed: 2 });
  const doc = new DocPoolClassifier(model);
  assert.equal(doc.packed, true);
  const tr = await createTrainer(doc, weights, cfg);
  try {
    const k = 3;
    const pieces = await tr.evaluate(perPiece);
    const mean = Array.from({ length: k }, (_, c) => (pieces[c] + pieces[k + c] + pieces[2 * k + c]) / 3);
    const sal = await tr.saliency(oneDoc);
    assert.equal(sal.logits.length, k, 'one logit row: the document');
    sal.logits.forEach((v, c) => assert.ok(Math.abs(v - mean[c]) < 1e-5, `document logit ${c}: ${v} vs mean of sentences ${mean[c]}`));
    assert.equal(sal.gradXInput.length, rows.length * S);
    rows.forEach((r, i) => {
      for (let j = 0; j < S; j++) {
        const g = sal.gradXInput[i * S + j];
        if (j < r.length) assert.ok(g !== 0, `token ${j} of sentence ${i} has a gradient`);
        else assert.equal(g, 0, `padding ${j} of sentence ${i}`);
      }
    });
    // finite difference through token 57's word-embedding row
    const top = sal.logits.indexOf(Math.max(...sal.logits));
    const name = 'bert.embeddings.word_embeddings.weight';
    const eps = 1e-3;
    const scaled = new Map(weights);
    const w = Float32Array.from(weights.get(name)!);
    const H = w.length / 100;
    for (let h = 0; h < H; h++) w[57 * H + h] *= 1 + eps;
    scaled.set(name, w);
    const tr2 = await createTrainer(doc, scaled, cfg);
    try {
      const moved = (await tr2.saliency(oneDoc)).logits[top];
      const fd = (moved - sal.logits[top]) / eps;
      const an = sal.gradXInput[1 * S + 2];
      assert.ok(Math.abs(fd - an) < 2e-2 * Math.max(1e-3, Math.abs(an)) + 2e-4, `finite difference ${fd} vs gradXInput ${an}`);
    } finally {
      await tr2.dispose();
    }
  } finally {
    await tr.dispose();
  }
});
