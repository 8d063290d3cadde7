// Frozen-embedding baseline: the starter model's sentence embeddings, or any supported encoder's token-mean-pooled
// embeddings, averaged over each text's windows (frozen, through the engine), then the same L2 logistic regression
// as the TF-IDF baseline.
import { UseLiteEmbedder, USE_LITE_EMBEDDING_SIZE, USE_LITE_MAX_TOKENS as USE_LITE_MAX_TOKENS_FOR_KEY } from '../../engine/models/useLite';
import type { BaselineParams, RunResult } from '../../protocol';
import { denseToCsr, loadLogReg, predictProba, saveLogReg } from '../baselines';
import type { Example } from '../data';
import { loadStarterModel, meanOfWindows, useLiteTextWindows, type StarterModel, type UseLitePooling } from '../models/starter';
import type { RunFolder } from '../runs';
import { attachRun, CancelledError, prepareData, runJob, type JobContext, type Predictor } from '../core';
import { createBaselineRun, trainLinear } from './linear';
import { EMBED_GROUP_TEXTS, embedInGroups } from './embedGroups';
import { createHfEmbedder, embedTextsHf, type HfEmbedder } from './hfEmbeddings';
import { CHECKPOINT_BEST } from '../../shared/runLayout';
import { cachedEmbed, type CachedEmbeddings, type EmbeddingCacheKey } from './embeddingCache';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const EMBEDDING_POOLING: UseLitePooling = 'sentences';

/**
 * Mean-pooled embeddings of texts, [texts.length][512]; streams the texts in groups of EMBED_GROUP_TEXTS (memory
 * bounded by the group), reports progress in texts and honours cancel.
 */
export async function embedTexts(
  sm: StarterModel,
  embedder: UseLiteEmbedder,
  texts: string[],
  pooling: UseLitePooling,
  onProgress: (done: number, total: number) => void = () => undefined,
  signal?: AbortSignal,
): Promise<Float32Array[]> {
  return embedInGroups(texts, USE_LITE_EMBEDDING_SIZE, (group, onFraction) => embedGroup(sm, embedder, group, pooling, onFraction, signal), onProgress);
}

const starterHashes = new Map<string, string>();

/** SHA-256 over the starter package's version and every file of its dist/ (weights, vocabulary): the cache's model key. */
export function starterModelHash(sm: StarterModel): string {
  const known = starterHashes.get(sm.files.packageDir);
  if (known) return known;
  const h = createHash('sha256').update(`${sm.files.version}\n`);
  const dist = join(sm.files.packageDir, 'dist');
  for (const f of readdirSync(dist).sort()) h.update(`${f}\n`).update(readFileSync(join(dist, f)));
  const hex = h.digest('hex');
  starterHashes.set(sm.files.packageDir, hex);
  return hex;
}

/** The embedding cache's key for the starter model with a pooling. */
export function starterCacheKey(sm: StarterModel, pooling: UseLitePooling): EmbeddingCacheKey {
  return {
    model: { id: 'starter', version: sm.files.version, sha256: starterModelHash(sm) },
    pooling: `use-lite ${pooling}`,
    maxLength: USE_LITE_MAX_TOKENS_FOR_KEY,
    dim: USE_LITE_EMBEDDING_SIZE,
  };
}

/**
 * embedTexts through the embedding cache (./embeddingCache.ts): texts embedded before with the same model and
 * pooling are read, not encoded; the embedder is created only when some text is not cached.
 */
export async function embedTextsCached(
  sm: StarterModel,
  embedder: () => Promise<UseLiteEmbedder>,
  texts: string[],
  pooling: UseLitePooling,
  onProgress: (done: number, total: number) => void = () => undefined,
  signal?: AbortSignal,
): Promise<CachedEmbeddings> {
  return cachedEmbed(
    starterCacheKey(sm, pooling),
    texts,
    async (missing, progress) => embedTexts(sm, await embedder(), missing, pooling, progress, signal),
    onProgress,
  );
}

/** One lazily created embedder, disposed by dispose() if it was created. */
function lazyEmbedder(sm: StarterModel): { get: () => Promise<UseLiteEmbedder>; dispose: () => Promise<void> } {
  let e: Promise<UseLiteEmbedder> | undefined;
  return {
    get: () => (e ??= UseLiteEmbedder.create(sm.weights, { batchSize: 64 })),
    dispose: async () => {
      if (e) await (await e).dispose();
    },
  };
}

function cacheNote(c: CachedEmbeddings): string {
  return c.cache === 'off'
    ? 'embedding cache off'
    : `embedding cache: ${c.hits} read, ${c.embedded} embedded${c.cache === 'unwritable' ? ' (the cache folder is not writable: nothing stored)' : ''}`;
}

async function embedGroup(
  sm: StarterModel,
  embedder: UseLiteEmbedder,
  texts: string[],
  pooling: UseLitePooling,
  onFraction: (f: number) => void,
  signal?: AbortSignal,
): Promise<Float32Array[]> {
  const wins = texts.map((t) => useLiteTextWindows(sm.tokenizer, t, pooling));
  const flat = wins.flat();
  const all = new Float32Array(flat.length * USE_LITE_EMBEDDING_SIZE);
  // All windows of the group's texts sorted by length, so each session run pads to nearly equal lengths (the
  // embedder sorts only within what it is given): measured 1.5x less CPU than chunks in text order (40 reviews,
  // 1360 sentences). Chunks of sorted windows keep progress and cancel responsive.
  const order = flat.map((_, i) => i).sort((a, b) => flat[a].length - flat[b].length);
  const chunk = 512;
  for (let i = 0; i < order.length; i += chunk) {
    await new Promise<void>((r) => setImmediate(r));
    if (signal?.aborted) throw new CancelledError();
    const idx = order.slice(i, i + chunk);
    const emb = await embedder.embed(idx.map((j) => flat[j]));
    idx.forEach((j, r) => all.set(emb.subarray(r * USE_LITE_EMBEDDING_SIZE, (r + 1) * USE_LITE_EMBEDDING_SIZE), j * USE_LITE_EMBEDDING_SIZE));
    onFraction(Math.min(order.length, i + chunk) / order.length);
  }
  const mean = meanOfWindows(
    all,
    wins.map((w) => w.length),
  );
  return texts.map((_, i) => mean.subarray(i * USE_LITE_EMBEDDING_SIZE, (i + 1) * USE_LITE_EMBEDDING_SIZE));
}

export async function runEmbeddingBaseline(params: BaselineParams, ctx: JobContext = {}): Promise<RunResult> {
  const model = params.model ?? 'starter';
  if (model !== 'starter') return runHfEmbeddingBaseline(params, model, ctx);
  const seed = params.seed ?? 42;
  const data = prepareData(params);
  const sm = loadStarterModel();
  const run = createBaselineRun(params, 'baseline-embeddings', data, seed, {
    config: { model, pooling: EMBEDDING_POOLING, classifier: 'L2 logistic regression (lbfgs)' },
    model: { id: 'starter', revision: `${sm.files.version}` },
  });
  const progress = attachRun(run, ctx);
  const r = await runJob(run, async () => {
    const embedder = lazyEmbedder(sm);
    try {
      const parts = { train: data.train, validation: data.validation, test: data.test };
      const texts = [...parts.train, ...parts.validation, ...parts.test].map((e) => e.text);
      const t0 = Date.now();
      const cached = await embedTextsCached(
        sm,
        embedder.get,
        texts,
        EMBEDDING_POOLING,
        (done, total) => {
          const el = (Date.now() - t0) / 1000;
          progress({ phase: 'features', step: done, total, samplesPerSec: done / Math.max(el, 1e-3), etaSec: (el / Math.max(done, 1)) * (total - done) });
        },
        ctx.signal,
      );
      const rows = cached.rows;
      const sec = (Date.now() - t0) / 1000;
      run.log(
        cached.embedded === 0 && cached.cache !== 'off'
          ? `read the embeddings of ${texts.length} texts (${EMBEDDING_POOLING} pooling) from the embedding cache in ${sec.toFixed(1)} s; ${cacheNote(cached)}`
          : `embedded ${cached.embedded} of ${texts.length} texts (${EMBEDDING_POOLING} pooling) in ${sec.toFixed(1)} s: ${(cached.embedded / Math.max(sec, 1e-3)).toFixed(1)} reviews/s, in groups of ${EMBED_GROUP_TEXTS}; ${cacheNote(cached)}`,
      );
      let at = 0;
      const take = (ex: Example[]) => {
        const x = denseToCsr(rows.slice(at, at + ex.length), USE_LITE_EMBEDDING_SIZE);
        at += ex.length;
        return { x, examples: ex };
      };
      const splits = { labels: data.labels, train: take(parts.train), validation: take(parts.validation), test: take(parts.test) };
      const { fit, C, test } = await trainLinear(run, splits, ctx, { C: params.C, seed, progress });
      await run.saveCheckpoint(CHECKPOINT_BEST, (dir) => saveLogReg(dir, fit, { labels: data.labels, C, model, pooling: EMBEDDING_POOLING }));
      run.update({ config: { ...run.manifest.config, C }, test });
      progress({ phase: 'done', step: 1, total: 1 });
      return test;
    } finally {
      await embedder.dispose();
    }
  });
  return { runId: run.id, runDir: run.dir, kind: 'baseline-embeddings', status: r.status, test: r.value, error: r.error, warnings: run.manifest.warnings };
}

/** The embedding cache's key for a Hugging Face encoder: its files' hashes, the strategy, the window length. */
function hfCacheKey(emb: HfEmbedder): EmbeddingCacheKey {
  return { model: emb.tm.ref, pooling: `hf ${HF_EMBEDDING_POOLING}`, maxLength: emb.maxLength, dim: emb.hiddenSize };
}

/** Windows of a text's tokens embedded by a Hugging Face encoder, then averaged (see hfEmbeddings.ts). */
export const HF_EMBEDDING_POOLING = 'mean of last hidden state over tokens, then mean over chunks';

async function runHfEmbeddingBaseline(params: BaselineParams, model: string, ctx: JobContext): Promise<RunResult> {
  const seed = params.seed ?? 42;
  const data = prepareData(params);
  // Loaded before the run folder exists, so a bad model name is one error line and leaves no empty run.
  const emb = await createHfEmbedder(model);
  let run: RunFolder;
  try {
    run = createBaselineRun(params, 'baseline-embeddings', data, seed, {
      config: { model, pooling: HF_EMBEDDING_POOLING, maxLength: emb.maxLength, classifier: 'L2 logistic regression (lbfgs)' },
      model: emb.tm.ref,
    });
  } catch (err) {
    await emb.program.dispose();
    throw err;
  }
  const progress = attachRun(run, ctx);
  const r = await runJob(run, async () => {
    try {
      const parts = { train: data.train, validation: data.validation, test: data.test };
      const texts = [...parts.train, ...parts.validation, ...parts.test].map((e) => e.text);
      const t0 = Date.now();
      const cached = await cachedEmbed(
        hfCacheKey(emb),
        texts,
        (missing, p) => embedTextsHf(emb, missing, 'chunks', p, ctx.signal),
        (done, total) => {
          const el = (Date.now() - t0) / 1000;
          progress({ phase: 'features', step: done, total, samplesPerSec: done / Math.max(el, 1e-3), etaSec: (el / Math.max(done, 1)) * (total - done) });
        },
      );
      const rows = cached.rows;
      const sec = (Date.now() - t0) / 1000;
      run.log(
        `embedded ${cached.embedded} of ${texts.length} texts with ${emb.tm.ref.id} (windows of ${emb.maxLength} tokens) in ${sec.toFixed(1)} s: ${(cached.embedded / Math.max(sec, 1e-3)).toFixed(1)} reviews/s, in groups of ${EMBED_GROUP_TEXTS}; ${cacheNote(cached)}`,
      );
      let at = 0;
      const take = (ex: Example[]) => {
        const x = denseToCsr(rows.slice(at, at + ex.length), emb.hiddenSize);
        at += ex.length;
        return { x, examples: ex };
      };
      const splits = { labels: data.labels, train: take(parts.train), validation: take(parts.validation), test: take(parts.test) };
      const { fit, C, test } = await trainLinear(run, splits, ctx, { C: params.C, seed, progress });
      await run.saveCheckpoint(CHECKPOINT_BEST, (dir) =>
        saveLogReg(dir, fit, { labels: data.labels, C, model, source: emb.tm.source, pooling: HF_EMBEDDING_POOLING }),
      );
      run.update({ config: { ...run.manifest.config, C }, test });
      progress({ phase: 'done', step: 1, total: 1 });
      return test;
    } finally {
      await emb.program.dispose();
    }
  });
  return { runId: run.id, runDir: run.dir, kind: 'baseline-embeddings', status: r.status, test: r.value, error: r.error, warnings: run.manifest.warnings };
}

/** The predictor of a finished frozen-embedding run: its logistic regression over the same embedder. */
export async function loadEmbeddingPredictor(run: RunFolder): Promise<Predictor> {
  const lr = loadLogReg(run.checkpointDir(CHECKPOINT_BEST));
  const source = (lr.source as string | undefined) ?? (lr.model as string | undefined) ?? 'starter';
  if (source !== 'starter') {
    return {
      labels: lr.labels as string[],
      predictProba: async (texts) => {
        const emb: HfEmbedder = await createHfEmbedder(source);
        try {
          return predictProba(
            lr,
            denseToCsr((await cachedEmbed(hfCacheKey(emb), texts, (missing, p) => embedTextsHf(emb, missing, 'chunks', p))).rows, emb.hiddenSize),
          );
        } finally {
          await emb.program.dispose();
        }
      },
    };
  }
  const sm = loadStarterModel();
  return {
    labels: lr.labels as string[],
    predictProba: async (texts) => {
      const embedder = lazyEmbedder(sm);
      try {
        const { rows } = await embedTextsCached(sm, embedder.get, texts, (lr.pooling as UseLitePooling | undefined) ?? EMBEDDING_POOLING);
        return predictProba(lr, denseToCsr(rows, USE_LITE_EMBEDDING_SIZE));
      } finally {
        await embedder.dispose();
      }
    },
  };
}
