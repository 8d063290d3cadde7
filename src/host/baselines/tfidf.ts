// TF-IDF features as scikit-learn's TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2):
// lowercase, tokens = runs of 2+ word characters (token_pattern (?u)\b\w\w+\b), n-grams joined by one space,
// tf = 1 + ln(count), idf = ln((1 + n) / (1 + df)) + 1 (smooth_idf), rows L2-normalised. Sparse CSR output.
// Vocabulary order is alphabetical like scikit-learn's, so feature indices can be compared with it.
// Tokenisation, vocabulary and CSR rows: ./ngrams.ts (shared with the NB-weighted baseline, ./nbsvm.ts).
import { fitVocabulary, rowsOf, type Csr, type VocabularyOptions } from './ngrams';

export { ngrams, tokenize, type Csr } from './ngrams';

export type TfidfOptions = VocabularyOptions;

export interface TfidfModel {
  vocabulary: string[];
  idf: Float64Array;
  maxN: number;
}

/** Fits the vocabulary and idf on texts and returns their rows too (one tokenisation of each text). */
export function fitTransformTfidf(texts: string[], opts: TfidfOptions = {}): { model: TfidfModel; x: Csr } {
  const v = fitVocabulary(texts, opts, 'tfidf');
  const n = texts.length;
  const idf = Float64Array.from(v.df, (df) => Math.log((1 + n) / (1 + df)) + 1);
  const model: TfidfModel = { vocabulary: v.vocabulary, idf, maxN: v.maxN };
  return { model, x: v.rows((j, c) => (1 + Math.log(c)) * idf[j], true) };
}

export function fitTfidf(texts: string[], opts: TfidfOptions = {}): TfidfModel {
  return fitTransformTfidf(texts, opts).model;
}

export function transformTfidf(model: TfidfModel, texts: string[]): Csr {
  const idf = model.idf;
  return rowsOf(model.vocabulary, model.maxN, texts, (j, c) => (1 + Math.log(c)) * idf[j], true);
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
