// The NBSVM-style baseline as a run (Wang & Manning 2012, NB-LR): binarised word uni+bigrams weighted by their
// Naive Bayes log-count ratio, then the L2 logistic regression of the TF-IDF baseline (C chosen on validation from
// the same grid). Features and ratios are fitted on the training split only; two labels only.
import type { BaselineParams, RunResult } from '../../protocol';
import { fitTransformNbsvm, nbsvmLabelsProblem, saveLogReg, saveNbsvm, transformNbsvm } from '../baselines';
import { attachRun, type JobContext, prepareData, runJob, throwIfCancelled } from '../core';
import { createBaselineRun, trainLinear, type LinearSplits } from './linear';
import { CHECKPOINT_BEST } from '../../shared/runLayout';

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

export async function runNbsvmBaseline(params: BaselineParams, ctx: JobContext = {}): Promise<RunResult> {
  const seed = params.seed ?? 42;
  const data = prepareData(params);
  // Refused before a run folder is made.
  const problem = nbsvmLabelsProblem(data.labels);
  if (problem) throw new Error(problem);
  const run = createBaselineRun(params, 'baseline-nbsvm', data, seed, { config: { ...NBSVM_CONFIG } });
  const progress = attachRun(run, ctx);
  const r = await runJob(run, async () => {
    progress({ phase: 'features', step: 0, total: 1 });
    const t0 = Date.now();
    // Built in a function so that the training rows live only in `splits` (trainLinear swaps them for CSC).
    const features = () => {
      const fitted = fitTransformNbsvm(
        data.train.map((e) => e.text),
        data.train.map((e) => e.label),
        { alpha: NBSVM_CONFIG.alpha, minDf: NBSVM_CONFIG.minDf, l2: (NBSVM_CONFIG.norm as string) === 'l2' },
      );
      const x = (ex: typeof data.train) =>
        transformNbsvm(
          fitted.model,
          ex.map((e) => e.text),
        );
      const splits: LinearSplits = {
        labels: data.labels,
        train: { x: fitted.x, examples: data.train },
        validation: { x: x(data.validation), examples: data.validation },
        test: { x: x(data.test), examples: data.test },
      };
      return { nb: fitted.model, splits, nnz: fitted.x.indices.length };
    };
    const { nb, splits, nnz } = features();
    run.log(`NB-weighted n-grams: ${nb.vocabulary.length} features from ${data.train.length} training texts (${nnz} non-zeros) in ${Date.now() - t0} ms`);
    throwIfCancelled(ctx);
    const { fit, C, test } = await trainLinear(run, splits, ctx, { C: params.C, seed, progress });
    await run.saveCheckpoint(CHECKPOINT_BEST, (dir) => {
      saveNbsvm(dir, nb);
      saveLogReg(dir, fit, { labels: data.labels, C });
    });
    run.update({ config: { ...run.manifest.config, C, numFeatures: nb.vocabulary.length }, test });
    progress({ phase: 'done', step: 1, total: 1 });
    return test;
  });
  return { runId: run.id, runDir: run.dir, kind: 'baseline-nbsvm', status: r.status, test: r.value, error: r.error, warnings: run.manifest.warnings };
}
