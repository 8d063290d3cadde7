// The TF-IDF + logistic regression baseline as a run: features fitted on the training split only.
import type { BaselineParams, RunResult } from '../../protocol';
import { fitTransformTfidf, saveTfidf, transformTfidf } from '../baselines';
import type { JobContext } from '../core';
import { runNgramBaseline } from './baselineNgrams';

export const TFIDF_CONFIG = {
  ngramRange: [1, 2],
  sublinearTf: true,
  minDf: 2,
  smoothIdf: true,
  norm: 'l2',
  solver: 'lbfgs',
  objective: 'sparse kernels in TypeScript (CSC: X·w and Xᵀ·r one pass each)',
} as const;

export function runTfidfBaseline(params: BaselineParams, ctx: JobContext = {}): Promise<RunResult> {
  return runNgramBaseline(params, ctx, {
    kind: 'baseline-tfidf',
    config: TFIDF_CONFIG,
    what: 'TF-IDF',
    fit: (texts) => fitTransformTfidf(texts),
    transform: transformTfidf,
    save: saveTfidf,
  });
}
