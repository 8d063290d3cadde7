// One stage of `npm run bench:scale` in its own process (so its peak RSS is its own), run by bench/scale.mjs:
//   tsx bench/scaleStage.ts embed FILE.csv SAMPLE      frozen starter embeddings of the first SAMPLE texts (streamed
//                                                      in groups, as the baseline does): reviews per second
//   tsx bench/scaleStage.ts tokenize FILE.csv [MODEL]  one fine-tuning epoch's data: the training split tokenized
//                                                      (default settings: head, max length 128) into the token
//                                                      cache file, and every step's padded batch built from it in
//                                                      a shuffled order; RSS above the loaded dataset
//   tsx bench/scaleStage.ts tokenize-memory FILE.csv    the same with every row kept in memory (the peer)
//   tsx bench/scaleStage.ts results RUNDIR            a run's test predictions: read them, metrics with bootstrap
//                                                      CIs, and a paired comparison (McNemar, paired bootstrap)
//                                                      against a copy with 5% of the predictions flipped (seeded;
//                                                      a second run's stand-in: only the timing is of interest)
//   tsx bench/scaleStage.ts demoreport RUNDIR FILE.csv the demo-style comparison report (buildReport + Markdown,
//                                                      latency aside) of the run and a copy with 5% of its
//                                                      predictions flipped, texts from FILE.csv
// (tokenize: tokenizeSeconds includes writing the token cache entry; cachedSeconds is opening it again: the index.)
// Prints one JSON line.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UseLiteEmbedder } from '../src/engine/models/useLite';
import { prepareData } from '../src/host/core';
import { comparePredictions, evaluatePredictions } from '../src/host/eval';
import { RunFolder } from '../src/host/runs';
import { buildReport, reportMarkdown } from '../src/host/report/report';
import { mixSeed, mulberry32, permutation } from '../src/shared/prng';
import { embedTexts, EMBEDDING_POOLING } from '../src/host/jobs/baselineEmbeddings';
import { loadStarterModel } from '../src/host/models/starter';
import { DEFAULT_TRAIN_CONFIG } from '../src/host/train/config';
import { loadTrainableModel } from '../src/host/train/model';
import { encodeDocuments, encodeDocumentsEach, makeBatches, padBatch, type EncodedRow, type LongTextStrategy } from '../src/host/tokenize';
import { encodeForEval } from '../src/host/train/evaluate';
import { cachedTokenRows } from '../src/host/tokenize/cache';
import { INDEX_BYTES_PER_ROW, memoryTokenRows, type TokenRows } from '../src/host/tokenize/tokenRows';

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
  if (stage === 'demoreport') {
    // The demo's comparison report (report.md + report.json, as `gft demo` writes it, limits and latency aside)
    // over the run and a copy of it with 5% of its predictions flipped (seeded; the second model's stand-in).
    const other = `${file}-flipped`;
    rmSync(other, { recursive: true, force: true });
    cpSync(file, other, { recursive: true });
    const rand = mulberry32(11);
    const copy = RunFolder.open(other);
    copy.writePredictions(copy.readPredictions().map((p) => (p.split === 'test' && rand() < 0.05 ? { ...p, pred: 1 - p.pred } : p)));
    const t0 = performance.now();
    const data = prepareData({ data: arg });
    const texts = new Map([...data.train, ...data.validation, ...data.test].map((e) => [e.id, e.text]));
    const t1 = performance.now();
    const report = buildReport(
      [
        { title: 'TF-IDF baseline', runDir: file },
        { title: 'second model (flipped copy)', runDir: other },
      ],
      texts,
    );
    const md = reportMarkdown(report);
    const t2 = performance.now();
    rmSync(other, { recursive: true, force: true });
    return {
      stage,
      predictions: report.comparisons[0]?.n,
      dataSeconds: (t1 - t0) / 1000,
      reportSeconds: (t2 - t1) / 1000,
      markdownChars: md.length,
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
  if (stage === 'tokenize' || stage === 'tokenize-memory') {
    // Memory measured in this process: the heap and array buffers once the dataset is loaded (after a GC), and
    // again, after a GC, once the split is tokenized and its rows are ready for training: what the rows hold
    // ('held'). RSS is no use for this: the heap the import freed is reused first. 'tokenize' streams the rows to
    // the token cache file as training does (setup.ts); 'tokenize-memory' keeps every encoded row in an array, as
    // training did before: the peer in the same run.
    const c = DEFAULT_TRAIN_CONFIG;
    const m = await loadTrainableModel(arg ?? 'starter', data.labels.length, c.seed, { weights: false });
    const docs = data.train.map((e) => ({ text: e.text, label: e.label }));
    const maxLength = Math.min(c.maxLength, m.tokenizer.modelMaxLength);
    const gc = (globalThis as { gc?: () => void }).gc;
    // Two full collections with a turn of the event loop between: freed array buffers are released after a GC.
    const used = async () => {
      for (let i = 0; i < 2; i++) {
        gc?.();
        await new Promise((r) => setTimeout(r, 50));
      }
      const u = process.memoryUsage();
      return u.heapUsed + u.arrayBuffers;
    };
    const base = await used();
    const each = (emit: (r: EncodedRow) => void) => encodeDocumentsEach(m.tokenizer, docs, { strategy: c.longText as LongTextStrategy, maxLength }, emit);
    const key = { tokenizer: m.ref, strategy: { longText: c.longText, maxLength } };
    const cacheDir = mkdtempSync(join(tmpdir(), 'gft-scale-tokens-'));
    const t0 = performance.now();
    let rows: TokenRows;
    let tHit = 0;
    if (stage === 'tokenize') {
      const miss = cachedTokenRows(key, docs, each, cacheDir);
      miss.rows.close();
      const t1 = performance.now();
      const hit = cachedTokenRows(key, docs, each, cacheDir);
      tHit = performance.now() - t1;
      if (miss.cache !== 'miss' || hit.cache !== 'hit') throw new Error(`token cache: expected a miss then a hit, got ${miss.cache}, ${hit.cache}`);
      rows = hit.rows;
    } else {
      const all: EncodedRow[] = [];
      each((r) => all.push(r));
      rows = memoryTokenRows(all);
    }
    const tokenizeSeconds = (performance.now() - t0) / 1000 - tHit / 1000;
    const held = (await used()) - base;
    const t2 = performance.now();
    const order = permutation(rows.length, mixSeed(c.seed, 0));
    let tokens = 0;
    for (let b = 0; b < rows.length; b += c.batchSize) {
      const step = order.slice(b, b + c.batchSize).map((i) => rows.get(i));
      const batch = padBatch(step, m.tokenizer.specials.pad, { tokenTypeIds: m.tokenizer.usesTokenTypeIds });
      tokens += batch.inputIds.length;
    }
    const batchSeconds = (performance.now() - t2) / 1000;
    const n = rows.length;
    // The run's evaluation sets (validation + test, evaluation batch 32): streamed and padded per batch when
    // evaluated (encodeForEval with a cache), or every padded batch built up front (the peer, as before).
    const evalExamples = [...data.validation, ...data.test];
    const beforeEval = await used();
    const evalSet =
      stage === 'tokenize'
        ? encodeForEval(m.tokenizer, evalExamples, c.longText as LongTextStrategy, maxLength, 32, { tokenizer: m.ref, dir: cacheDir })
        : makeBatches(encodeDocuments(m.tokenizer, evalExamples, { strategy: c.longText as LongTextStrategy, maxLength }), 32, m.tokenizer.specials.pad, {
            tokenTypeIds: m.tokenizer.usesTokenTypeIds,
            sortByLength: true,
          });
    const heldEval = (await used()) - beforeEval;
    if ('close' in evalSet) evalSet.close();
    rows.close();
    rmSync(cacheDir, { recursive: true, force: true });
    return {
      stage,
      model: arg ?? 'starter',
      texts: data.train.length,
      rows: n,
      paddedTokens: tokens,
      tokenizeSeconds,
      cachedSeconds: tHit / 1000,
      batchSeconds,
      gc: !!gc,
      heldMB: held / 2 ** 20,
      heldBytesPerRow: held / n,
      evalTexts: evalExamples.length,
      heldEvalMB: heldEval / 2 ** 20,
      indexBytesPerRow: stage === 'tokenize' ? INDEX_BYTES_PER_ROW : undefined,
    };
  }
  throw new Error(`unknown stage ${stage}: use results, demoreport, embed, tokenize or tokenize-memory`);
}

main().then(
  (r) => console.log(JSON.stringify(r)),
  (e: Error) => {
    console.error(e.message);
    process.exit(1);
  },
);
