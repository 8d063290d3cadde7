// Long-text strategy 'sentence-mean' (src/host/train/docPool.ts): sentence pieces, seeded sampling, batches
// with doc_pool weights, and a small fine-tuning run on multi-sentence texts (loss falls; cancel + resume
// reproduces the uninterrupted run; predicting from the run reads every sentence).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { predictTexts } from '../../../src/host/jobs';
import { runFinetune } from '../../../src/host/train';
import { docPoolTrainBatch, encodeSentencePieces, piecesByDocument, samplePieces, splitSentences, withPiecePool } from '../../../src/host/train/docPool';
import { readRun } from '../../../src/host/runs';
import type { TrainParams } from '../../../src/protocol';
import type { TextTokenizer } from '../../../src/host/tokenize';
import { mulberry32 } from '../../../src/shared/prng';
import { tempDir } from '../tempDir';

// A word-per-id tokenizer with [CLS]/[SEP], enough to check piece boundaries and specials.
const vocab = new Map<string, number>();
const tok: TextTokenizer = {
  name: 'words',
  specials: { prefix: [1], suffix: [2], pad: 0 },
  usesTokenTypeIds: false,
  modelMaxLength: 6,
  encode: (t) =>
    t
      .split(/\s+/)
      .filter(Boolean)
      .map((w) => vocab.get(w) ?? (vocab.set(w, vocab.size + 3), vocab.size + 2)),
};

test('splitSentences: lines, or sentence punctuation in a one-line text', () => {
  assert.deepEqual(splitSentences('a b.\n\n c d \n'), ['a b.', 'c d']);
  assert.deepEqual(splitSentences('It was good. Really! Was it? yes'), ['It was good.', 'Really!', 'Was it?', 'yes']);
  assert.deepEqual(splitSentences('  '), []);
});

test('encodeSentencePieces: one row per sentence, long ones cut into maxLength windows with specials', () => {
  const rows = encodeSentencePieces(
    tok,
    [
      { text: 'a b\nc d e f g h', label: 1 },
      { text: '', label: 0 },
    ],
    6,
  );
  assert.deepEqual(
    rows.map((r) => [r.doc, r.window, r.ids.length, r.ids[0], r.ids[r.ids.length - 1]]),
    [
      [0, 0, 4, 1, 2],
      [0, 1, 6, 1, 2],
      [0, 2, 4, 1, 2],
      [1, 0, 2, 1, 2], // 'c d e f' then 'g h'
    ],
  );
  assert.throws(() => piecesByDocument(rows, 3), /document 2 has no pieces/);
});

test('sampling and batches: deterministic per (seed, epoch, step, doc), 1/n pooling, one label per text', () => {
  const rnd = mulberry32(1);
  const docs = Array.from({ length: 4 }, (_, d) => ({
    text: Array.from({ length: 3 + d * 2 }, (_, s) => `w${s} x${Math.floor(rnd() * 9)}`).join('\n'),
    label: d % 2,
  }));
  const byDoc = piecesByDocument(encodeSentencePieces(tok, docs, 6), docs.length);
  const a = samplePieces(byDoc[3], 4, 42, 1, 5, 3);
  assert.deepEqual(a, samplePieces(byDoc[3], 4, 42, 1, 5, 3));
  assert.equal(a.length, 4);
  assert.deepEqual(
    a.map((r) => r.window),
    [...a.map((r) => r.window)].sort((x, y) => x - y),
    'kept in text order',
  );
  const draws = new Set(
    [0, 1, 2, 3, 4, 5].map((step) =>
      samplePieces(byDoc[3], 4, 42, 1, step, 3)
        .map((r) => r.window)
        .join(','),
    ),
  );
  assert.ok(draws.size > 1, 'other steps draw other sentences');
  assert.equal(samplePieces(byDoc[0], 4, 42, 1, 5, 0).length, 3, 'a short text gives all its sentences');

  const b = docPoolTrainBatch(byDoc, [2, 0], { k: 4, seed: 42, epoch: 0, step: 0, pad: 0 });
  assert.equal(b.batch, 4 + 3);
  assert.deepEqual(Array.from(b.labels!), [0n, 0n]);
  const pool = b.extra!.doc_pool;
  assert.deepEqual(pool.dims, [2, 7]);
  assert.deepEqual(
    Array.from(pool.data as Float32Array).map((v) => +v.toFixed(4)),
    [0.25, 0.25, 0.25, 0.25, 0, 0, 0, 0, 0, 0, 0, 0.3333, 0.3333, 0.3333],
  );
  const e = withPiecePool({ ...b, docs: [0, 0, 0, 0, 1, 1, 1] });
  assert.deepEqual(e.extra!.doc_pool.dims, [7, 7]);
  assert.equal(e.labels, undefined);
});

// Multi-sentence reviews: one sentiment sentence among neutral ones, so the label is visible only when the
// model reads the sentences beyond the first.
function writeDocs(path: string, n: number, seed: number): void {
  const rnd = mulberry32(seed);
  const pick = (xs: string[]) => xs[Math.floor(rnd() * xs.length)];
  const neutral = [
    'the film runs two hours',
    'it was shot in new york',
    'the cast includes several actors',
    'the plot follows a family',
    'music plays in many scenes',
  ];
  const pos = ['a brilliant and moving film', 'wonderful acting and a great story', 'i loved every minute of it'];
  const neg = ['a dull and boring mess', 'terrible acting and an awful story', 'i hated every minute of it'];
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    const sents = Array.from({ length: 2 + Math.floor(rnd() * 3) }, () => pick(neutral));
    sents.splice(1 + Math.floor(rnd() * (sents.length - 1)), 0, pick(label ? pos : neg));
    lines.push(JSON.stringify({ id: `d${i}`, text: sents.join('\n'), label: label ? 'pos' : 'neg' }));
  }
  writeFileSync(path, lines.join('\n') + '\n');
}

test('fine-tuning with sentence-mean: loss falls, cancel + resume = uninterrupted, predictions read all sentences', async (t) => {
  const root = tempDir(t, 'gft-dp-');
  writeDocs(join(root, 'train.jsonl'), 32, 1);
  writeDocs(join(root, 'eval.jsonl'), 10, 2);
  const params = (runId: string): TrainParams => ({
    model: 'starter',
    trainFile: join(root, 'train.jsonl'),
    evalFile: join(root, 'eval.jsonl'),
    runsRoot: root,
    runId,
    config: { epochs: 4, batchSize: 8, lr: 3e-4, longText: 'sentence-mean', docPieces: 3, trainLayers: { top: 1 }, seed: 3, schedule: 'constant' },
  });
  const full = await runFinetune(params('full'));
  assert.equal(full.status, 'completed', full.error);
  const d = readRun(full.runDir);
  const losses = d.metrics.flatMap((m) => (m.type === 'step' ? [m.loss] : []));
  assert.equal(losses.length, 16, '32 texts / 8 per step x 4 epochs');
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(mean(losses.slice(-4)) < 0.8 * mean(losses.slice(0, 4)), `loss falls: ${losses.map((l) => l.toFixed(3))}`);
  assert.ok(full.test!.accuracy >= 0.8, `test accuracy ${full.test!.accuracy}`);

  const ac = new AbortController();
  const part = await runFinetune(params('resumed'), {
    signal: ac.signal,
    metric: (m) => {
      if (m.record.type === 'step' && m.record.step === 5) ac.abort();
    },
  });
  assert.equal(part.status, 'cancelled');
  const resumed = await runFinetune({ ...params('x'), resumeRunDir: part.runDir });
  assert.equal(resumed.status, 'completed', resumed.error);
  const strip = (xs: typeof d.metrics) => xs.map((m) => (m.type === 'step' ? [m.step, m.loss] : [m.step, m.split, m.metrics.accuracy, m.metrics.logLoss]));
  assert.deepEqual(strip(readRun(part.runDir).metrics), strip(d.metrics));

  // The predictor runs the plain model on every sentence and averages logits: the run's test probabilities.
  const src = new Map(
    readFileSync(join(root, 'eval.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; text: string })
      .map((x) => [x.id, x.text]),
  );
  const recs = d.predictions.slice(0, 3);
  const pr = await predictTexts(
    full.runDir,
    recs.map((r) => src.get(r.id)!),
  );
  pr.predictions.forEach((p, i) =>
    p.probs.forEach((v, k) => assert.ok(Math.abs(v - recs[i].probs[k]) < 1e-4, `text ${recs[i].id}: ${p.probs} vs ${recs[i].probs}`)),
  );
});
