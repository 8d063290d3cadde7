// Word saliency for the misclassified test examples: gradient x input on the token embeddings (the engine's
// Trainer.saliency), summed over each word's tokens, written to saliency.jsonl in the run folder.
//
// Score of a token = gradXInput, signed: d(the row's top logit)/d(embedding) . embedding, so a positive score
// pushes the row toward the class it predicts. For a wrong prediction that is the class the model wrongly chose,
// i.e. positive words are the ones that misled it. 'sentence-mean' runs differentiate the document's own top logit
// (the trainer's document-pooling model, fed the text's sentences as one document) w.r.t. the tokens of every
// sentence. With 'chunks' each window's gradient is taken toward that window's own top class (the engine
// differentiates the max logit per row), which can differ from the document's prediction for a few windows.
// A word's score is the sum over its tokens; a token read by several overlapping windows gets the sum over the
// windows (the document's logits are their mean, a constant factor that the normalisation removes). Scores are
// divided by the largest |score| of the example.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Batch, SaliencyResult } from '../../engine';
import type { Example } from '../data';
import { writeFileAtomic } from '../../shared/node/runFiles';
import { RUN_FILES } from '../../shared/runLayout';
import { starterModelFiles } from '../models/starter';
import { encodeDocuments, padBatch, type EncodedRow, type LongTextStrategy, type TextTokenizer } from '../tokenize';
import { asOneDocument, encodeSentencePieces, SENTENCE_MEAN } from './docPool';

export const SALIENCY_FILE = RUN_FILES.saliency;
/** Misclassified test examples explained per run. */
export const SALIENCY_CAP = 20;

export interface SaliencyRecord {
  id: string;
  label: number;
  pred: number;
  /** Share of the rows whose top class (the one their gradient is taken toward) is `pred`: 1 for one-row texts and 'sentence-mean' (one document row). */
  rowsTowardPred: number;
  /** [word, score] in text order; max |score| = 1 (all 0 when every gradient is 0). */
  words: [string, number][];
}

/** How a vocabulary marks word boundaries in its pieces. */
export type PieceScheme = 'sentencepiece' | 'wordpiece' | 'bytelevel';

export function detectScheme(pieces: readonly string[]): PieceScheme {
  if (pieces.some((p) => p.startsWith('\u2581'))) return 'sentencepiece';
  if (pieces.some((p) => p.startsWith('\u0120'))) return 'bytelevel';
  return 'wordpiece';
}

/**
 * Joins token pieces into words and sums their scores. SentencePiece: a piece starting with '▁' starts a word
 * (a bare '▁' starts a word that the next pieces fill); WordPiece: a piece starting with '##' continues the
 * previous word, any other piece starts one; byte-level BPE: 'Ġ' starts a word. A continuation with no word before
 * it starts one. Empty words (a trailing bare '▁') are dropped.
 */
export function piecesToWords(pieces: readonly string[], scores: ArrayLike<number>, scheme: PieceScheme): [string, number][] {
  const words: [string, number][] = [];
  pieces.forEach((p, i) => {
    let starts: boolean;
    let text: string;
    if (scheme === 'wordpiece') {
      starts = !p.startsWith('##');
      text = starts ? p : p.slice(2);
    } else {
      const marker = scheme === 'sentencepiece' ? /^\u2581+/ : /^\u0120+/;
      starts = marker.test(p);
      text = p.replace(marker, '');
    }
    // a bare marker opens an empty word that the following pieces fill
    if (starts || words.length === 0) words.push([text, scores[i]]);
    else {
      const w = words[words.length - 1];
      w[0] += text;
      w[1] += scores[i];
    }
  });
  return words.filter((w) => w[0].length > 0);
}

/** Scores divided by the largest |score| (left as they are when all are 0). */
export function normaliseScores(words: [string, number][]): [string, number][] {
  const m = words.reduce((a, w) => Math.max(a, Math.abs(w[1])), 0);
  return words.map(([w, s]) => [w, m > 0 ? s / m : 0]);
}

/** id -> piece string for the model's tokenizer: the starter's vocab.json, or a Hugging Face tokenizer's vocab. */
export function pieceTable(source: string, tokenizer: TextTokenizer): { piece: (id: number) => string; scheme: PieceScheme } {
  if (source === 'starter') {
    const vocab = JSON.parse(readFileSync(starterModelFiles().vocab, 'utf8')) as [string, number | null][];
    return { piece: (id) => vocab[id]?.[0] ?? '<unk>', scheme: 'sentencepiece' };
  }
  const hf = (tokenizer as TextTokenizer & { hf?: { get_vocab?: () => Map<string, number> | Record<string, number> } }).hf;
  const v = hf?.get_vocab?.();
  if (!v) throw new Error(`the tokenizer ${tokenizer.name} exposes no vocabulary for saliency`);
  const byId: string[] = [];
  for (const [piece, id] of v instanceof Map ? v : Object.entries(v)) byId[id] = piece;
  return { piece: (id) => byId[id] ?? '<unk>', scheme: detectScheme(byId.filter((x) => typeof x === 'string')) };
}

/** Start of `needle` in `hay` at or after `from`, or -1. */
function indexOfSeq(hay: readonly number[], needle: readonly number[], from: number): number {
  outer: for (let i = from; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/**
 * Token ids and summed scores of the text the model read: when every row's content is found in order in the
 * whole text's ids (truncation strategies, 'chunks'), scores land on those positions and overlapping windows add
 * up; otherwise ('sentence-mean', which encodes sentences separately) the rows' contents are concatenated.
 */
export function readTokens(full: readonly number[], contents: readonly { ids: number[]; scores: number[] }[]): { ids: number[]; scores: number[] } {
  const pos: number[] = [];
  let from = 0;
  let aligned = true;
  for (const c of contents) {
    const at = c.ids.length === 0 ? from : indexOfSeq(full, c.ids, from);
    if (at < 0) {
      aligned = false;
      break;
    }
    pos.push(at);
    from = at; // windows may overlap, so the next one may start inside this one
  }
  if (!aligned) return { ids: contents.flatMap((c) => c.ids), scores: contents.flatMap((c) => c.scores) };
  const acc = new Map<number, number>();
  contents.forEach((c, r) => c.ids.forEach((_, j) => acc.set(pos[r] + j, (acc.get(pos[r] + j) ?? 0) + c.scores[j])));
  const keys = [...acc.keys()].sort((a, b) => a - b);
  return { ids: keys.map((k) => full[k]), scores: keys.map((k) => acc.get(k)!) };
}

export interface SaliencySource {
  saliency(batch: Batch): Promise<SaliencyResult>;
}

export interface SaliencyInput {
  /** The run's trainer (the engine's Trainer or its worker); for 'sentence-mean' the document-pooling one. */
  trainer: SaliencySource;
  tokenizer: TextTokenizer;
  /** 'starter' or the model folder (pieceTable). */
  source: string;
  /** 'sentence-mean' trainer reads packed pieces (docPool.ts readsPackedPieces): the batch then carries their layout */
  packedPieces?: boolean;
  examples: Example[];
  probs: number[][];
  strategy: LongTextStrategy | typeof SENTENCE_MEAN;
  maxLength: number;
  runDir: string;
  cap?: number;
}

/** Writes saliency.jsonl for up to `cap` misclassified examples, most confidently wrong first; returns the records. */
export async function computeSaliency(o: SaliencyInput): Promise<SaliencyRecord[]> {
  const cap = o.cap ?? SALIENCY_CAP;
  const wrong = o.examples
    .map((e, i) => ({ e, i, pred: argmax(o.probs[i]) }))
    .filter((x) => x.pred !== x.e.label)
    .sort((a, b) => o.probs[b.i][b.pred] - o.probs[a.i][a.pred])
    .slice(0, cap);
  const { piece, scheme } = pieceTable(o.source, o.tokenizer);
  const { prefix, suffix, pad } = o.tokenizer.specials;
  const records: SaliencyRecord[] = [];
  const tr = o.trainer;
  for (const w of wrong) {
    const docs = [{ text: w.e.text, label: w.e.label }];
    const rows: EncodedRow[] =
      o.strategy === SENTENCE_MEAN
        ? encodeSentencePieces(o.tokenizer, docs, o.maxLength)
        : encodeDocuments(o.tokenizer, docs, { strategy: o.strategy, maxLength: o.maxLength });
    const b = padBatch(
      rows.map((r) => ({ ...r, label: undefined })),
      pad,
      { tokenTypeIds: o.tokenizer.usesTokenTypeIds },
    );
    const { gradXInput, logits } = await tr.saliency(o.strategy === SENTENCE_MEAN ? asOneDocument(b, o.packedPieces) : { ...b, labels: undefined });
    const k = o.probs[w.i].length;
    const logitRows = logits.length / k;
    const toward =
      Array.from({ length: logitRows }, (_, i) => argmax(Array.from(logits.subarray(i * k, (i + 1) * k)))).filter((c) => c === w.pred).length / logitRows;
    const contents = rows.map((r, i) => {
      // special tokens sit at the fixed prefix/suffix positions; padding lies beyond the row's length
      const end = r.ids.length - suffix.length;
      const scores: number[] = [];
      for (let j = prefix.length; j < end; j++) scores.push(gradXInput[i * b.seq + j]);
      return { ids: r.ids.slice(prefix.length, end), scores };
    });
    const read = readTokens(o.tokenizer.encode(w.e.text), contents);
    const pieces = read.ids.map(piece);
    records.push({
      id: w.e.id,
      label: w.e.label,
      pred: w.pred,
      rowsTowardPred: toward,
      words: normaliseScores(piecesToWords(pieces, read.scores, scheme)).map(([t, s]) => [t, Math.round(s * 1e4) / 1e4]),
    });
  }
  writeFileAtomic(join(o.runDir, SALIENCY_FILE), records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : ''));
  return records;
}

function argmax(p: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
  return best;
}
