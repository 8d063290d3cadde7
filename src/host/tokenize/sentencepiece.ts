// The SentencePiece (Unigram) tokenizer of Universal Sentence Encoder Lite, reproducing token for token the
// reference tokenizer in @tensorflow-models/universal-sentence-encoder (dist/tokenizer/index.js + trie.js).
//
// Why not @huggingface/tokenizers' Unigram model: tried (0.2.0, same vocab with null scores as 0, NFKC, Metaspace
// '▁' prepended): 3 of the first 200 reviews got different ids, all at equal-score segmentations ('zzz' as
// 'zz'+'z' instead of 'z'+'zz'). The reference is a port of EncodeAsIds with quirks a standard Unigram model
// does not share, and the ids must match what the model was trained on:
//   - vocab.json scores are used as-is, and 7 pieces have null scores (':' '://' '▁:' ...), which JavaScript
//     adds as 0, plus ':30' has score +30; a real Unigram model would reject or rank these differently.
//   - a character with no piece starting at it becomes id 0 with score 0 (higher than any real piece), only
//     when NO piece starts at that position (HF uses min_score - 10 for unknowns, always as a candidate).
//   - Viterbi ties go to the later candidate (`score >= best`), and a lattice position whose best score is
//     exactly 0 counts as "unset" and is overwritten by the next candidate.
//   - consecutive unknown ids are merged into one id 0; duplicate pieces ('”5' x3) keep the last id.
//   - "characters" are UTF-16 code units (the reference's ES5 for-loop over a string), not code points.
// The reference is slow (61 s for the 2000 reviews) because it copies the rest of the string at every
// position (symbols.slice(i)); here the trie is walked in place, which gives the same lattice.
import { readFileSync } from 'node:fs';

/** One vocab.json entry: [piece, score]. A few scores are null in the shipped file. */
export type VocabEntry = [string, number | null];

const SEPARATOR = '\u2581'; // '▁', SentencePiece's word-boundary marker
/** The first ids are reserved (unk, <s>, </s>, extra_token_id_1..3) and never produced by the trie. */
const RESERVED_SYMBOLS_COUNT = 6;
export const USE_UNK_ID = 0;

/** The reference's input normalisation: NFKC, then '▁' before the text and in place of every space. */
export function normalizeForUse(text: string): string {
  const normalized = text.normalize('NFKC');
  return normalized.length > 0 ? SEPARATOR + normalized.replace(/ /g, SEPARATOR) : normalized;
}

/**
 * A review file has one sentence per line; the reference tokenizer only treats spaces as word boundaries,
 * so lines are trimmed and joined with single spaces before tokenizing.
 */
export function joinLines(text: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .join(' ');
}

export class UseTokenizer {
  readonly vocabSize: number;
  private readonly pieceLength: Int32Array;
  // Trie over UTF-16 code units: children[node] maps a code unit to a child node; pieceId[node] = -1 if no
  // piece ends at that node.
  private readonly children: Map<number, number>[] = [new Map()];
  private pieceId: number[] = [-1];
  private pieceScore: number[] = [0];

  constructor(vocab: readonly VocabEntry[]) {
    if (!Array.isArray(vocab) || vocab.length <= RESERVED_SYMBOLS_COUNT) {
      throw new Error('USE vocabulary must be a JSON array of [piece, score] pairs (vocab.json of the model package)');
    }
    this.vocabSize = vocab.length;
    this.pieceLength = new Int32Array(vocab.length);
    for (let i = 0; i < vocab.length; i++) {
      const entry = vocab[i];
      if (!Array.isArray(entry) || typeof entry[0] !== 'string') throw new Error(`USE vocabulary entry ${i} is not a [piece, score] pair`);
      this.pieceLength[i] = entry[0].length;
    }
    for (let i = RESERVED_SYMBOLS_COUNT; i < vocab.length; i++) {
      const [piece, score] = vocab[i];
      let node = 0;
      for (let k = 0; k < piece.length; k++) {
        const c = piece.charCodeAt(k);
        let next = this.children[node].get(c);
        if (next === undefined) {
          next = this.children.length;
          this.children.push(new Map());
          this.pieceId.push(-1);
          this.pieceScore.push(0);
          this.children[node].set(c, next);
        }
        node = next;
      }
      if (piece.length > 0) {
        this.pieceId[node] = i; // a duplicate piece overwrites: the last id wins, as in the reference trie
        this.pieceScore[node] = score ?? 0; // JavaScript's null + x === x
      }
    }
  }

  static fromFile(vocabPath: string): UseTokenizer {
    let vocab: VocabEntry[];
    try {
      vocab = JSON.parse(readFileSync(vocabPath, 'utf8'));
    } catch (e) {
      throw new Error(`cannot read the USE vocabulary ${vocabPath}: ${(e as Error).message}`);
    }
    return new UseTokenizer(vocab);
  }

  /** Token ids of `text`, identical to the reference Tokenizer.encode(text). */
  encode(text: string): number[] {
    const s = normalizeForUse(text);
    const n = s.length;
    const best = new Float64Array(n + 1);
    const words = new Int32Array(n + 1);
    // Forward relaxation in increasing start position: for every end position the candidates arrive in the
    // same order as in the reference's (end, start ascending) loop, and best[start] is final when used.
    for (let i = 0; i < n; i++) {
      const base = best[i];
      let node = this.children[0].get(s.charCodeAt(i));
      let matched = false;
      for (let j = i; node !== undefined;) {
        const id = this.pieceId[node];
        if (id >= 0) {
          matched = true;
          this.relax(best, words, j + 1, this.pieceScore[node] + base, id);
        }
        j++;
        if (j >= n) break;
        node = this.children[node].get(s.charCodeAt(j));
      }
      if (!matched) this.relax(best, words, i + 1, 0 + base, USE_UNK_ID);
    }
    const reversed: number[] = [];
    for (let pos = n; pos > 0; pos -= this.pieceLength[words[pos]]) reversed.push(words[pos]);
    const out: number[] = [];
    let previousUnk = false;
    for (let k = 0; k < reversed.length; k++) {
      const id = reversed[k];
      if (!(previousUnk && id === USE_UNK_ID)) out.push(id);
      previousUnk = id === USE_UNK_ID;
    }
    return out.reverse();
  }

  private relax(best: Float64Array, words: Int32Array, end: number, score: number, id: number): void {
    if (best[end] === 0 || score >= best[end]) {
      best[end] = score;
      words[end] = id;
    }
  }
}
