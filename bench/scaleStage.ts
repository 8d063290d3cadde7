// One stage of `npm run bench:scale` in its own process (so its peak RSS is its own), run by bench/scale.mjs:
//   tsx bench/scaleStage.ts embed FILE.csv SAMPLE      frozen starter embeddings of the first SAMPLE texts (streamed
//                                                      in groups, as the baseline does): reviews per second
//   tsx bench/scaleStage.ts tokenize FILE.csv [MODEL]  one fine-tuning epoch's data: the training split tokenized
//                                                      (default settings: head, max length 128) and every step's
//                                                      padded batch built
//   tsx bench/scaleStage.ts results RUNDIR            a run's test predictions: read them, metrics with bootstrap
//                                                      CIs, and a paired comparison (McNemar, paired bootstrap)
//                                                      against a copy with 5% of the predictions flipped (seeded;
//                                                      a second run's stand-in: only the timing is of interest)
// (tokenize: tokenizeSeconds includes writing the token cache entry; cachedSeconds is reading it back.)
// Prints one JSON line.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UseLiteEmbedder } from '../src/engine/models/useLite';
import { prepareData } from '../src/host/core';
import { comparePredictions, evaluatePredictions } from '../src/host/eval';
import { RunFolder } from '../src/host/runs';
import { mulberry32 } from '../src/shared/prng';
import { embedTexts, EMBEDDING_POOLING } from '../src/host/jobs/baselineEmbeddings';
import { loadStarterModel } from '../src/host/models/starter';
import { DEFAULT_TRAIN_CONFIG } from '../src/host/train/config';
import { loadTrainableModel } from '../src/host/train/model';
import { encodeDocuments, padBatch, type LongTextStrategy } from '../src/host/tokenize';
import { cachedEncode } from '../src/host/tokenize/cache';

const [stage, file, arg] = process.argv.slice(2);

async function main(): Promise<Record<string, unknown>> {
  if (stage === 'results') {
    const t0 = performance.now();
    const preds = RunFolder.open(file)
      .readPredictions()
      .filter((p) => p.split === 'test');
    const t1 = performance.now();
    const m = evaluatePredictions(
      preds.map((p) => p.label),
      preds.map((p) => p.probs),
      { seed: 42 },
    );
    const t2 = performance.now();
    const rand = mulberry32(7);
    const other = preds.map((p) => ({ id: p.id, label: p.label, pred: rand() < 0.05 ? 1 - p.pred : p.pred }));
    const c = comparePredictions(preds, other, 42);
    const t3 = performance.now();
    return {
      stage,
      predictions: preds.length,
      readSeconds: (t1 - t0) / 1000,
      metricsSeconds: (t2 - t1) / 1000,
      compareSeconds: (t3 - t2) / 1000,
      accuracy: m.accuracy,
      mcnemarP: c.mcnemarP,
    };
  }
  const data = prepareData({ data: file });
  if (stage === 'embed') {
    const n = Math.min(Number(arg ?? 512), data.train.length);
    const texts = data.train.slice(0, n).map((e) => e.text);
    const sm = loadStarterModel();
    const embedder = await UseLiteEmbedder.create(sm.weights, { batchSize: 64 });
    try {
      const t0 = performance.now();
      const rows = await embedTexts(sm, embedder, texts, EMBEDDING_POOLING);
      const s = (performance.now() - t0) / 1000;
      return { stage, texts: rows.length, seconds: s, reviewsPerSec: rows.length / s };
    } finally {
      await embedder.dispose();
    }
  }
  if (stage === 'tokenize') {
    const c = DEFAULT_TRAIN_CONFIG;
    const m = await loadTrainableModel(arg ?? 'starter', data.labels.length, c.seed, { weights: false });
    const docs = data.train.map((e) => ({ text: e.text, label: e.label }));
    const maxLength = Math.min(c.maxLength, m.tokenizer.modelMaxLength);
    const encode = () => encodeDocuments(m.tokenizer, docs, { strategy: c.longText as LongTextStrategy, maxLength });
    const key = { tokenizer: m.ref, strategy: { longText: c.longText, maxLength } };
    const cacheDir = mkdtempSync(join(tmpdir(), 'gft-scale-tokens-'));
    const t0 = performance.now();
    const miss = cachedEncode(key, docs, encode, cacheDir);
    const t1 = performance.now();
    const hit = cachedEncode(key, docs, encode, cacheDir);
    const tHit = performance.now() - t1;
    rmSync(cacheDir, { recursive: true, force: true });
    if (miss.cache !== 'miss' || hit.cache !== 'hit') throw new Error(`token cache: expected a miss then a hit, got ${miss.cache}, ${hit.cache}`);
    const rows = hit.rows;
    const t1b = performance.now();
    let tokens = 0;
    for (let b = 0; b < rows.length; b += c.batchSize) {
      const batch = padBatch(rows.slice(b, b + c.batchSize), m.tokenizer.specials.pad, { tokenTypeIds: m.tokenizer.usesTokenTypeIds });
      tokens += batch.inputIds.length;
    }
    const t2 = performance.now();
    return {
      stage,
      model: arg ?? 'starter',
      texts: data.train.length,
      rows: rows.length,
      paddedTokens: tokens,
      tokenizeSeconds: (t1 - t0) / 1000,
      cachedSeconds: tHit / 1000,
      batchSeconds: (t2 - t1b) / 1000,
    };
  }
  throw new Error(`unknown stage ${stage}: use embed or tokenize`);
}

main().then(
  (r) => console.log(JSON.stringify(r)),
  (e: Error) => {
    console.error(e.message);
    process.exit(1);
  },
);
