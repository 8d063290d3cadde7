// Shared checks of packed sentence pieces against the same pieces one per padded row (the starter's and the BERT
// family's tests): the logits, the training loss and every parameter's gradient; then trainer steps, per-piece
// evaluation and document saliency.
import assert from 'node:assert/strict';
import { Graph, Program, buildTrainGraph, type Batch, type TensorData, type TrainerApi } from '../../../src/engine';
import type { DocPoolClassifier } from '../../../src/engine/models/docPool';
import { asOneDocument, withPiecePool } from '../../../src/host/train/docPool';
import type { TokenBatch } from '../../../src/host/tokenize';

type Feeds = Record<string, TensorData>;

/**
 * The packed model's logits equal the padded model's (within 1e-5, relative above 1), and so do the training loss and
 * every parameter's gradient (within 1e-4 of its norm, + 1e-7: a gradient that is 0 in exact arithmetic, like the
 * key bias's, carries rounding only). Returns the names of the parameters without a gradient (the same both ways).
 */
export async function assertPackedLogitsAndGradients(
  padded: DocPoolClassifier,
  packed: DocPoolClassifier,
  paddedFeeds: Feeds,
  packedFeeds: Feeds,
): Promise<string[]> {
  const logitsProgram = (m: DocPoolClassifier) => {
    const g = new Graph({ training: false });
    g.output('logits', m.buildLogits(g).logits);
    return Program.compile(g);
  };
  const [a, b] = await Promise.all([logitsProgram(padded), logitsProgram(packed)]);
  try {
    const want = (await a.run(paddedFeeds)).logits.data as Float32Array;
    const got = (await b.run(packedFeeds)).logits.data as Float32Array;
    assert.equal(got.length, want.length);
    assert.ok(Math.abs(want[0] - want[1]) > 1e-3, 'the logits differ between classes');
    want.forEach((v, i) => assert.ok(Math.abs(got[i] - v) <= 1e-5 * Math.max(1, Math.abs(v)), `logit ${i}: packed ${got[i]} vs padded ${v}`));
  } finally {
    await Promise.all([a.dispose(), b.dispose()]);
  }
  const opts = { trainable: () => true, dropout: false, seed: 1, sparseMinElements: Infinity };
  const [pa, pb] = await Promise.all([
    Program.compile(buildTrainGraph(padded, opts).graph, { threads: 1 }),
    Program.compile(buildTrainGraph(packed, opts).graph, { threads: 1 }),
  ]);
  try {
    const ra = await pa.run(paddedFeeds);
    const rb = await pb.run(packedFeeds);
    assert.ok(Math.abs(Number(ra.loss.data[0]) - Number(rb.loss.data[0])) < 1e-5, `loss ${rb.loss.data[0]} vs ${ra.loss.data[0]}`);
    const none: string[] = [];
    for (const p of padded.params) {
      const ga = ra[`grad/${p.name}`].data as Float32Array;
      const gb = rb[`grad/${p.name}`].data as Float32Array;
      let diff = 0,
        norm = 0;
      for (let i = 0; i < ga.length; i++) {
        diff += (ga[i] - gb[i]) ** 2;
        norm += ga[i] ** 2;
      }
      if (norm === 0) none.push(p.name);
      assert.ok(Math.sqrt(diff) <= 1e-4 * Math.sqrt(norm) + 1e-7, `${p.name}: |packed - padded| ${Math.sqrt(diff)} vs |padded| ${Math.sqrt(norm)}`);
    }
    return none;
  } finally {
    await Promise.all([pa.dispose(), pb.dispose()]);
  }
}

/**
 * Two trainers from the same weights, one fed `paddedBatch`, one `packedBatch`: three steps' losses within 1e-5 (the
 * loss falls), the per-piece logits of `tokens` within 1e-4 and its document saliency within 1e-3 relative.
 */
export async function assertPackedTrainerAlike(ta: TrainerApi, tb: TrainerApi, paddedBatch: Batch, packedBatch: Batch, tokens: TokenBatch): Promise<void> {
  const losses: number[] = [];
  for (let i = 0; i < 3; i++) {
    const [la, lb] = [(await ta.step(paddedBatch)).loss, (await tb.step(packedBatch)).loss];
    assert.ok(Math.abs(la - lb) < 1e-5, `step ${i}: packed loss ${lb} vs padded ${la}`);
    losses.push(lb);
  }
  assert.ok(losses[2] < losses[0], `the loss falls: ${losses}`);
  const ea = await ta.evaluate(withPiecePool(tokens));
  const eb = await tb.evaluate(withPiecePool(tokens, true));
  assert.equal(eb.length, ea.length);
  ea.forEach((v, i) => assert.ok(Math.abs(eb[i] - v) < 1e-4, `piece logit ${i}: ${eb[i]} vs ${v}`));
  const sa = await ta.saliency(asOneDocument(tokens));
  const sb = await tb.saliency(asOneDocument(tokens, true));
  sa.logits.forEach((v, i) => assert.ok(Math.abs(sb.logits[i] - v) < 1e-4, `document logit ${i}`));
  assert.equal(sb.gradXInput.length, tokens.batch * tokens.seq);
  assert.ok(sa.gradXInput.some((v) => v !== 0));
  sa.gradXInput.forEach((v, i) => assert.ok(Math.abs(sb.gradXInput[i] - v) <= 1e-3 * Math.abs(v) + 1e-7, `token ${i}: saliency ${sb.gradXInput[i]} vs ${v}`));
}
