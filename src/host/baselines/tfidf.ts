// TF-IDF features as scikit-learn's TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2):
// lowercase, tokens = runs of 2+ word characters (token_pattern (?u)\b\w\w+\b), n-grams joined by one space,
// tf = 1 + ln(count), idf = ln((1 + n) / (1 + df)) + 1 (smooth_idf), rows L2-normalised. Sparse CSR output.
// Vocabulary order is alphabetical like scikit-learn's, so feature indices can be compared with it.

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

export interface TfidfOptions {
  maxN?: number;
  minDf?: number;
  /** Keep only the maxFeatures terms with the highest document frequency (ties by term order); 0 = all. */
  maxFeatures?: number;
}

export interface TfidfModel {
  vocabulary: string[];
  idf: Float64Array;
  maxN: number;
}

function countTerms(text: string, maxN: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of ngrams(tokenize(text), maxN)) counts.set(t, (counts.get(t) ?? 0) + 1);
  return counts;
}

export function fitTfidf(texts: string[], opts: TfidfOptions = {}): TfidfModel {
  const maxN = opts.maxN ?? 2;
  const minDf = opts.minDf ?? 2;
  if (texts.length === 0) throw new Error('tfidf: no training texts');
  const df = new Map<string, number>();
  for (const text of texts) for (const term of countTerms(text, maxN).keys()) df.set(term, (df.get(term) ?? 0) + 1);
  let terms = [...df.entries()].filter(([, d]) => d >= minDf);
  if (opts.maxFeatures && terms.length > opts.maxFeatures) {
    terms.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    terms = terms.slice(0, opts.maxFeatures);
  }
  // Code-point order, like Python's sorted() on str.
  const vocabulary = terms.map(([t]) => t).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (vocabulary.length === 0) throw new Error(`tfidf: no term occurs in ${minDf} or more training texts; add more data or lower min_df`);
  const n = texts.length;
  const idf = Float64Array.from(vocabulary, (t) => Math.log((1 + n) / (1 + df.get(t)!)) + 1);
  return { vocabulary, idf, maxN };
}

export function transformTfidf(model: TfidfModel, texts: string[]): Csr {
  const index = new Map(model.vocabulary.map((t, i) => [t, i]));
  const indptr = new Int32Array(texts.length + 1);
  const idx: number[] = [];
  const val: number[] = [];
  texts.forEach((text, r) => {
    const row: [number, number][] = [];
    for (const [term, c] of countTerms(text, model.maxN)) {
      const j = index.get(term);
      if (j !== undefined) row.push([j, (1 + Math.log(c)) * model.idf[j]]);
    }
    row.sort((a, b) => a[0] - b[0]);
    const norm = Math.sqrt(row.reduce((s, [, v]) => s + v * v, 0));
    for (const [j, v] of row) {
      idx.push(j);
      val.push(norm > 0 ? v / norm : 0);
    }
    indptr[r + 1] = idx.length;
  });
  return { rows: texts.length, cols: model.vocabulary.length, indptr, indices: Int32Array.from(idx), values: Float32Array.from(val) };
}

/** Dense rows (for small inputs such as mean-pooled embeddings) as CSR, so one classifier serves both. */
export function denseToCsr(rows: ArrayLike<number>[], cols: number): Csr {
  const indptr = new Int32Array(rows.length + 1);
  const indices = new Int32Array(rows.length * cols);
  const values = new Float32Array(rows.length * cols);
  rows.forEach((r, i) => {
    if (r.length !== cols) throw new Error(`row ${i} has ${r.length} values, expected ${cols}`);
    for (let j = 0; j < cols; j++) {
      indices[i * cols + j] = j;
      values[i * cols + j] = r[j];
    }
    indptr[i + 1] = (i + 1) * cols;
  });
  return { rows: rows.length, cols, indptr, indices, values };
}
