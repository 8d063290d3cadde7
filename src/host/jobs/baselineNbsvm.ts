// The NBSVM-style baseline as a run (Wang & Manning 2012, NB-LR): binarised word uni+bigrams weighted by their
// Naive Bayes log-count ratio, then the L2 logistic regression of the TF-IDF baseline (C chosen on validation from
// the same grid). Features and ratios are fitted on the training split only; two labels only.
import type { BaselineParams, RunResult } from '../../protocol';
import { fitTransformNbsvm, nbsvmLabelsProblem, saveNbsvm, transformNbsvm } from '../baselines';
import type { JobContext } from '../core';
import { runNgramBaseline } from './baselineNgrams';

// Rows are not L2-normalised: on the validation sets of the 10 canonical movie-review folds (test folds unread) the
// unnormalised features scored higher, 88.40% against 88.05% (bench/results/cv-nbsvm-2core-2026-12-07.json).
export const NBSVM_CONFIG = {
  features: 'binary word uni+bigrams x NB log-count ratio r = log((p/|p|1)/(q/|q|1))',
  ngramRange: [1, 2],
  minDf: 2,
  binary: true,
  alpha: 1,
  norm: 'none',
  solver: 'lbfgs',
} as const;

export function runNbsvmBaseline(params: BaselineParams, ctx: JobContext = {}): Promise<RunResult> {
  return runNgramBaseline(params, ctx, {
    kind: 'baseline-nbsvm',
    config: NBSVM_CONFIG,
    what: 'NB-weighted n-grams',
    labelsProblem: nbsvmLabelsProblem,
    fit: (texts, labels) =>
      fitTransformNbsvm(texts, labels, { alpha: NBSVM_CONFIG.alpha, minDf: NBSVM_CONFIG.minDf, l2: (NBSVM_CONFIG.norm as string) === 'l2' }),
    transform: transformNbsvm,
    save: saveNbsvm,
  });
}
