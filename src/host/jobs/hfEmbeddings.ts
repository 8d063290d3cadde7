// Frozen mean-pooled embeddings of any supported Hugging Face encoder (BERT, DistilBERT, RoBERTa) through the
// engine: one eval-mode forward program (buildPooled = mean of the last hidden state over unmasked tokens), fed
// windows of each text in batches sorted by length; a text's embedding is the mean of its windows' embeddings.
import { Graph, Program, type TensorData } from '../../engine';
import { encodeDocuments, makeBatches, type LongTextStrategy, type TokenBatch } from '../tokenize';
import { loadTrainableModel, type TrainableModel } from '../train/model';
import { CancelledError } from '../core';
import { embedInGroups } from './embedGroups';

/** Longest window embedded; longer model limits cost quadratic time for little gain in a frozen baseline. */
export const HF_EMBEDDING_MAX_TOKENS = 512;

export interface HfEmbedder {
  tm: TrainableModel;
  program: Program;
  /** The frozen weights, fed to every run. */
  feeds: Record<string, TensorData>;
  hiddenSize: number;
  maxLength: number;
}

export async function createHfEmbedder(spec: string, opts: { threads?: number } = {}): Promise<HfEmbedder> {
  // The classification head is loaded (random) but unused: buildPooled stops before it.
  const tm = await loadTrainableModel(spec, 2, 0);
  const build = tm.model.buildPooled?.bind(tm.model);
  if (!build) throw new Error(`the embeddings baseline needs pooled embeddings; '${tm.model.architecture}' has none`);
  const g = new Graph({ training: false });
  const pooled = build(g);
  g.output('embedding', pooled);
  const hiddenSize = Number(pooled.shape[pooled.shape.length - 1]);
  const program = await Program.compile(g, { threads: opts.threads });
  const feeds: Record<string, TensorData> = {};
  for (const p of tm.model.params) {
    const data = tm.weights.get(p.name);
    if (!data) throw new Error(`model weights lack '${p.name}'`);
    feeds[p.name] = { data, dims: p.shape as number[] };
  }
  const modelMax = (tm.model as { maxSequenceLength?: number }).maxSequenceLength ?? HF_EMBEDDING_MAX_TOKENS;
  const maxLength = Math.min(tm.tokenizer.modelMaxLength, modelMax, HF_EMBEDDING_MAX_TOKENS);
  return { tm, program, feeds, hiddenSize, maxLength };
}

/** Runs one padded batch: [batch.batch * hiddenSize] row-major pooled embeddings. */
export async function embedBatch(e: HfEmbedder, b: TokenBatch): Promise<Float32Array> {
  const dims = [b.batch, b.seq];
  const feeds: Record<string, TensorData> = { ...e.feeds, input_ids: { data: b.inputIds, dims }, attention_mask: { data: b.attentionMask, dims } };
  if (e.tm.model.inputNames.includes('token_type_ids')) feeds.token_type_ids = { data: b.tokenTypeIds ?? new BigInt64Array(b.batch * b.seq), dims };
  const res = await e.program.run(feeds);
  return res.embedding.data as Float32Array;
}

/** Mean-pooled embeddings of texts, [texts.length][hiddenSize]; progress per batch, honours cancel. */
export async function embedTextsHf(
  e: HfEmbedder,
  texts: string[],
  strategy: LongTextStrategy = 'chunks',
  onProgress: (done: number, total: number) => void = () => undefined,
  signal?: AbortSignal,
  batchSize = 16,
): Promise<Float32Array[]> {
  // In groups of texts (tokenised windows and sums exist for one group at a time); progress in texts.
  return embedInGroups(texts, e.hiddenSize, (group, onFraction) => embedGroupHf(e, group, strategy, onFraction, signal, batchSize), onProgress);
}

async function embedGroupHf(
  e: HfEmbedder,
  texts: string[],
  strategy: LongTextStrategy,
  onFraction: (f: number) => void,
  signal: AbortSignal | undefined,
  batchSize: number,
): Promise<Float32Array[]> {
  const tok = e.tm.tokenizer;
  const rows = encodeDocuments(
    tok,
    texts.map((text) => ({ text })),
    { strategy, maxLength: e.maxLength },
  );
  const batches = makeBatches(rows, batchSize, tok.specials.pad, { tokenTypeIds: e.tm.model.inputNames.includes('token_type_ids'), sortByLength: true });
  const h = e.hiddenSize;
  const sums = texts.map(() => new Float64Array(h));
  const counts = new Int32Array(texts.length);
  let done = 0;
  for (const b of batches) {
    await new Promise<void>((r) => setImmediate(r));
    if (signal?.aborted) throw new CancelledError();
    const emb = await embedBatch(e, b);
    b.docs.forEach((doc, r) => {
      const s = sums[doc];
      for (let k = 0; k < h; k++) s[k] += emb[r * h + k];
      counts[doc]++;
    });
    done += b.batch;
    onFraction(done / rows.length);
  }
  return sums.map((s, i) => {
    if (counts[i] === 0) throw new Error(`text ${i} produced no windows`);
    return Float32Array.from(s, (v) => v / counts[i]);
  });
}
