// Packed sentence pieces for the BERT-family encoders (BERT, DistilBERT, RoBERTa): several pieces share a row, each
// with its own positions and attending to its own tokens only (models/common.ts buildPooledPacked). The logits,
// every parameter's gradient, three trainer steps, the per-piece evaluation and the document saliency equal those
// of the same pieces one per padded row (the layout sentence-mean used before packing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph, Program, buildTrainGraph, createTrainer, type TrainConfig } from '../../../src/engine';
import { DocPoolClassifier, docPoolMatrix, readsPackedPieces } from '../../../src/engine/models/docPool';
import { NormalRng } from '../../../src/engine/models';
import { asOneDocument, packPieces, withPiecePool } from '../../../src/host/train/docPool';
import type { EncodedRow } from '../../../src/host/tokenize';
import { ARCHS, tinyModel } from '../export/tiny';

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
    const logitsProgram = (m: DocPoolClassifier) => {
      const g = new Graph({ training: false });
      g.output('logits', m.buildLogits(g).logits);
      return Program.compile(g);
    };
    const [a, b] = await Promise.all([logitsProgram(padded), logitsProgram(packedModel)]);
    try {
      const want = (await a.run(paddedFeeds(weights))).logits.data as Float32Array;
      const got = (await b.run(packedFeeds(weights))).logits.data as Float32Array;
      assert.equal(got.length, counts.length * 2);
      assert.ok(Math.abs(want[0] - want[1]) > 1e-3, 'the logits differ between classes');
      want.forEach((v, i) => assert.ok(Math.abs(got[i] - v) <= 1e-5 * Math.max(1, Math.abs(v)), `logit ${i}: packed ${got[i]} vs padded ${v}`));
    } finally {
      await Promise.all([a.dispose(), b.dispose()]);
    }
    const opts = { trainable: () => true, dropout: false, seed: 1, sparseMinElements: Infinity };
    const [pa, pb] = await Promise.all([
      Program.compile(buildTrainGraph(padded, opts).graph, { threads: 1 }),
      Program.compile(buildTrainGraph(packedModel, opts).graph, { threads: 1 }),
    ]);
    try {
      const ra = await pa.run(paddedFeeds(weights));
      const rb = await pb.run(packedFeeds(weights));
      assert.ok(Math.abs(Number(ra.loss.data[0]) - Number(rb.loss.data[0])) < 1e-5, `loss ${rb.loss.data[0]} vs ${ra.loss.data[0]}`);
      for (const p of inner.params) {
        const ga = ra[`grad/${p.name}`].data as Float32Array;
        const gb = rb[`grad/${p.name}`].data as Float32Array;
        let diff = 0,
          norm = 0;
        for (let i = 0; i < ga.length; i++) {
          diff += (ga[i] - gb[i]) ** 2;
          norm += ga[i] ** 2;
        }
        // BERT's pooler (dense on [CLS]) and the unused token type row have no gradient through mean pooling
        if (norm === 0) {
          assert.equal(diff, 0, `${p.name}: no gradient padded, none packed`);
          continue;
        }
        // + 1e-7: the key bias's gradient is 0 in exact arithmetic (softmax ignores a shift shared by a query's keys)
        assert.ok(Math.sqrt(diff) <= 1e-4 * Math.sqrt(norm) + 1e-7, `${p.name}: |packed - padded| ${Math.sqrt(diff)} vs |padded| ${Math.sqrt(norm)}`);
      }
      const checked = inner.params.filter((p) => (ra[`grad/${p.name}`].data as Float32Array).some((v) => v !== 0));
      assert.ok(
        checked.some((p) => p.name.includes('position_embeddings')) || config.sinusoidalPositions,
        'the position table has a gradient (positions are read per piece)',
      );
    } finally {
      await Promise.all([pa.dispose(), pb.dispose()]);
    }
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
      const losses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const [la, lb] = [(await ta.step(paddedBatch)).loss, (await tb.step(packedBatch)).loss];
        assert.ok(Math.abs(la - lb) < 1e-5, `step ${i}: packed loss ${lb} vs padded ${la}`);
        losses.push(lb);
      }
      assert.ok(losses[2] < losses[0], `the loss falls: ${losses}`);
      const tokens = { inputIds: ids, attentionMask: mask, ...tokenTypeIds, batch: rows, seq, docs: [0, 0, 0, 1, 1] };
      const ea = await ta.evaluate(withPiecePool(tokens));
      const eb = await tb.evaluate(withPiecePool(tokens, true));
      assert.equal(eb.length, rows * 2);
      ea.forEach((v, i) => assert.ok(Math.abs(eb[i] - v) < 1e-4, `piece logit ${i}: ${eb[i]} vs ${v}`));
      const sa = await ta.saliency(asOneDocument(tokens));
      const sb = await tb.saliency(asOneDocument(tokens, true));
      sa.logits.forEach((v, i) => assert.ok(Math.abs(sb.logits[i] - v) < 1e-4, `document logit ${i}`));
      assert.equal(sb.gradXInput.length, rows * seq);
      assert.ok(sa.gradXInput.some((v) => v !== 0));
      sa.gradXInput.forEach((v, i) =>
        assert.ok(Math.abs(sb.gradXInput[i] - v) <= 1e-3 * Math.abs(v) + 1e-6, `token ${i}: saliency ${sb.gradXInput[i]} vs ${v}`),
      );
    } finally {
      await Promise.all([ta.dispose(), tb.dispose()]);
    }
  });
}
