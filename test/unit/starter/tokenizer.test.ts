// The USE Lite tokenizer must give exactly the reference tokenizer's ids: the model was trained on them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { UseTokenizer, joinLines, normalizeForUse } from '../../../src/host/tokenize/sentencepiece';
import { starterModelFiles } from '../../../src/host/models/starter';

const requireCjs = createRequire(__filename);
const CORPUS = '/work/shared/data/polarity_v2';
const files = starterModelFiles();
const vocab = JSON.parse(readFileSync(files.vocab, 'utf8'));
const ours = new UseTokenizer(vocab);
const fixture = JSON.parse(readFileSync(join(__dirname, '../../fixtures/use/review_tokens.json'), 'utf8'));
const hashIds = (ids: number[]) =>
  createHash('sha256')
    .update(Buffer.from(Int32Array.from(ids).buffer))
    .digest('hex')
    .slice(0, 16);

function reviewKeys(): string[] {
  return ['neg', 'pos'].flatMap((label) =>
    readdirSync(join(CORPUS, label))
      .filter((f) => f.endsWith('.txt'))
      .sort()
      .map((f) => `${label}/${f}`),
  );
}

test('fixture was made from the installed vocabulary', () => {
  assert.equal(createHash('sha256').update(readFileSync(files.vocab)).digest('hex'), fixture.vocabSha256);
});

test('all 2000 reviews tokenize exactly as the reference tokenizer did (fixture)', () => {
  const keys = reviewKeys();
  assert.equal(keys.length, 2000);
  const mismatched: string[] = [];
  let tokens = 0;
  let unknown = 0;
  for (const key of keys) {
    const ids = ours.encode(joinLines(readFileSync(join(CORPUS, key), 'utf8')));
    tokens += ids.length;
    unknown += ids.filter((id) => id === 0).length;
    if (`${ids.length}:${hashIds(ids)}` !== fixture.reviews[key]) mismatched.push(key);
  }
  assert.deepEqual(mismatched, [], `${mismatched.length} of 2000 reviews differ`);
  assert.equal(tokens, fixture.totalTokens);
  assert.equal(unknown, fixture.unknownTokens);
  for (const [key, ids] of Object.entries(fixture.full as Record<string, number[]>)) {
    assert.deepEqual(ours.encode(joinLines(readFileSync(join(CORPUS, key), 'utf8'))), ids, key);
  }
});

test('edge cases match the live reference tokenizer', () => {
  const { Tokenizer } = requireCjs('@tensorflow-models/universal-sentence-encoder/dist/tokenizer');
  const reference = new Tokenizer(vocab);
  const cases = [
    '',
    ' ',
    '   ',
    'a',
    'Hello, World!',
    'the movie starts at 10:30 and ends :( or :) maybe ://x',
    'ﬁne café naïve Ⅻ ｆｕｌｌｗｉｄｔｈ', // NFKC folds ligatures, roman numerals and fullwidth forms
    '日本語のテキスト 中文 한국어',
    '🎬🍿 emoji 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 (astral: surrogate pairs)',
    '\u0000\u0007 tabs\tand\nnewlines',
    '”5 ”55 5”5',
    '  leading and trailing  ',
    'zzzzqqqxxjjj unknownish',
    '§¶†‡ ░▒▓ ═►',
    'a'.repeat(300),
    'word '.repeat(200),
  ];
  for (const text of cases) assert.deepEqual(ours.encode(text), reference.encode(text), JSON.stringify(text));
  // A sample of whole reviews, prepared the host's way, checked live as well.
  const keys = reviewKeys().filter((_, i) => i % 100 === 7);
  for (const key of keys) {
    const text = joinLines(readFileSync(join(CORPUS, key), 'utf8'));
    assert.deepEqual(ours.encode(text), reference.encode(text), key);
  }
});

test('normalisation and line joining', () => {
  assert.equal(normalizeForUse('a b'), '\u2581a\u2581b');
  assert.equal(normalizeForUse(''), '');
  assert.equal(normalizeForUse('ﬁ'), '\u2581fi');
  assert.equal(joinLines('one . \n two .\r\n\n three'), 'one . two . three');
});

test('a vocabulary that is not [piece, score] pairs is rejected with a clear message', () => {
  assert.throws(() => new UseTokenizer([] as never), /USE vocabulary must be a JSON array/);
  assert.throws(() => new UseTokenizer([...vocab.slice(0, 10), [3, 1]] as never), /entry 10 is not a \[piece, score\] pair/);
});
