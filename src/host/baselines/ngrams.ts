// Word n-gram features shared by the sparse baselines (TF-IDF, NB-weighted binary n-grams): scikit-learn's
// tokenisation (lowercase, tokens = runs of 2+ word characters, token_pattern (?u)\b\w\w+\b, n-grams joined by one
// space), a vocabulary of the terms in min_df or more training documents in code-unit (alphabetical) order like
// scikit-learn's, and rows straight into typed CSR arrays, each feature's value a function of its count.
//
// Built for 50,000 documents: strings exist only for distinct unigrams (one Map<string, number>); an n-gram is
// an integer id found in an open-addressing table keyed by (id of its first n-1 tokens, id of its last token),
// documents are kept as Int32Array token-id runs while the document frequencies are counted, and rows go
// straight into typed CSR arrays. Strings for n-grams are made only for the kept vocabulary.

// JS's \w and \b are ASCII-only even with /u; a maximal run of Unicode letters/digits/underscore is exactly
// what Python's (?u)\b\w\w+\b matches.
const TOKEN = /[\p{L}\p{N}_]{2,}/gu;

export function tokenize(text: string): string[] {
  return text.toLowerCase().match(TOKEN) ?? [];
}

export function ngrams(tokens: string[], maxN: number): string[] {
  const out = tokens.slice();
  for (let n = 2; n <= maxN; n++) for (let i = 0; i + n <= tokens.length; i++) out.push(tokens.slice(i, i + n).join(' '));
  return out;
}

/** Compressed sparse rows: row i holds indices/values in [indptr[i], indptr[i+1]). */
export interface Csr {
  rows: number;
  cols: number;
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

/** A growable Int32Array. */
class IntList {
  data: Int32Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Int32Array(capacity);
  }
  push(v: number): void {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data[this.length++] = v;
  }
  grow(min: number): void {
    const next = new Int32Array(Math.max(min, this.data.length * 2));
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }
  view(): Int32Array {
    return this.data.subarray(0, this.length);
  }
}

/**
 * The term ids: a unigram's id comes from a string map, an n-gram's (n >= 2) from the pair (its first n-1
 * tokens' id, its last token's id) in an open-addressing hash table. Ids are dense, 0..size-1.
 */
class TermTable {
  readonly words = new Map<string, number>();
  /** For each id: the prefix id (-1 for a unigram) and the last token's id (the id itself for a unigram). */
  readonly prefix = new IntList();
  readonly last = new IntList();
  private keysA = new Int32Array(1 << 16).fill(-1);
  private keysB = new Int32Array(1 << 16);
  private vals = new Int32Array(1 << 16);
  private pairs = 0;

  get size(): number {
    return this.prefix.length;
  }

  private add(a: number, b: number): number {
    const id = this.prefix.length;
    this.prefix.push(a);
    this.last.push(b);
    return id;
  }

  /** The unigram's id; with create false, -1 when unknown. */
  word(w: string, create: boolean): number {
    let id = this.words.get(w);
    if (id === undefined) {
      if (!create) return -1;
      id = this.prefix.length;
      this.words.set(w, id);
      this.add(-1, id);
    }
    return id;
  }

  /** The id of the n-gram (prefix a, last token b); with create false, -1 when unknown. */
  pair(a: number, b: number, create: boolean): number {
    const mask = this.keysA.length - 1;
    let h = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca77)) >>> 0;
    h = (h ^ (h >>> 15)) & mask;
    for (;;) {
      const ka = this.keysA[h];
      if (ka === -1) break;
      if (ka === a && this.keysB[h] === b) return this.vals[h];
      h = (h + 1) & mask;
    }
    if (!create) return -1;
    const id = this.add(a, b);
    this.keysA[h] = a;
    this.keysB[h] = b;
    this.vals[h] = id;
    if (++this.pairs * 2 > this.keysA.length) this.rehash();
    return id;
  }

  private rehash(): void {
    const [oa, ob, ov] = [this.keysA, this.keysB, this.vals];
    const cap = oa.length * 2;
    this.keysA = new Int32Array(cap).fill(-1);
    this.keysB = new Int32Array(cap);
    this.vals = new Int32Array(cap);
    const mask = cap - 1;
    for (let i = 0; i < oa.length; i++) {
      const a = oa[i];
      if (a === -1) continue;
      const b = ob[i];
      let h = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca77)) >>> 0;
      h = (h ^ (h >>> 15)) & mask;
      while (this.keysA[h] !== -1) h = (h + 1) & mask;
      this.keysA[h] = a;
      this.keysB[h] = b;
      this.vals[h] = ov[i];
    }
  }

  /** The term's text: its tokens joined by one space. */
  text(id: number, wordText: Map<number, string>): string {
    const parts: string[] = [];
    for (let t = id; t !== -1; t = this.prefix.data[t]) parts.push(wordText.get(this.last.data[t])!);
    return parts.reverse().join(' ');
  }

  /** Unigram term id -> its text. */
  wordTexts(): Map<number, string> {
    const out = new Map<number, string>();
    for (const [w, id] of this.words) out.set(id, w);
    return out;
  }
}

/**
 * Appends the term ids of one document (all n-grams, n = 1..maxN, repeated as often as they occur) to `out`,
 * from its token ids. With create false, unknown terms end a chain (their extensions cannot be known either).
 */
function termIds(table: TermTable, toks: Int32Array, maxN: number, create: boolean, out: IntList): void {
  const n = toks.length;
  if (out.data.length < out.length + n * maxN) out.grow(out.length + n * maxN);
  const o = out.data;
  let len = out.length;
  for (let i = 0; i < n; i++) {
    let id = toks[i];
    if (id < 0) continue;
    o[len++] = id;
    for (let m = 1; m < maxN && i + m < n; m++) {
      const b = toks[i + m];
      if (b < 0) break;
      id = table.pair(id, b, create);
      if (id < 0) break;
      o[len++] = id;
    }
  }
  out.length = len;
}

function tokenIds(table: TermTable, text: string, create: boolean, out: IntList): Int32Array {
  out.length = 0;
  const lower = text.toLowerCase();
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(lower); m !== null; m = TOKEN.exec(lower)) out.push(table.word(m[0], create));
  return out.view();
}

export interface VocabularyOptions {
  maxN?: number;
  minDf?: number;
  /** Keep only the maxFeatures terms with the highest document frequency (ties by term order); 0 = all. */
  maxFeatures?: number;
}

/** A fitted vocabulary and the training documents' term ids, ready to be turned into rows. */
export interface FittedVocabulary {
  vocabulary: string[];
  /** Document frequency of each vocabulary term (in vocabulary order) over the training texts. */
  df: Int32Array;
  maxN: number;
  /** The training rows, one tokenisation of each text, each feature's value from its count (`value`). */
  rows(value: FeatureValue, l2: boolean): Csr;
}

/** A feature's value in a row from its vocabulary index and its count in the document. */
export type FeatureValue = (feature: number, count: number) => number;

/**
 * Counts the document frequency of every n-gram (n = 1..maxN) of the texts and keeps those in minDf or more texts
 * (then the maxFeatures most frequent), in code-unit order. `what` names the caller in errors.
 */
export function fitVocabulary(texts: string[], opts: VocabularyOptions, what: string): FittedVocabulary {
  const maxN = opts.maxN ?? 2;
  const minDf = opts.minDf ?? 2;
  if (texts.length === 0) throw new Error(`${what}: no training texts`);
  const table = new TermTable();
  // Pass 1: token ids of every document (kept, so the rows need no strings) and each term's document frequency.
  const docTokens = new IntList(1 << 20);
  const docStart = new Int32Array(texts.length + 1);
  const scratch = new IntList();
  const terms = new IntList();
  let df = new Int32Array(1 << 16);
  for (let d = 0; d < texts.length; d++) {
    const toks = tokenIds(table, texts[d], true, scratch);
    if (docTokens.data.length < docTokens.length + toks.length) docTokens.grow(docTokens.length + toks.length);
    docTokens.data.set(toks, docTokens.length);
    docTokens.length += toks.length;
    docStart[d + 1] = docTokens.length;
    terms.length = 0;
    termIds(table, toks, maxN, true, terms);
    if (df.length < table.size) {
      const next = new Int32Array(Math.max(table.size, df.length * 2));
      next.set(df);
      df = next;
    }
    const t = terms.view().sort();
    for (let p = 0; p < t.length; p++) if (p === 0 || t[p] !== t[p - 1]) df[t[p]]++;
  }
  // The vocabulary: terms in minDf or more documents (then the maxFeatures most frequent), in code-unit order.
  let kept: number[] = [];
  for (let id = 0; id < table.size; id++) if (df[id] >= minDf) kept.push(id);
  if (kept.length === 0) throw new Error(`${what}: no term occurs in ${minDf} or more training texts; add more data or lower min_df`);
  const wordText = table.wordTexts();
  let text = kept.map((id) => table.text(id, wordText));
  if (opts.maxFeatures && kept.length > opts.maxFeatures) {
    const order = kept
      .map((_, i) => i)
      .sort((a, b) => df[kept[b]] - df[kept[a]] || (text[a] < text[b] ? -1 : 1))
      .slice(0, opts.maxFeatures);
    kept = order.map((i) => kept[i]);
    text = order.map((i) => text[i]);
  }
  const order = kept.map((_, i) => i).sort((a, b) => (text[a] < text[b] ? -1 : text[a] > text[b] ? 1 : 0));
  const vocabulary = order.map((i) => text[i]);
  const feature = new Int32Array(table.size).fill(-1);
  const dfKept = new Int32Array(order.length);
  order.forEach((i, j) => {
    feature[kept[i]] = j;
    dfKept[j] = df[kept[i]];
  });
  // The fitting table (every n-gram seen, millions at 50,000 texts) is not kept with the vocabulary: rowsOf builds
  // a table of the vocabulary's terms only, when first needed.
  const rows = (value: FeatureValue, l2: boolean): Csr => {
    const b = new CsrBuilder(texts.length, feature, value, l2);
    for (let d = 0; d < texts.length; d++) {
      terms.length = 0;
      termIds(table, docTokens.data.subarray(docStart[d], docStart[d + 1]), maxN, false, terms);
      b.addRow(terms.view());
    }
    return b.finish(vocabulary.length);
  };
  return { vocabulary, df: dfKept, maxN, rows };
}

interface Fitted {
  table: TermTable;
  /** Term id -> feature index, -1 when the term is not in the vocabulary. */
  feature: Int32Array;
}

// The term table of a vocabulary, built once from its terms (for a loaded model) when first needed.
const fittedOf = new WeakMap<string[], Fitted>();

function fittedFor(vocabulary: string[], maxN: number): Fitted {
  let f = fittedOf.get(vocabulary);
  if (f) return f;
  const table = new TermTable();
  const features: number[] = [];
  const ids: number[] = [];
  vocabulary.forEach((term, j) => {
    const words = term.split(' ');
    if (words.length > maxN) return;
    let id = table.word(words[0], true);
    for (let w = 1; w < words.length; w++) id = table.pair(id, table.word(words[w], true), true);
    ids.push(id);
    features.push(j);
  });
  const feature = new Int32Array(table.size).fill(-1);
  ids.forEach((id, i) => (feature[id] = features[i]));
  f = { table, feature };
  fittedOf.set(vocabulary, f);
  return f;
}

/** Rows of new texts over a fitted vocabulary (terms outside it are dropped), each feature's value from its count. */
export function rowsOf(vocabulary: string[], maxN: number, texts: string[], value: FeatureValue, l2: boolean): Csr {
  const { table, feature } = fittedFor(vocabulary, maxN);
  const b = new CsrBuilder(texts.length, feature, value, l2);
  const scratch = new IntList();
  const terms = new IntList();
  for (const text of texts) {
    terms.length = 0;
    termIds(table, tokenIds(table, text, false, scratch), maxN, false, terms);
    b.addRow(terms.view());
  }
  return b.finish(vocabulary.length);
}

/** Rows of (feature, value(feature, count)) from documents' term ids, optionally L2-normalised, as CSR. */
class CsrBuilder {
  private indices = new IntList(1 << 16);
  private values = new Float32Array(1 << 16);
  readonly indptr: Int32Array;
  private row = 0;
  private scratch = new IntList();
  private rowValues = new Float64Array(1024);
  constructor(
    rows: number,
    private readonly feature: Int32Array,
    private readonly value: FeatureValue,
    private readonly l2: boolean,
  ) {
    this.indptr = new Int32Array(rows + 1);
  }

  addRow(terms: Int32Array): void {
    const s = this.scratch;
    s.length = 0;
    if (s.data.length < terms.length) s.grow(terms.length);
    for (let p = 0; p < terms.length; p++) {
      const j = this.feature[terms[p]];
      if (j >= 0) s.data[s.length++] = j;
    }
    const feats = s.view().sort();
    const start = this.indices.length;
    if (this.indices.data.length < start + feats.length) this.indices.grow(start + feats.length);
    if (this.values.length < this.indices.data.length) {
      const v = new Float32Array(this.indices.data.length);
      v.set(this.values.subarray(0, start));
      this.values = v;
    }
    const idx = this.indices.data;
    let len = start;
    let sq = 0;
    if (this.rowValues.length < feats.length) this.rowValues = new Float64Array(feats.length * 2);
    const vals = this.rowValues;
    let nv = 0;
    for (let p = 0; p < feats.length;) {
      const j = feats[p];
      let c = 0;
      while (p < feats.length && feats[p] === j) {
        c++;
        p++;
      }
      const v = this.value(j, c);
      idx[len++] = j;
      vals[nv++] = v;
      sq += v * v;
    }
    const inv = !this.l2 ? 1 : sq > 0 ? 1 / Math.sqrt(sq) : 0;
    for (let q = 0; q < nv; q++) this.values[start + q] = vals[q] * inv;
    this.indices.length = len;
    this.indptr[++this.row] = len;
  }

  finish(cols: number): Csr {
    const nnz = this.indices.length;
    return { rows: this.row, cols, indptr: this.indptr, indices: this.indices.data.slice(0, nnz), values: this.values.slice(0, nnz) };
  }
}
