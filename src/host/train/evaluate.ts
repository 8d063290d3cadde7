// Evaluation of a (training or loaded) model on encoded documents: window logits averaged per document
// ('chunks'), softmax, metrics.
import type { EvalMetrics } from '../../protocol';
import type { Example } from '../data';
import { evaluatePredictions } from '../eval';
import { cachedTokenRows } from '../tokenize/cache';
import { memoryTokenRows, type TokenRows } from '../tokenize/tokenRows';
import { aggregateWindowLogits, encodeDocumentsEach, padBatch, type EncodedRow, type LongTextStrategy, type TextTokenizer, type TokenBatch } from '../tokenize';
import { encodeSentencePiecesEach, SENTENCE_MEAN } from './docPool';

/** Evaluation batches, padded when asked for (rows sorted by length, so little padding). */
export interface EvalBatches extends Iterable<TokenBatch> {
  readonly length: number;
  get(i: number): TokenBatch;
  /** Padded tokens (rows x longest row) of batch i, without building it. */
  tokens(i: number): number;
}

export interface EncodedSet {
  examples: Example[];
  batches: EvalBatches;
  /** Releases the token file behind the batches (a fine-tuning run's evaluation sets). */
  close(): void;
}

/**
 * Batches of `rows` in order of length (then row order: document, window), each padded on demand: memory holds
 * the order (one number a row), not the padded batches. The same batches as makeBatches(..., sortByLength).
 */
export function lengthSortedBatches(rows: TokenRows, batchSize: number, pad: number, tokenTypeIds: boolean): EvalBatches {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batch size must be a positive integer (got ${batchSize})`);
  const order = Array.from({ length: rows.length }, (_, i) => i).sort((a, b) => rows.size(a) - rows.size(b) || a - b);
  const length = Math.ceil(order.length / batchSize);
  const idx = (i: number) => order.slice(i * batchSize, (i + 1) * batchSize);
  const get = (i: number) =>
    padBatch(
      idx(i).map((j) => rows.get(j)),
      pad,
      { tokenTypeIds },
    );
  return {
    length,
    get,
    tokens: (i) => {
      const ix = idx(i);
      return ix.length * ix.reduce((m, j) => Math.max(m, rows.size(j)), 0);
    },
    *[Symbol.iterator]() {
      for (let i = 0; i < length; i++) yield get(i);
    },
  };
}

/**
 * 'sentence-mean' reads every sentence as a row: averaging their logits equals the head on the mean embedding.
 * With a cache key (a fine-tuning run's evaluation sets) the rows stream into the token cache file
 * (../tokenize/cache.ts) and each batch is read back when it is evaluated; the caller closes the set.
 */
export function encodeForEval(
  tok: TextTokenizer,
  examples: Example[],
  strategy: LongTextStrategy | typeof SENTENCE_MEAN,
  maxLength: number,
  batchSize: number,
  cache?: { tokenizer: unknown; dir?: string | null },
): EncodedSet {
  const docs = examples.map((e) => ({ text: e.text, label: e.label }));
  const each = (emit: (r: EncodedRow) => void) =>
    strategy === SENTENCE_MEAN ? encodeSentencePiecesEach(tok, docs, maxLength, emit) : encodeDocumentsEach(tok, docs, { strategy, maxLength }, emit);
  let rows: TokenRows;
  if (cache && cache.dir !== null)
    rows = cachedTokenRows({ tokenizer: cache.tokenizer, strategy: { longText: strategy, maxLength } }, docs, each, cache.dir).rows;
  else {
    const all: EncodedRow[] = [];
    each((r) => all.push(r));
    rows = memoryTokenRows(all);
  }
  return { examples, batches: lengthSortedBatches(rows, batchSize, tok.specials.pad, tok.usesTokenTypeIds), close: () => rows.close() };
}

export function softmaxRows(logits: Float32Array, k: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < logits.length / k; i++) {
    const row = Array.from(logits.subarray(i * k, (i + 1) * k));
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    out.push(e.map((v) => v / s));
  }
  return out;
}

/** Class probabilities per document, from a function that gives logits for a batch. */
export async function documentProbs(
  set: EncodedSet,
  k: number,
  logitsOf: (b: TokenBatch) => Promise<Float32Array>,
  onBatch?: (done: number, total: number) => Promise<void> | void,
): Promise<number[][]> {
  const logits: Float32Array[] = [];
  const docs: number[] = [];
  let i = 0;
  for (const b of set.batches) {
    logits.push(await logitsOf(b));
    docs.push(...b.docs);
    await onBatch?.(++i, set.batches.length);
  }
  const all = new Float32Array(docs.length * k);
  let at = 0;
  for (const l of logits) {
    all.set(l, at);
    at += l.length;
  }
  return softmaxRows(aggregateWindowLogits(all, k, docs, set.examples.length), k);
}

export function metricsOf(set: EncodedSet, probs: number[][], labels: string[], seed: number): EvalMetrics {
  return evaluatePredictions(
    set.examples.map((e) => e.label),
    probs,
    { labelNames: labels, seed },
  );
}
