// Long-text strategies and batching on token-id arrays, independent of any tokenizer: a tokenizer supplies the
// content ids of a text (no special tokens) and its special-token template; these functions cut, wrap and pad.
//
//   head       first (max - specials) content tokens                       (what most tutorials do)
//   tail       last (max - specials) content tokens
//   head+tail  first h and last (max - specials - h) content tokens (Sun et al. 2019, "How to Fine-Tune BERT for
//              Text Classification?": h = 128 of 510 for max 512 was best on IMDb); h defaults to
//              round(128/510 of the budget), so 128 + 382 at max length 512
//   chunks     overlapping windows of up to (max - specials) content tokens, each wrapped in the special tokens,
//              each carrying its document's label and index; a document's prediction is the mean of its windows'
//              logits (aggregateWindowLogits)
// Training order: trainingBatches shuffles rows per epoch with mulberry32(seed, epoch); with `bucket`, rows of
// similar length are grouped inside pools of bucket x batchSize before the batches are shuffled (less padding).
import { mulberry32, shuffled } from '../../shared/prng';
import { SettingError } from '../../shared/settings';
import type { Batch } from '../../engine';

export type LongTextStrategy = 'head' | 'tail' | 'head+tail' | 'chunks';
export const LONG_TEXT_STRATEGIES: readonly LongTextStrategy[] = ['head', 'tail', 'head+tail', 'chunks'];

/** How a tokenizer wraps one sequence, e.g. BERT: prefix [CLS], suffix [SEP]; RoBERTa: <s> ... </s>. */
export interface SpecialTokens {
  prefix: number[];
  suffix: number[];
  pad: number;
}

/** What the strategies need from a tokenizer; HF tokenizers (./hf.ts) and the starter's SentencePiece both fit. */
export interface TextTokenizer {
  readonly name: string;
  readonly specials: SpecialTokens;
  /** Whether the model takes token_type_ids (BERT does; DistilBERT and RoBERTa do not). */
  readonly usesTokenTypeIds: boolean;
  /** The model's maximum sequence length including special tokens (e.g. 512). */
  readonly modelMaxLength: number;
  /** Content token ids of `text`, without special tokens. */
  encode(text: string): number[];
}

export interface StrategyOptions {
  strategy: LongTextStrategy;
  /** Maximum sequence length including special tokens. */
  maxLength: number;
  /** head+tail: content tokens kept from the start (default round(budget * 128 / 510)). */
  headTokens?: number;
  /** chunks: content tokens shared by consecutive windows (default a quarter of the budget). */
  overlap?: number;
  /** chunks: at most this many windows per document, spread evenly over it (default: all). */
  maxChunks?: number;
}

/** A model input row: the full id sequence (special tokens included) and the document it came from. */
export interface EncodedRow {
  ids: number[];
  doc: number;
  /** Window number within the document (0 for the truncation strategies). */
  window: number;
  label?: number;
}

export function contentBudget(specials: SpecialTokens, maxLength: number): number {
  const b = maxLength - specials.prefix.length - specials.suffix.length;
  if (!Number.isInteger(maxLength) || b < 1)
    throw new SettingError(
      ['maxLength'],
      (n) =>
        `${n('maxLength')} ${maxLength} leaves no room for text after ${specials.prefix.length + specials.suffix.length} special tokens; use a larger ${n('maxLength')}`,
    );
  return b;
}

/** Default head size for head+tail: Sun et al.'s 128 of 510 content tokens, scaled to the budget. */
export function defaultHeadTokens(budget: number): number {
  return Math.round((budget * 128) / 510);
}

/** Content windows of a document (before wrapping). The last window ends at the document's end, so none is short. */
export function chunkWindows(ids: readonly number[], budget: number, overlap: number, maxChunks?: number): number[][] {
  if (overlap < 0 || overlap >= budget) throw new Error(`chunk overlap ${overlap} must be at least 0 and below the window's ${budget} content tokens`);
  if (ids.length <= budget) return [ids.slice()];
  const step = budget - overlap;
  const starts: number[] = [];
  for (let s = 0; s + budget < ids.length; s += step) starts.push(s);
  starts.push(ids.length - budget);
  let chosen = starts;
  if (maxChunks !== undefined && maxChunks >= 1 && starts.length > maxChunks) {
    // Evenly spaced subset that keeps the first and last windows.
    chosen = maxChunks === 1 ? [0] : Array.from({ length: maxChunks }, (_, i) => starts[Math.round((i * (starts.length - 1)) / (maxChunks - 1))]);
  }
  return chosen.map((s) => ids.slice(s, s + budget));
}

/** Cuts one document's content ids by the strategy and wraps each piece in the special tokens. */
export function applyStrategy(ids: readonly number[], specials: SpecialTokens, opts: StrategyOptions): number[][] {
  const budget = contentBudget(specials, opts.maxLength);
  const wrap = (c: readonly number[]) => [...specials.prefix, ...c, ...specials.suffix];
  if (ids.length <= budget) return [wrap(ids)];
  switch (opts.strategy) {
    case 'head':
      return [wrap(ids.slice(0, budget))];
    case 'tail':
      return [wrap(ids.slice(ids.length - budget))];
    case 'head+tail': {
      const h = Math.min(budget, Math.max(0, opts.headTokens ?? defaultHeadTokens(budget)));
      return [wrap([...ids.slice(0, h), ...ids.slice(ids.length - (budget - h))])];
    }
    case 'chunks':
      return chunkWindows(ids, budget, opts.overlap ?? Math.floor(budget / 4), opts.maxChunks).map(wrap);
    default:
      throw new Error(`unknown long-text strategy "${String(opts.strategy)}"; choose one of ${LONG_TEXT_STRATEGIES.join(', ')}`);
  }
}

/** Encodes documents into model rows (several per document for 'chunks'); rows keep doc index and label. */
export function encodeDocuments(tok: TextTokenizer, docs: readonly { text: string; label?: number }[], opts: StrategyOptions): EncodedRow[] {
  const rows: EncodedRow[] = [];
  encodeDocumentsEach(tok, docs, opts, (r) => rows.push(r));
  return rows;
}

/** encodeDocuments one row at a time, for a caller that streams the rows to disk (./tokenRows.ts). */
export function encodeDocumentsEach(
  tok: TextTokenizer,
  docs: readonly { text: string; label?: number }[],
  opts: StrategyOptions,
  emit: (row: EncodedRow) => void,
): void {
  docs.forEach((d, doc) => {
    applyStrategy(tok.encode(d.text), tok.specials, opts).forEach((ids, window) => emit({ ids, doc, window, label: d.label }));
  });
}

/** The engine's batch layout: int64 [batch, seq], row-major. */
export interface TokenBatch extends Batch {
  /** Document index of each row (for aggregating chunk logits). */
  docs: number[];
}

/** Pads rows to the longest one in the batch (dynamic padding); token type ids are all 0 for single sequences. */
export function padBatch(rows: readonly EncodedRow[], pad: number, opts: { tokenTypeIds?: boolean } = {}): TokenBatch {
  const batch = rows.length;
  const seq = rows.reduce((m, r) => Math.max(m, r.ids.length), 0);
  const inputIds = new BigInt64Array(batch * seq).fill(BigInt(pad));
  const attentionMask = new BigInt64Array(batch * seq);
  rows.forEach((r, i) => {
    for (let j = 0; j < r.ids.length; j++) {
      inputIds[i * seq + j] = BigInt(r.ids[j]);
      attentionMask[i * seq + j] = 1n;
    }
  });
  const out: TokenBatch = { inputIds, attentionMask, batch, seq, docs: rows.map((r) => r.doc) };
  if (opts.tokenTypeIds) out.tokenTypeIds = new BigInt64Array(batch * seq);
  if (rows.every((r) => r.label !== undefined)) out.labels = BigInt64Array.from(rows, (r) => BigInt(r.label!));
  return out;
}

/**
 * Splits rows into batches of `batchSize`. With `sortByLength`, rows of similar length share a batch (less padding;
 * use for evaluation, where order does not matter: TokenBatch.docs says whose rows they are).
 */
export function makeBatches(
  rows: readonly EncodedRow[],
  batchSize: number,
  pad: number,
  opts: { tokenTypeIds?: boolean; sortByLength?: boolean } = {},
): TokenBatch[] {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batch size must be a positive integer (got ${batchSize})`);
  const order = rows.slice();
  if (opts.sortByLength) order.sort((a, b) => a.ids.length - b.ids.length || a.doc - b.doc || a.window - b.window);
  const out: TokenBatch[] = [];
  for (let i = 0; i < order.length; i += batchSize) out.push(padBatch(order.slice(i, i + batchSize), pad, opts));
  return out;
}

/**
 * Mean of each document's window logits. `logits` is [rows, numLabels] row-major; `docs[i]` is row i's document.
 * Returns [numDocs, numLabels]; a document with no rows is an error (it would silently score 0).
 */
export function aggregateWindowLogits(logits: Float32Array, numLabels: number, docs: readonly number[], numDocs: number): Float32Array {
  if (logits.length !== docs.length * numLabels)
    throw new Error(`logits hold ${logits.length / numLabels} rows but ${docs.length} document indices were given`);
  const sum = new Float64Array(numDocs * numLabels);
  const count = new Uint32Array(numDocs);
  docs.forEach((d, i) => {
    count[d]++;
    for (let c = 0; c < numLabels; c++) sum[d * numLabels + c] += logits[i * numLabels + c];
  });
  const out = new Float32Array(numDocs * numLabels);
  for (let d = 0; d < numDocs; d++) {
    if (count[d] === 0) throw new Error(`document ${d} has no windows; encode every document before aggregating`);
    for (let c = 0; c < numLabels; c++) out[d * numLabels + c] = sum[d * numLabels + c] / count[d];
  }
  return out;
}

/**
 * One epoch of training batches: rows shuffled by a PRNG seeded from (seed, epoch), so a run is reproducible and
 * resumable at any epoch. With bucket = k > 1, each pool of k * batchSize shuffled rows is sorted by length and cut
 * into batches, and the batch order is shuffled again: far less padding, still random.
 */
export function trainingBatches(
  rows: readonly EncodedRow[],
  batchSize: number,
  pad: number,
  opts: { seed: number; epoch: number; bucket?: number; tokenTypeIds?: boolean },
): TokenBatch[] {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batch size must be a positive integer (got ${batchSize})`);
  const rand = mulberry32((Math.imul(opts.seed >>> 0, 0x9e3779b1) ^ (opts.epoch + 1)) >>> 0);
  const order = shuffled(rows, rand);
  const k = Math.max(1, Math.floor(opts.bucket ?? 1));
  const groups: EncodedRow[][] = [];
  for (let p = 0; p < order.length; p += k * batchSize) {
    const pool = order.slice(p, p + k * batchSize);
    if (k > 1) pool.sort((a, b) => a.ids.length - b.ids.length);
    for (let i = 0; i < pool.length; i += batchSize) groups.push(pool.slice(i, i + batchSize));
  }
  const batches = k > 1 ? shuffled(groups, rand) : groups;
  return batches.map((g) => padBatch(g, pad, opts));
}
