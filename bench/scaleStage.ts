// One stage of `npm run bench:scale` in its own process (so its peak RSS is its own), run by bench/scale.mjs:
//   tsx bench/scaleStage.ts embed FILE.csv SAMPLE      frozen starter embeddings of the first SAMPLE texts (streamed
//                                                      in groups, as the baseline does): reviews per second
//   tsx bench/scaleStage.ts tokenize FILE.csv [MODEL]  one fine-tuning epoch's data: the training split tokenized
//                                                      (default settings: head, max length 128) and every step's
//                                                      padded batch built
// Prints one JSON line.
import { UseLiteEmbedder } from '../src/engine/models/useLite';
import { prepareData } from '../src/host/core';
import { embedTexts, EMBEDDING_POOLING } from '../src/host/jobs/baselineEmbeddings';
import { loadStarterModel } from '../src/host/models/starter';
import { DEFAULT_TRAIN_CONFIG } from '../src/host/train/config';
import { loadTrainableModel } from '../src/host/train/model';
import { encodeDocuments, padBatch, type LongTextStrategy } from '../src/host/tokenize';

const [stage, file, arg] = process.argv.slice(2);

async function main(): Promise<Record<string, unknown>> {
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
    const t0 = performance.now();
    const rows = encodeDocuments(m.tokenizer, data.train.map((e) => ({ text: e.text, label: e.label })), { strategy: c.longText as LongTextStrategy, maxLength: Math.min(c.maxLength, m.tokenizer.modelMaxLength) });
    const t1 = performance.now();
    let tokens = 0;
    for (let b = 0; b < rows.length; b += c.batchSize) {
      const batch = padBatch(rows.slice(b, b + c.batchSize), m.tokenizer.specials.pad, { tokenTypeIds: m.tokenizer.usesTokenTypeIds });
      tokens += batch.inputIds.length;
    }
    const t2 = performance.now();
    return { stage, model: arg ?? 'starter', texts: data.train.length, rows: rows.length, paddedTokens: tokens, tokenizeSeconds: (t1 - t0) / 1000, batchSeconds: (t2 - t1) / 1000 };
  }
  throw new Error(`unknown stage ${stage}: use embed or tokenize`);
}

main().then((r) => console.log(JSON.stringify(r)), (e: Error) => {
  console.error(e.message);
  process.exit(1);
});
