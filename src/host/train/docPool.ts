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
  const budget = contentBudget(tok.specials, maxLength);
  const rows: EncodedRow[] = [];
  docs.forEach((d, doc) => {
    const sentences = splitSentences(d.text);
    // Consecutive, non-overlapping windows of a long sentence (as the frozen baseline's useLiteWindows cuts).
    const pieces = (sentences.length === 0 ? [[]] : sentences.map((s) => tok.encode(s))).flatMap((ids) => {
      const out: number[][] = [];
      for (let i = 0; i === 0 || i < ids.length; i += budget) out.push([...tok.specials.prefix, ...ids.slice(i, i + budget), ...tok.specials.suffix]);
      return out;
    });
    pieces.forEach((ids, window) => rows.push({ ids, doc, window, label: d.label }));
  });
  return rows;
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
  byDoc: readonly EncodedRow[][],
  docIdx: readonly number[],
  o: { k: number; seed: number; epoch: number; step: number; pad: number; tokenTypeIds?: boolean },
): DocPoolBatch {
  const chosen = docIdx.map((d) => samplePieces(byDoc[d], o.k, o.seed, o.epoch, o.step, d));
  const b = padBatch(
    chosen.flat().map((r) => ({ ...r, label: undefined })),
    o.pad,
    { tokenTypeIds: o.tokenTypeIds },
  );
  const labels = BigInt64Array.from(docIdx, (d) => {
    const l = byDoc[d][0].label;
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
