// The TF-IDF + logistic regression baseline as a run: features fitted on the training split only.
import type { BaselineParams, RunResult } from '../../protocol';
import { fitTransformTfidf, saveLogReg, saveTfidf, transformTfidf } from '../baselines';
import { attachRun, type JobContext, prepareData, runJob, throwIfCancelled } from '../core';
import { createBaselineRun, trainLinear, type LinearSplits } from './linear';
import { CHECKPOINT_BEST } from '../../shared/runLayout';

export const TFIDF_CONFIG = {
  ngramRange: [1, 2],
  sublinearTf: true,
  minDf: 2,
  smoothIdf: true,
  norm: 'l2',
  solver: 'lbfgs',
  objective: 'sparse kernels in TypeScript (CSC: X·w and Xᵀ·r one pass each)',
} as const;

export async function runTfidfBaseline(params: BaselineParams, ctx: JobContext = {}): Promise<RunResult> {
  const seed = params.seed ?? 42;
  const data = prepareData(params);
  const run = createBaselineRun(params, 'baseline-tfidf', data, seed, { config: { ...TFIDF_CONFIG } });
  const progress = attachRun(run, ctx);
  const r = await runJob(run, async () => {
    progress({ phase: 'features', step: 0, total: 1 });
    const t0 = Date.now();
    // Built in a function so that the training rows live only in `splits` (trainLinear swaps them for their
    // CSC form, and the CSR copy can go).
    const features = () => {
      const fitted = fitTransformTfidf(data.train.map((e) => e.text));
      const x = (ex: typeof data.train) =>
        transformTfidf(
          fitted.model,
          ex.map((e) => e.text),
        );
      const splits: LinearSplits = {
        labels: data.labels,
        train: { x: fitted.x, examples: data.train },
        validation: { x: x(data.validation), examples: data.validation },
        test: { x: x(data.test), examples: data.test },
      };
      return { tfidf: fitted.model, splits, nnz: fitted.x.indices.length };
    };
    const { tfidf, splits, nnz } = features();
    run.log(`TF-IDF: ${tfidf.vocabulary.length} features from ${data.train.length} training texts (${nnz} non-zeros) in ${Date.now() - t0} ms`);
    throwIfCancelled(ctx);
    const { fit, C, test } = await trainLinear(run, splits, ctx, { C: params.C, seed, progress });
    await run.saveCheckpoint(CHECKPOINT_BEST, (dir) => {
      saveTfidf(dir, tfidf);
      saveLogReg(dir, fit, { labels: data.labels, C });
    });
    run.update({ config: { ...run.manifest.config, C, numFeatures: tfidf.vocabulary.length }, test });
    progress({ phase: 'done', step: 1, total: 1 });
    return test;
  });
  return { runId: run.id, runDir: run.dir, kind: 'baseline-tfidf', status: r.status, test: r.value, error: r.error, warnings: run.manifest.warnings };
}
