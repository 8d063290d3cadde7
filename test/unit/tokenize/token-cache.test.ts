// The token cache: one entry per (tokenizer, strategy, texts); a hit gives the same rows without tokenizing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachedEncode, MAX_ENTRIES, type TokenCacheKey } from '../../../src/host/tokenize/cache';
import type { EncodedRow } from '../../../src/host/tokenize';

const docs = [{ text: 'a good film', label: 1 }, { text: 'a bad one, long enough for two windows', label: 0 }, { text: 'no label here' }];
const encodeWith = (calls: { n: number }) => (): EncodedRow[] => {
  calls.n++;
  return docs.flatMap((d, doc) => [
    { ids: [101, ...[...d.text].map((ch) => ch.charCodeAt(0)), 102], doc, window: 0, ...(d.label === undefined ? {} : { label: d.label }) },
    ...(d.text.length > 20 ? [{ ids: [101, 7, 102], doc, window: 1, label: d.label }] : []),
  ]);
};
const key: TokenCacheKey = { tokenizer: { id: 'starter', revision: '1' }, strategy: { longText: 'head', maxLength: 128 } };

test('token cache: a miss tokenizes and stores, a hit returns the same rows without tokenizing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gft-tokcache-'));
  const calls = { n: 0 };
  const first = cachedEncode(key, docs, encodeWith(calls), dir);
  assert.equal(first.cache, 'miss');
  const second = cachedEncode(key, docs, encodeWith(calls), dir);
  assert.equal(second.cache, 'hit');
  assert.equal(calls.n, 1);
  assert.deepEqual(second.rows, first.rows);
  assert.ok(!('label' in second.rows[3]), 'a row without a label stays without one');
  // Any change of tokenizer, strategy, text or label is another entry.
  for (const [k, d] of [
    [{ ...key, tokenizer: { id: 'starter', revision: '2' } }, docs],
    [{ ...key, strategy: { longText: 'head', maxLength: 64 } }, docs],
    [key, [{ ...docs[0], text: 'a good film!' }, docs[1], docs[2]]],
    [key, [{ ...docs[0], label: 0 }, docs[1], docs[2]]],
  ] as const) {
    assert.equal(cachedEncode(k, d, encodeWith(calls), dir).cache, 'miss');
  }
  assert.equal(calls.n, 5);
  assert.equal(cachedEncode(null as unknown as TokenCacheKey, docs, encodeWith(calls), null).cache, 'off');
});

test('token cache: a damaged entry is tokenized again; at most MAX_ENTRIES are kept', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gft-tokcache-'));
  const calls = { n: 0 };
  cachedEncode(key, docs, encodeWith(calls), dir);
  const [file] = readdirSync(dir);
  writeFileSync(join(dir, file), '{"v":1,"name":"x","rows":3}\n\u0001\u0002');
  const again = cachedEncode(key, docs, encodeWith(calls), dir);
  assert.equal(again.cache, 'miss');
  assert.equal(calls.n, 2);
  assert.equal(cachedEncode(key, docs, encodeWith(calls), dir).cache, 'hit');
  for (let i = 0; i < MAX_ENTRIES + 3; i++) cachedEncode(key, [{ text: `text ${i}` }], encodeWith(calls), dir);
  assert.equal(readdirSync(dir).filter((f) => f.endsWith('.tokens')).length, MAX_ENTRIES);
});
