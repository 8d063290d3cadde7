// Evaluation of a (training or loaded) model on encoded documents: window logits averaged per document
// ('chunks'), softmax, metrics.
import type { EvalMetrics } from '../../protocol';
import type { Example } from '../data';
import { evaluatePredictions } from '../eval';
import { cachedEncode } from '../tokenize/cache';
import { aggregateWindowLogits, encodeDocuments, makeBatches, type LongTextStrategy, type TextTokenizer, type TokenBatch } from '../tokenize';
import { encodeSentencePieces, SENTENCE_MEAN } from './docPool';

export interface EncodedSet {
  examples: Example[];
  batches: TokenBatch[];
}

/** 'sentence-mean' reads every sentence as a row: averaging their logits equals the head on the mean embedding. */
export function encodeForEval(
  tok: TextTokenizer,
  examples: Example[],
  strategy: LongTextStrategy | typeof SENTENCE_MEAN,
  maxLength: number,
  batchSize: number,
  cache?: { tokenizer: unknown; dir?: string | null },
): EncodedSet {
  const docs = examples.map((e) => ({ text: e.text, label: e.label }));
  const encode = () => (strategy === SENTENCE_MEAN ? encodeSentencePieces(tok, docs, maxLength) : encodeDocuments(tok, docs, { strategy, maxLength }));
  // With a cache key (a fine-tuning run's evaluation sets), rows come from the token cache (../tokenize/cache.ts).
  const rows = cache ? cachedEncode({ tokenizer: cache.tokenizer, strategy: { longText: strategy, maxLength } }, docs, encode, cache.dir).rows : encode();
  return { examples, batches: makeBatches(rows, batchSize, tok.specials.pad, { tokenTypeIds: tok.usesTokenTypeIds, sortByLength: true }) };
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
