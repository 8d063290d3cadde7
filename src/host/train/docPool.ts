// Long-text strategy 'sentence-mean': each text is split into sentences (lines; a one-line text at sentence
// punctuation), each sentence into windows of at most maxLength tokens, and the model reads the mean of the
// pieces' pooled embeddings (src/engine/models/docPool.ts) — the frozen-embedding baseline's pooling, trained.
// Training samples up to k pieces per document per step (seeded by seed, epoch and step, so a resumed run
// draws the same ones); evaluation reads every piece. The head is linear in the mean embedding, so a
// document's logits are exactly the mean of its pieces' logits: evaluation and prediction run the pieces as
// ordinary rows (sorted by length, little padding) and average their logits like 'chunks' windows.
import { SettingError } from '../../shared/settings';
import { DocPoolClassifier, DOC_POOL_INPUT, docPoolMatrix, type PoolingClassifier } from '../../engine/models/docPool';
import type { Batch, SequenceClassifier } from '../../engine';
import { mixSeed, permutation } from '../../shared/prng';
import { contentBudget, padBatch, type EncodedRow, type TextTokenizer, type TokenBatch } from '../tokenize';
import type { TokenRows } from '../tokenize/tokenRows';

export const SENTENCE_MEAN = 'sentence-mean';
/** Sentences sampled per text per training step unless TrainConfig.docPieces says otherwise (the settings schema's default). */
export { DEFAULT_DOC_PIECES } from '../../shared/settings';

/** Non-empty lines; a text on one line is cut after . ! ? followed by a space. */
export function splitSentences(text: string): string[] {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  if (lines.length !== 1) return lines;
  return lines[0]
    .split(/(?<=[.!?])\s+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Rows of every piece of every document (doc = its index, window = piece number); an empty text gives one empty piece. */
export function encodeSentencePieces(tok: TextTokenizer, docs: readonly { text: string; label?: number }[], maxLength: number): EncodedRow[] {
  const rows: EncodedRow[] = [];
  encodeSentencePiecesEach(tok, docs, maxLength, (r) => rows.push(r));
  return rows;
}

/** encodeSentencePieces one row at a time (streamed to disk by the training setup). */
export function encodeSentencePiecesEach(
  tok: TextTokenizer,
  docs: readonly { text: string; label?: number }[],
  maxLength: number,
  emit: (row: EncodedRow) => void,
): void {
  const budget = contentBudget(tok.specials, maxLength);
  docs.forEach((d, doc) => {
    const sentences = splitSentences(d.text);
    // Consecutive, non-overlapping windows of a long sentence (as the frozen baseline's useLiteWindows cuts).
    const pieces = (sentences.length === 0 ? [[]] : sentences.map((s) => tok.encode(s))).flatMap((ids) => {
      const out: number[][] = [];
      for (let i = 0; i === 0 || i < ids.length; i += budget) out.push([...tok.specials.prefix, ...ids.slice(i, i + budget), ...tok.specials.suffix]);
      return out;
    });
    pieces.forEach((ids, window) => emit({ ids, doc, window, label: d.label }));
  });
}

/** Pieces grouped per document, in document order. */
export function piecesByDocument(rows: readonly EncodedRow[], numDocs: number): EncodedRow[][] {
  const out: EncodedRow[][] = Array.from({ length: numDocs }, () => []);
  for (const r of rows) out[r.doc].push(r);
  out.forEach((p, d) => {
    if (p.length === 0) throw new Error(`document ${d} has no pieces`);
  });
  return out;
}

/** The rows of each document, read on demand from rows in document order (a fine-tuning run's training rows). */
export interface DocRows {
  readonly length: number;
  rowsOf(doc: number): EncodedRow[];
}

/** DocRows over TokenRows: each document's first row, found from the in-memory index (4 bytes a document). */
export function docRows(rows: TokenRows, numDocs: number): DocRows {
  const start = new Int32Array(numDocs + 1).fill(-1);
  for (let i = rows.length - 1; i >= 0; i--) {
    const d = rows.doc(i);
    if (i > 0 && rows.doc(i - 1) > d) throw new Error(`token rows are not in document order at row ${i}`);
    start[d] = i;
  }
  start[numDocs] = rows.length;
  for (let d = numDocs - 1; d >= 0; d--) {
    if (start[d] < 0) throw new Error(`document ${d} has no pieces`);
  }
  return {
    length: numDocs,
    rowsOf: (d) => Array.from({ length: start[d + 1] - start[d] }, (_, j) => rows.get(start[d] + j)),
  };
}

/** Up to k pieces of a document, drawn without replacement from (seed, epoch, step, doc), kept in text order. */
export function samplePieces(pieces: readonly EncodedRow[], k: number, seed: number, epoch: number, step: number, doc: number): EncodedRow[] {
  if (pieces.length <= k) return pieces.slice();
  const pick = permutation(pieces.length, mixSeed(seed, epoch, step, doc))
    .slice(0, k)
    .sort((a, b) => a - b);
  return pick.map((i) => pieces[i]);
}

export interface DocPoolBatch extends Batch {
  docs: number[];
}

/**
 * One training step's batch: the sampled pieces of `docIdx` (documents of `byDoc`) as rows, doc_pool [docs, rows]
 * with 1/n weights, one label per document.
 */
export function docPoolTrainBatch(
  byDoc: readonly (readonly EncodedRow[])[] | DocRows,
  docIdx: readonly number[],
  o: { k: number; seed: number; epoch: number; step: number; pad: number; tokenTypeIds?: boolean },
): DocPoolBatch {
  const of = (d: number) => ('rowsOf' in byDoc ? byDoc.rowsOf(d) : byDoc[d]);
  const chosen = docIdx.map((d) => samplePieces(of(d), o.k, o.seed, o.epoch, o.step, d));
  const b = padBatch(
    chosen.flat().map((r) => ({ ...r, label: undefined })),
    o.pad,
    { tokenTypeIds: o.tokenTypeIds },
  );
  const labels = BigInt64Array.from(chosen, (c, i) => {
    const d = docIdx[i];
    const l = c[0]?.label;
    if (l === undefined) throw new Error(`document ${d} has no label`);
    return BigInt(l);
  });
  const pool = docPoolMatrix(chosen.map((c) => c.length));
  return { ...b, labels, docs: [...docIdx], extra: { [DOC_POOL_INPUT]: { data: pool, dims: [docIdx.length, b.batch] } } };
}

/** An evaluation batch of pieces as rows: doc_pool = identity, so the logits come back per piece (average them per document). */
export function withPiecePool(b: TokenBatch): Batch {
  const eye = new Float32Array(b.batch * b.batch);
  for (let i = 0; i < b.batch; i++) eye[i * b.batch + i] = 1;
  return { ...b, labels: undefined, extra: { [DOC_POOL_INPUT]: { data: eye, dims: [b.batch, b.batch] } } };
}

/** A batch of one document's pieces as one document (doc_pool = 1/n each): its logits are the document's. */
export function asOneDocument(b: TokenBatch): Batch {
  return { ...b, labels: undefined, extra: { [DOC_POOL_INPUT]: { data: docPoolMatrix([b.batch]), dims: [1, b.batch] } } };
}

/** The model the trainer runs for 'sentence-mean' (a clear error for a model without pooled embeddings). */
export function docPoolModel(model: SequenceClassifier): DocPoolClassifier {
  if (typeof model.buildPooled !== 'function')
    throw new SettingError(
      ['longText'],
      (n) => `${n('longText')} ${SENTENCE_MEAN} needs a model with sentence embeddings; '${model.architecture}' has none: choose another ${n('longText')}`,
    );
  return new DocPoolClassifier(model as PoolingClassifier);
}
