// The strategies and statistics work with the starter model's SentencePiece tokenizer too (no special tokens,
// 128-token windows): token-length statistics of the 2000 movie reviews match the figures measured with the
// reference tokenizer (NOTES: mean 1074, median 1002, p90 1663, max 4238; 1999 of 2000 exceed 128).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadBuiltin } from '../../../src/host/data';
import { starterModelFiles } from '../../../src/host/models/starter';
import { encodeDocuments, tokenStats, type TextTokenizer } from '../../../src/host/tokenize';
import { joinLines, UseTokenizer } from '../../../src/host/tokenize/sentencepiece';

test('USE Lite SentencePiece as a TextTokenizer: movie-review token stats and 128-token chunks', () => {
  const sp = UseTokenizer.fromFile(starterModelFiles().vocab);
  const tok: TextTokenizer = {
    name: 'use-lite',
    specials: { prefix: [], suffix: [], pad: 0 },
    usesTokenTypeIds: false,
    modelMaxLength: 128,
    encode: (t) => sp.encode(joinLines(t)),
  };
  const reviews = loadBuiltin('movie-reviews').examples;
  const s = tokenStats(
    tok,
    reviews.map((e) => e.text),
  );
  assert.equal(s.count, 2000);
  assert.ok(Math.abs(s.mean - 1074) < 1, `mean ${s.mean}`);
  assert.ok(Math.abs(s.median - 1002) <= 1, `median ${s.median}`);
  assert.ok(Math.abs(s.p90 - 1663) <= 1, `p90 ${s.p90}`);
  assert.equal(s.max, 4238);
  assert.equal(s.truncated, 1999);

  // Chunks with no special tokens: full 128-token windows covering each review, last one ending at its end.
  const docs = reviews.slice(0, 20).map((e) => ({ text: e.text, label: e.label }));
  const rows = encodeDocuments(tok, docs, { strategy: 'chunks', maxLength: 128, overlap: 32 });
  for (let d = 0; d < docs.length; d++) {
    const ids = tok.encode(docs[d].text);
    const mine = rows.filter((r) => r.doc === d);
    assert.equal(mine.length, ids.length <= 128 ? 1 : Math.ceil((ids.length - 128) / 96) + 1);
    assert.deepEqual(mine[0].ids, ids.slice(0, 128));
    assert.deepEqual(mine.at(-1)!.ids, ids.slice(-128));
    assert.ok(mine.every((r) => r.label === docs[d].label && r.ids.length === Math.min(128, ids.length)));
  }
});
