// Training rows streamed to disk (tokenRows.ts via cachedTokenRows): written row by row, read back by index, the
// same rows whether tokenized now, read from the cache or kept in a temporary file; a temporary file goes on close.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachedTokenRows, type TokenCacheKey } from '../../../src/host/tokenize/cache';
import { openTokenRows, writeTokenRows } from '../../../src/host/tokenize/tokenRows';
import { encodeDocuments, encodeDocumentsEach, makeBatches, type EncodedRow, type TextTokenizer } from '../../../src/host/tokenize';
import { encodeForEval } from '../../../src/host/train/evaluate';
import { docPoolTrainBatch, docRows, encodeSentencePieces, encodeSentencePiecesEach, piecesByDocument } from '../../../src/host/train/docPool';

/** A word-level stand-in tokenizer: each word's id from its length and first letter. */
const tok: TextTokenizer = {
  name: 'words',
  specials: { prefix: [1], suffix: [2], pad: 0 },
  usesTokenTypeIds: false,
  modelMaxLength: 512,
  encode: (t) =>
    t
      .split(/\s+/)
      .filter(Boolean)
      .map((w) => 3 + ((w.length * 7 + w.charCodeAt(0)) % 50)),
};
const docs = Array.from({ length: 300 }, (_, i) => ({
  text: `${'good bad film plot '.repeat(1 + (i % 13))}end ${i}. Second sentence here! third`,
  label: i % 2,
}));
docs[5] = { text: 'unlabelled text' } as (typeof docs)[number];
const key: TokenCacheKey = { tokenizer: { id: 'tiny' }, strategy: { longText: 'chunks', maxLength: 12 } };
const opts = { strategy: 'chunks' as const, maxLength: 12 };
const all = (rows: { length: number; get(i: number): EncodedRow }) => Array.from({ length: rows.length }, (_, i) => rows.get(i));

test('token rows: tokenized into the cache, read back from it, or from a temporary file: the same rows as in memory', () => {
  // (a row read back has no label key where the document had none)
  const expected = encodeDocuments(tok, docs, opts).map(({ label, ...r }) => (label === undefined ? r : { ...r, label }));
  assert.ok(expected.length > docs.length, 'chunks gives several rows for the long texts');
  const dir = mkdtempSync(join(tmpdir(), 'gft-tokrows-'));
  const miss = cachedTokenRows(key, docs, (emit) => encodeDocumentsEach(tok, docs, opts, emit), dir);
  assert.equal(miss.cache, 'miss');
  assert.deepEqual(all(miss.rows), expected);
  assert.deepEqual(
    Array.from({ length: miss.rows.length }, (_, i) => miss.rows.doc(i)),
    expected.map((r) => r.doc),
  );
  let calls = 0;
  const hit = cachedTokenRows(key, docs, () => calls++, dir);
  assert.equal(hit.cache, 'hit');
  assert.equal(calls, 0);
  assert.deepEqual(all(hit.rows), expected);
  // random access in any order, as a shuffled epoch reads
  for (const i of [17, 3, expected.length - 1, 0, 200]) assert.deepEqual(hit.rows.get(i), expected[i]);
  assert.ok(!('label' in hit.rows.get(expected.findIndex((r) => r.doc === 5))), 'a row without a label stays without one');
  miss.rows.close();
  hit.rows.close();
  assert.throws(() => hit.rows.get(0), /after close/);

  const before = readdirSync(tmpdir()).filter((f) => f.startsWith(`gft-tokens-${process.pid}-`)).length;
  const off = cachedTokenRows(key, docs, (emit) => encodeDocumentsEach(tok, docs, opts, emit), null);
  assert.equal(off.cache, 'off');
  assert.deepEqual(all(off.rows), expected);
  assert.equal(readdirSync(tmpdir()).filter((f) => f.startsWith(`gft-tokens-${process.pid}-`)).length, before + 1);
  off.rows.close();
  assert.equal(readdirSync(tmpdir()).filter((f) => f.startsWith(`gft-tokens-${process.pid}-`)).length, before, 'close() removes the temporary file');
});

test('token rows: a truncated or damaged file is not opened; a tokenizer error comes through', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gft-tokrows-'));
  const file = join(dir, 'x.tokens');
  const rows = writeTokenRows(
    file,
    (n) => ({ v: 1, name: 'x', rows: n }),
    (emit) => encodeDocumentsEach(tok, docs.slice(0, 20), opts, emit),
  );
  const n = rows.length;
  rows.close();
  const check = (h: Record<string, unknown>) => (h.name === 'x' ? (h.rows as number) : undefined);
  const good = openTokenRows(file, check);
  assert.equal(good?.length, n);
  good?.close();
  assert.equal(
    openTokenRows(file, () => undefined),
    undefined,
    'a header the caller rejects',
  );
  writeFileSync(file, `${'{"v":1,"name":"x","rows":3}'.padEnd(255)}\n\u0001\u0002\u0003\u0004`);
  assert.equal(openTokenRows(file, check), undefined);
  assert.equal(openTokenRows(join(dir, 'missing.tokens'), check), undefined);
  assert.throws(
    () =>
      cachedTokenRows(
        key,
        docs,
        () => {
          throw new Error('tokenizer broke');
        },
        dir,
      ),
    /tokenizer broke/,
  );
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.endsWith('.tmp')),
    [],
    'no temporary file is left behind',
  );
  assert.ok(existsSync(file));
});

test('token rows: sentence pieces per document from the index give the same training batch as the arrays', () => {
  const labelled = docs.filter((d) => d.label !== undefined);
  const pieces = encodeSentencePieces(tok, labelled, 8);
  const r = cachedTokenRows(key, labelled, (emit) => encodeSentencePiecesEach(tok, labelled, 8, emit), null);
  const byDoc = docRows(r.rows, labelled.length);
  const arrays = piecesByDocument(pieces, labelled.length);
  assert.equal(byDoc.length, arrays.length);
  for (const d of [0, 7, labelled.length - 1]) assert.deepEqual(byDoc.rowsOf(d), arrays[d]);
  const o = { k: 2, seed: 42, epoch: 1, step: 3, pad: 0 };
  assert.deepEqual(docPoolTrainBatch(byDoc, [4, 9, 2], o), docPoolTrainBatch(arrays, [4, 9, 2], o));
  assert.throws(() => docRows(r.rows, labelled.length + 1), /document \d+ has no pieces/);
  r.rows.close();
});

test('evaluation sets: batches padded on demand from the token file equal makeBatches sorted by length', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gft-tokrows-'));
  const examples = docs.map((d, i) => ({ id: `e${i}`, text: d.text, label: d.label ?? 0 }));
  const expected = makeBatches(encodeDocuments(tok, examples, opts), 7, tok.specials.pad, { sortByLength: true });
  for (const cache of [undefined, { tokenizer: 'words', dir }, { tokenizer: 'words', dir }]) {
    const set = encodeForEval(tok, examples, 'chunks', 12, 7, cache);
    assert.equal(set.batches.length, expected.length);
    assert.deepEqual([...set.batches], expected);
    assert.deepEqual(set.batches.get(3), expected[3]);
    assert.deepEqual(
      Array.from({ length: set.batches.length }, (_, i) => set.batches.tokens(i)),
      expected.map((b) => b.batch * b.seq),
    );
    set.close();
  }
  assert.equal(readdirSync(dir).filter((f) => f.endsWith('.tokens')).length, 1, 'the cached set wrote one entry, read by the second');
});
