// Hugging Face tokenizers from a local folder the test writes (offline), the special-token template, and
// token-length statistics (checked on the real movie reviews with a whitespace tokenizer against known figures).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBuiltin } from '../../../src/host/data';
import { encodeDocuments, formatTokenStats, loadHfTokenizer, makeBatches, tokenStats, TokenizerError, type TextTokenizer } from '../../../src/host/tokenize';
import { writeTinyTokenizer } from './tinyTokenizer';
import { quantileSorted } from '../../../src/shared/stats';

const dir = mkdtempSync(join(tmpdir(), 'gft-tok-'));

test('BERT-style WordPiece tokenizer loads offline; template [CLS] x [SEP]; token type ids', async () => {
  const v = writeTinyTokenizer(join(dir, 'bert'), 'bert');
  const tok = await loadHfTokenizer(join(dir, 'bert'));
  assert.deepEqual(tok.specials, { prefix: [v['[CLS]']], suffix: [v['[SEP]']], pad: v['[PAD]'] });
  assert.equal(tok.usesTokenTypeIds, true);
  assert.equal(tok.modelMaxLength, 16);
  // Lower-cased, punctuation split, greedy longest-match word pieces, unknown word -> [UNK].
  const ids = tok.encode('The movie was UNBELIEVABLE, great films. zzz');
  assert.deepEqual(
    ids,
    ['the', 'movie', 'was', 'un', '##believ', '##able', ',', 'great', 'film', '##s', '.', '[UNK]'].map((t) => v[t]),
  );

  const docs = [
    { text: 'the plot was a twist the movie was bad the film was bad', label: 0 },
    { text: 'great', label: 1 },
  ];
  const rows = encodeDocuments(tok, docs, { strategy: 'head+tail', maxLength: 8, headTokens: 2 });
  // Budget 8 - 2 = 6 content tokens: the first 2 and the last 4.
  assert.deepEqual(
    rows[0].ids,
    ['[CLS]', 'the', 'plot', 'the', 'film', 'was', 'bad', '[SEP]'].map((t) => v[t]),
  );
  const [b] = makeBatches(rows, 4, tok.specials.pad, { tokenTypeIds: tok.usesTokenTypeIds });
  assert.equal(b.seq, 8);
  assert.deepEqual([...b.inputIds.slice(8)], [v['[CLS]'], v.great, v['[SEP]'], 0, 0, 0, 0, 0].map(BigInt));
  assert.deepEqual([...b.attentionMask.slice(8)], [1n, 1n, 1n, 0n, 0n, 0n, 0n, 0n]);
  assert.equal(b.tokenTypeIds!.length, 16);
  assert.deepEqual([...b.labels!], [0n, 1n]);
});

test('RoBERTa-style template <s> x </s> without token type ids', async () => {
  const v = writeTinyTokenizer(join(dir, 'roberta'), 'roberta');
  const tok = await loadHfTokenizer(join(dir, 'roberta'));
  assert.deepEqual(tok.specials, { prefix: [v['<s>']], suffix: [v['</s>']], pad: v['<pad>'] });
  assert.equal(tok.usesTokenTypeIds, false);
});

test('a folder without tokenizer files is a one-line error', async () => {
  await assert.rejects(
    loadHfTokenizer(join(dir, 'empty')),
    (e: unknown) =>
      e instanceof TokenizerError && /empty has no tokenizer\.json; a tokenizer folder needs tokenizer\.json and tokenizer_config\.json/.test(e.message),
  );
});

test('quantile matches numpy linear interpolation', () => {
  assert.equal(quantileSorted([1, 2, 3, 4], 0.9), 3.7);
  assert.equal(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
  assert.equal(quantileSorted([5], 0.9), 5);
});

test('tokenStats with the HF tokenizer: lengths include special tokens; truncated share', async () => {
  const tok = await loadHfTokenizer(join(dir, 'bert'));
  const s = tokenStats(tok, ['the movie', 'the movie was great , the plot was bad , a twist', 'bad'], 8);
  assert.deepEqual([...s.lengths], [4, 14, 3]);
  assert.equal(s.mean, 7);
  assert.equal(s.median, 4);
  assert.equal(s.max, 14);
  assert.equal(s.truncated, 1);
  assert.equal(s.truncatedShare, 1 / 3);
  assert.equal(s.keptTokenShare, (4 + 8 + 3) / 21);
});

test('tokenStats on the movie reviews (whitespace words) matches the corpus figures: mean 746, median 697, p90 1153', () => {
  const words: TextTokenizer = {
    name: 'words',
    specials: { prefix: [], suffix: [], pad: 0 },
    usesTokenTypeIds: false,
    modelMaxLength: 512,
    encode: (t) =>
      t
        .split(/\s+/)
        .filter(Boolean)
        .map(() => 1),
  };
  const s = tokenStats(
    words,
    loadBuiltin('movie-reviews').examples.map((e) => e.text),
  );
  assert.equal(s.count, 2000);
  assert.ok(Math.abs(s.mean - 746) < 1, `mean ${s.mean}`);
  assert.ok(Math.abs(s.median - 697) <= 1, `median ${s.median}`);
  assert.ok(Math.abs(s.p90 - 1153) <= 2, `p90 ${s.p90}`);
  assert.ok(s.truncatedShare > 0.7 && s.truncatedShare < 0.9, `share over 512 words ${s.truncatedShare}`);
  assert.match(
    formatTokenStats(s),
    /^2000 texts: mean [\d.]+ tokens, median [\d.]+, p90 [\d.]+, max \d+; [\d.]+% exceed 512 \(a cut at 512 keeps [\d.]+% of all tokens\)$/,
  );
});

test('a folder with only a BERT vocab.txt tokenizes exactly like the tokenizer.json of the same vocabulary', async () => {
  const v = writeTinyTokenizer(join(dir, 'ref'), 'bert');
  const vocabOnly = join(dir, 'vocab-only');
  mkdirSync(vocabOnly);
  const list = Object.entries(v)
    .sort((a, b) => a[1] - b[1])
    .map(([t]) => t);
  writeFileSync(join(vocabOnly, 'vocab.txt'), list.join('\n') + '\n');
  writeFileSync(join(vocabOnly, 'tokenizer_config.json'), JSON.stringify({ do_lower_case: true, model_max_length: 64 }));
  const ref = await loadHfTokenizer(join(dir, 'ref'));
  const tok = await loadHfTokenizer(vocabOnly);
  assert.deepEqual(tok.specials, ref.specials);
  assert.equal(tok.usesTokenTypeIds, true);
  assert.equal(tok.modelMaxLength, 64);
  for (const text of ['The movie was UNBELIEVABLE, great films. zzz', 'a  twist,the\tPLOT!', 'films\nfilm'])
    assert.deepEqual(tok.encode(text), ref.encode(text), text);
  writeFileSync(join(vocabOnly, 'vocab.txt'), 'hello\nworld\n');
  await assert.rejects(loadHfTokenizer(vocabOnly), /vocab\.txt has no \[CLS\] token; it is not a BERT WordPiece vocabulary/);
});
