// Naive-Bayes-weighted binary n-grams (NBSVM / NB-LR, Wang & Manning 2012, "Baselines and bigrams"): x = the
// binarised indicators of the word uni+bigrams (tokenisation and min_df 2 vocabulary as the TF-IDF features,
// ./ngrams.ts), r = log((p / |p|_1) / (q / |q|_1)) with p = alpha + the sum of x over the positive (label 1)
// training rows and q = alpha + the sum over the negative (label 0) rows, and the features r ∘ x, optionally
// L2-normalised per row. A linear classifier (here ./logreg.ts) is then fitted on them.
// The log-count ratio is defined for two classes: more labels are refused (nbsvmLabelsProblem).
import { fitVocabulary, rowsOf, type Csr, type VocabularyOptions } from './ngrams';

export interface NbsvmOptions extends VocabularyOptions {
  /** Smoothing added to every feature's count in p and q (default 1). */
  alpha?: number;
  /** L2-normalise each row of r ∘ x (default false). */
  l2?: boolean;
}

export interface NbsvmModel {
  vocabulary: string[];
  /** The log-count ratio of each vocabulary term. */
  r: Float64Array;
  maxN: number;
  alpha: number;
  l2: boolean;
}

/** The one-line error for labels the log-count ratio cannot serve (it needs exactly two), else undefined. */
export function nbsvmLabelsProblem(labels: readonly string[]): string | undefined {
  if (labels.length === 2) return undefined;
  return `nbsvm: the NB log-count ratio needs exactly 2 labels, but the data has ${labels.length} (${labels.slice(0, 5).join(', ')}${labels.length > 5 ? ', ...' : ''}); use --kind tfidf for more than two classes`;
}

/**
 * r = log((p / |p|_1) / (q / |q|_1)), p = alpha + the column sums of the binary rows x labelled 1, q = alpha + those
 * labelled 0 (labels are class indices 0 and 1).
 */
export function logCountRatio(x: Csr, labels: ArrayLike<number>, alpha = 1): Float64Array {
  if (labels.length !== x.rows) throw new Error(`nbsvm: ${x.rows} rows but ${labels.length} labels`);
  const p = new Float64Array(x.cols).fill(alpha);
  const q = new Float64Array(x.cols).fill(alpha);
  for (let i = 0; i < x.rows; i++) {
    const y = labels[i];
    if (y !== 0 && y !== 1) throw new Error(`nbsvm: label ${y} of row ${i} is not 0 or 1; the log-count ratio needs two classes`);
    const s = y === 1 ? p : q;
    for (let k = x.indptr[i]; k < x.indptr[i + 1]; k++) s[x.indices[k]] += x.values[k];
  }
  let sp = 0;
  let sq = 0;
  for (let j = 0; j < x.cols; j++) {
    sp += p[j];
    sq += q[j];
  }
  return Float64Array.from(p, (pj, j) => Math.log(pj / sp / (q[j] / sq)));
}

/** Fits the vocabulary and r on the training texts (labels 0/1) and returns their rows r ∘ x too. */
export function fitTransformNbsvm(texts: string[], labels: ArrayLike<number>, opts: NbsvmOptions = {}): { model: NbsvmModel; x: Csr } {
  const v = fitVocabulary(texts, opts, 'nbsvm');
  const alpha = opts.alpha ?? 1;
  const l2 = opts.l2 ?? false;
  const r = logCountRatio(
    v.rows(() => 1, false),
    labels,
    alpha,
  );
  const model: NbsvmModel = { vocabulary: v.vocabulary, r, maxN: v.maxN, alpha, l2 };
  return { model, x: v.rows((j) => r[j], l2) };
}

/** Rows r ∘ x of new texts (terms outside the vocabulary are dropped). */
export function transformNbsvm(model: NbsvmModel, texts: string[]): Csr {
  const r = model.r;
  return rowsOf(model.vocabulary, model.maxN, texts, (j) => r[j], model.l2);
}
