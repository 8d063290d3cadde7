// Long-text strategy 'sentence-mean': each text is split into sentences (lines; a one-line text at sentence
// punctuation), each sentence into windows of at most maxLength tokens, and the model reads the mean of the
// pieces' pooled embeddings (src/engine/models/docPool.ts) — the frozen-embedding baseline's pooling, trained.
// Training samples up to k pieces per document per step (seeded by seed, epoch and step, so a resumed run
// draws the same ones); evaluation reads every piece. The head is linear in the mean embedding, so a
// document's logits are exactly the mean of its pieces' logits: evaluation and prediction run the pieces as
// ordinary rows (sorted by length, little padding) and average their logits like 'chunks' windows.
import { SettingError } from '../../shared/settings';
import {
  DocPoolClassifier,
  DOC_POOL_INPUT,
  docPoolMatrix,
  PIECE_POOL_INPUT,
  POSITION_IDS_INPUT,
  SEGMENT_IDS_INPUT,
  type PoolingClassifier,
} from '../../engine/models/docPool';
import type { Batch, SequenceClassifier, TensorData } from '../../engine';
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

/** A batch of pieces as rows plus the packed-piece inputs of engine/models/docPool.ts (Batch.extra). */
export interface PackedPieces {
  batch: TokenBatch;
  extra: Record<string, TensorData>;
}

function packedLayout(
  lengths: readonly number[],
  placeOf: readonly { row: number; offset: number; segment: number }[],
  rowCount: number,
  seq: number,
): Record<string, TensorData> {
  const tokens = rowCount * seq;
  const positions = new BigInt64Array(tokens);
  const segments = new BigInt64Array(tokens);
  const pool = new Float32Array(lengths.length * tokens);
  lengths.forEach((n, p) => {
    const { row, offset, segment } = placeOf[p];
    for (let j = 0; j < n; j++) {
      const at = row * seq + offset + j;
      positions[at] = BigInt(j);
      segments[at] = BigInt(segment);
      pool[p * tokens + at] = 1 / n;
    }
  });
  return {
    [POSITION_IDS_INPUT]: { data: positions, dims: [rowCount, seq] },
    [SEGMENT_IDS_INPUT]: { data: segments, dims: [rowCount, seq] },
    [PIECE_POOL_INPUT]: { data: pool, dims: [lengths.length, tokens] },
  };
}

/**
 * Packs pieces into rows as long as the longest piece: first fit, longest first (ties in the given order), so a
 * batch of sentences of ~31 tokens computes about half the positions it would padded one per row. Piece p of
 * `rows` is row p of piece_pool; an empty piece takes no place and pools to zeros, as an all-padding row does.
 */
export function packPieces(rows: readonly EncodedRow[], pad: number, opts: { tokenTypeIds?: boolean } = {}): PackedPieces {
  const seq = Math.max(1, ...rows.map((r) => r.ids.length));
  const order = rows.map((_, i) => i).sort((a, b) => rows[b].ids.length - rows[a].ids.length || a - b);
  const used: number[] = [];
  const counts: number[] = [];
  const placeOf = new Array<{ row: number; offset: number; segment: number }>(rows.length);
  for (const p of order) {
    const n = rows[p].ids.length;
    if (n === 0) {
      placeOf[p] = { row: 0, offset: 0, segment: 0 };
      continue;
    }
    let row = used.findIndex((u) => u + n <= seq);
    if (row < 0) {
      row = used.length;
      used.push(0);
      counts.push(0);
    }
    placeOf[p] = { row, offset: used[row], segment: ++counts[row] };
    used[row] += n;
  }
  const rowCount = Math.max(1, used.length);
  const inputIds = new BigInt64Array(rowCount * seq).fill(BigInt(pad));
  const attentionMask = new BigInt64Array(rowCount * seq);
  rows.forEach((r, p) => {
    const { row, offset } = placeOf[p];
    r.ids.forEach((id, j) => {
      inputIds[row * seq + offset + j] = BigInt(id);
      attentionMask[row * seq + offset + j] = 1n;
    });
  });
  const batch: TokenBatch = { inputIds, attentionMask, batch: rowCount, seq, docs: Array.from({ length: rowCount }, () => -1) };
  if (opts.tokenTypeIds) batch.tokenTypeIds = new BigInt64Array(rowCount * seq);
  const lengths = rows.map((r) => r.ids.length);
  return { batch, extra: packedLayout(lengths, placeOf, rowCount, seq) };
}

/** The packed-piece inputs of a padded batch read as it is: one piece per row (its valid tokens), no reordering. */
export function onePiecePerRow(b: TokenBatch): Record<string, TensorData> {
  const lengths = Array.from({ length: b.batch }, (_, r) => {
    let n = 0;
    for (let j = 0; j < b.seq; j++) if (b.attentionMask[r * b.seq + j] !== 0n) n = j + 1;
    return n;
  });
  return packedLayout(
    lengths,
    lengths.map((_, r) => ({ row: r, offset: 0, segment: 1 })),
    b.batch,
    b.seq,
  );
}

/**
 * One training step's batch: the sampled pieces of `docIdx` (documents of `byDoc`) as rows — packed several to a
 * row when `packed` (the model reads packed pieces: DocPoolClassifier.packed) — doc_pool [docs, pieces] with 1/n
 * weights, one label per document.
 */
export function docPoolTrainBatch(
  byDoc: readonly (readonly EncodedRow[])[] | DocRows,
  docIdx: readonly number[],
  o: { k: number; seed: number; epoch: number; step: number; pad: number; tokenTypeIds?: boolean; packed?: boolean },
): DocPoolBatch {
  const of = (d: number) => ('rowsOf' in byDoc ? byDoc.rowsOf(d) : byDoc[d]);
  const chosen = docIdx.map((d) => samplePieces(of(d), o.k, o.seed, o.epoch, o.step, d));
  const pieces = chosen.flat().map((r) => ({ ...r, label: undefined }));
  const packed = o.packed ? packPieces(pieces, o.pad, { tokenTypeIds: o.tokenTypeIds }) : undefined;
  const b = packed?.batch ?? padBatch(pieces, o.pad, { tokenTypeIds: o.tokenTypeIds });
  const labels = BigInt64Array.from(chosen, (c, i) => {
    const d = docIdx[i];
    const l = c[0]?.label;
    if (l === undefined) throw new Error(`document ${d} has no label`);
    return BigInt(l);
  });
  const pool = docPoolMatrix(chosen.map((c) => c.length));
  return { ...b, labels, docs: [...docIdx], extra: { ...packed?.extra, [DOC_POOL_INPUT]: { data: pool, dims: [docIdx.length, pieces.length] } } };
}

/**
 * An evaluation batch of pieces as rows: doc_pool = identity, so the logits come back per piece (average them per
 * document). `packed`: the model reads packed pieces (here one per row, the batch's layout unchanged).
 */
export function withPiecePool(b: TokenBatch, packed = false): Batch {
  const eye = new Float32Array(b.batch * b.batch);
  for (let i = 0; i < b.batch; i++) eye[i * b.batch + i] = 1;
  return { ...b, labels: undefined, extra: { ...(packed ? onePiecePerRow(b) : {}), [DOC_POOL_INPUT]: { data: eye, dims: [b.batch, b.batch] } } };
}

/** A batch of one document's pieces as one document (doc_pool = 1/n each): its logits are the document's. */
export function asOneDocument(b: TokenBatch, packed = false): Batch {
  return {
    ...b,
    labels: undefined,
    extra: { ...(packed ? onePiecePerRow(b) : {}), [DOC_POOL_INPUT]: { data: docPoolMatrix([b.batch]), dims: [1, b.batch] } },
  };
}

/** Whether the trainer's 'sentence-mean' model of `model` reads packed pieces (DocPoolClassifier's default). */
export { readsPackedPieces } from '../../engine/models/docPool';

/** The model the trainer runs for 'sentence-mean' (a clear error for a model without pooled embeddings). */
export function docPoolModel(model: SequenceClassifier): DocPoolClassifier {
  if (typeof model.buildPooled !== 'function')
    throw new SettingError(
      ['longText'],
      (n) => `${n('longText')} ${SENTENCE_MEAN} needs a model with sentence embeddings; '${model.architecture}' has none: choose another ${n('longText')}`,
    );
  return new DocPoolClassifier(model as PoolingClassifier);
}
