// Long-text strategies, batching and window aggregation on plain id arrays (no tokenizer needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  aggregateWindowLogits,
  applyStrategy,
  chunkWindows,
  encodeDocuments,
  makeBatches,
  padBatch,
  trainingBatches,
  type SpecialTokens,
  type TextTokenizer,
  type TokenBatch,
} from '../../../src/host/tokenize';

const bert: SpecialTokens = { prefix: [101], suffix: [102], pad: 0 };
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
const doc = range(1000, 2000); // 1000 content tokens, values = 1000 + position

test('head, tail and head+tail (Sun et al.: first 128 + last 382 at max 512)', () => {
  const [head] = applyStrategy(doc, bert, { strategy: 'head', maxLength: 512 });
  assert.equal(head.length, 512);
  assert.deepEqual(head.slice(0, 3), [101, 1000, 1001]);
  assert.deepEqual(head.slice(-2), [1509, 102]);
  const [tail] = applyStrategy(doc, bert, { strategy: 'tail', maxLength: 512 });
  assert.deepEqual([tail[0], tail[1], tail[510], tail[511]], [101, 1490, 1999, 102]);
  const [ht] = applyStrategy(doc, bert, { strategy: 'head+tail', maxLength: 512 });
  assert.equal(ht.length, 512);
  assert.deepEqual(ht.slice(1, 129), range(1000, 1128), 'first 128 content tokens');
  assert.deepEqual(ht.slice(129, 511), range(1618, 2000), 'last 382 content tokens');
  const [custom] = applyStrategy(doc, bert, { strategy: 'head+tail', maxLength: 12, headTokens: 4 });
  assert.deepEqual(custom, [101, 1000, 1001, 1002, 1003, 1994, 1995, 1996, 1997, 1998, 1999, 102]);
  // Short documents are only wrapped, whatever the strategy.
  for (const strategy of ['head', 'tail', 'head+tail', 'chunks'] as const) {
    assert.deepEqual(applyStrategy([5, 6, 7], bert, { strategy, maxLength: 512 }), [[101, 5, 6, 7, 102]]);
  }
  // No special tokens (a model without them) uses the whole length for content.
  assert.deepEqual(applyStrategy(range(0, 10), { prefix: [], suffix: [], pad: 0 }, { strategy: 'tail', maxLength: 4 }), [[6, 7, 8, 9]]);
  assert.throws(() => applyStrategy(doc, bert, { strategy: 'head', maxLength: 2 }), /max length 2 leaves no room for text/);
});

test('chunks: overlapping full windows covering the whole document, last one ending at the end', () => {
  const wins = chunkWindows(doc, 510, 127);
  assert.deepEqual(
    wins.map((w) => w[0]),
    [1000, 1383, 1490],
  );
  assert.ok(wins.every((w) => w.length === 510));
  assert.equal(wins[2][509], 1999);
  const covered = new Set(wins.flat());
  assert.equal(covered.size, 1000);
  const rows = applyStrategy(doc, bert, { strategy: 'chunks', maxLength: 512, overlap: 127 });
  assert.equal(rows.length, 3);
  assert.ok(rows.every((r) => r.length === 512 && r[0] === 101 && r[511] === 102));
  // Default overlap = a quarter of the budget; maxChunks keeps first and last windows, evenly spread.
  const small = chunkWindows(range(0, 100), 10, 0);
  assert.equal(small.length, 10);
  const capped = chunkWindows(range(0, 100), 10, 0, 4);
  assert.deepEqual(
    capped.map((w) => w[0]),
    [0, 30, 60, 90],
  );
  assert.throws(() => chunkWindows(doc, 10, 10), /overlap 10 must be at least 0 and below the window's 10 content tokens/);
});

test('padBatch: dynamic padding to the longest row, mask, zero token types, labels', () => {
  const b = padBatch(
    [
      { ids: [101, 7, 8, 102], doc: 0, window: 0, label: 1 },
      { ids: [101, 9, 102], doc: 1, window: 0, label: 0 },
    ],
    0,
    { tokenTypeIds: true },
  );
  assert.equal(b.batch, 2);
  assert.equal(b.seq, 4);
  assert.deepEqual([...b.inputIds], [101n, 7n, 8n, 102n, 101n, 9n, 102n, 0n]);
  assert.deepEqual([...b.attentionMask], [1n, 1n, 1n, 1n, 1n, 1n, 1n, 0n]);
  assert.deepEqual([...b.tokenTypeIds!], Array(8).fill(0n));
  assert.deepEqual([...b.labels!], [1n, 0n]);
  const noLabels = padBatch([{ ids: [1, 2], doc: 0, window: 0 }], 3);
  assert.equal(noLabels.labels, undefined);
  assert.equal(noLabels.tokenTypeIds, undefined);
});

test('encodeDocuments + makeBatches: chunk rows keep label and doc index; length-sorted batches pad less', () => {
  // A stand-in tokenizer: words become ids by their length, so the test controls lengths exactly.
  const tok: TextTokenizer = { name: 'len', specials: bert, usesTokenTypeIds: false, modelMaxLength: 8, encode: (t) => t.split(' ').map((w) => w.length) };
  const docs = [
    { text: 'a bb ccc', label: 0 },
    { text: Array(14).fill('x').join(' '), label: 1 },
    { text: 'dd', label: 0 },
  ];
  const rows = encodeDocuments(tok, docs, { strategy: 'chunks', maxLength: 8, overlap: 2 });
  assert.deepEqual(
    rows.map((r) => [r.doc, r.window, r.label, r.ids.length]),
    [
      [0, 0, 0, 5],
      [1, 0, 1, 8],
      [1, 1, 1, 8],
      [1, 2, 1, 8],
      [2, 0, 0, 3],
    ],
  );
  const batches = makeBatches(rows, 2, 0, { sortByLength: true });
  assert.deepEqual(
    batches.map((b) => [b.batch, b.seq]),
    [
      [2, 5],
      [2, 8],
      [1, 8],
    ],
  );
  assert.deepEqual(batches.flatMap((b) => b.docs).sort(), [0, 1, 1, 1, 2]);
  assert.deepEqual(
    makeBatches(rows, 2, 0).map((b) => b.seq),
    [8, 8, 3],
  );
  assert.throws(() => makeBatches(rows, 0, 0), /batch size must be a positive integer/);
});

test('aggregateWindowLogits: a document scores the mean of its windows', () => {
  const logits = Float32Array.from([1, 2, 3, 6, -1, 0, 10, 10]); // 4 rows x 2 labels
  const out = aggregateWindowLogits(logits, 2, [0, 0, 1, 0], 2);
  assert.deepEqual(
    [...out],
    [(1 + 3 + 10) / 3, (2 + 6 + 10) / 3, -1, 0].map((x) => Math.fround(x)),
  );
  assert.throws(() => aggregateWindowLogits(logits, 2, [0, 0, 0, 0], 2), /document 1 has no windows/);
  assert.throws(() => aggregateWindowLogits(logits, 2, [0, 1], 2), /logits hold 4 rows but 2 document indices/);
});

test('trainingBatches: every row once per epoch, same (seed, epoch) same order, bucketing cuts padding', () => {
  const rows = Array.from({ length: 300 }, (_, i) => ({ ids: Array(5 + ((i * 37) % 200)).fill(7), doc: i, window: 0, label: i % 2 }));
  const e0 = trainingBatches(rows, 16, 0, { seed: 1, epoch: 0 });
  const docsOf = (bs: TokenBatch[]) => bs.flatMap((b) => b.docs);
  assert.deepEqual(
    [...docsOf(e0)].sort((a, b) => a - b),
    rows.map((r) => r.doc),
  );
  assert.deepEqual(docsOf(trainingBatches(rows, 16, 0, { seed: 1, epoch: 0 })), docsOf(e0));
  assert.notDeepEqual(docsOf(trainingBatches(rows, 16, 0, { seed: 1, epoch: 1 })), docsOf(e0));
  assert.notDeepEqual(docsOf(trainingBatches(rows, 16, 0, { seed: 2, epoch: 0 })), docsOf(e0));
  const bucketed = trainingBatches(rows, 16, 0, { seed: 1, epoch: 0, bucket: 8 });
  assert.deepEqual(
    [...docsOf(bucketed)].sort((a, b) => a - b),
    rows.map((r) => r.doc),
  );
  const cells = (bs: TokenBatch[]) => bs.reduce((s, b) => s + b.batch * b.seq, 0);
  const real = rows.reduce((s, r) => s + r.ids.length, 0);
  assert.ok(cells(bucketed) - real < 0.3 * (cells(e0) - real), `padding ${cells(bucketed) - real} vs ${cells(e0) - real}`);
  for (const b of bucketed)
    assert.deepEqual(
      [...b.labels!],
      b.docs.map((d) => BigInt(d % 2)),
    );
});
