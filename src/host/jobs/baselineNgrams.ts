// The n-gram baselines as runs (TF-IDF, NBSVM): features fitted on the training split only, then the L2 logistic
// regression of linear.ts with C chosen on validation. Each baseline names only how it fits, applies and saves its
// features.
import type { BaselineParams, RunResult } from '../../protocol';
import { type Csr, saveLogReg } from '../baselines';
import { attachRun, type JobContext, prepareData, runJob, throwIfCancelled } from '../core';
import { createBaselineRun, trainLinear, type LinearSplits } from './linear';
import { CHECKPOINT_BEST } from '../../shared/runLayout';

export interface NgramFeatures<M extends { vocabulary: string[] }> {
  kind: 'baseline-tfidf' | 'baseline-nbsvm';
  /** Saved in run.json as the run's config (C and the number of features are added). */
  config: Record<string, unknown>;
  /** Names the features in the run's log line. */
  what: string;
  /** A one-line reason the labels cannot be used, checked before a run folder is made. */
  labelsProblem?: (labels: readonly string[]) => string | undefined;
  fit: (texts: string[], labels: number[]) => { model: M; x: Csr };
  transform: (model: M, texts: string[]) => Csr;
  /** Writes the fitted features beside the logistic regression in the checkpoint folder. */
  save: (dir: string, model: M) => void;
}

export async function runNgramBaseline<M extends { vocabulary: string[] }>(
  params: BaselineParams,
  ctx: JobContext,
  features: NgramFeatures<M>,
): Promise<RunResult> {
  const seed = params.seed ?? 42;
  const data = prepareData(params);
  const problem = features.labelsProblem?.(data.labels);
  if (problem) throw new Error(problem);
  const run = createBaselineRun(params, features.kind, data, seed, { config: { ...features.config } });
  const progress = attachRun(run, ctx);
  const r = await runJob(run, async () => {
    progress({ phase: 'features', step: 0, total: 1 });
    const t0 = Date.now();
    // Built in a function so that the training rows live only in `splits` (trainLinear swaps them for their
    // CSC form, and the CSR copy can go).
    const build = () => {
      const fitted = features.fit(
        data.train.map((e) => e.text),
        data.train.map((e) => e.label),
      );
      const x = (ex: typeof data.train) =>
        features.transform(
          fitted.model,
          ex.map((e) => e.text),
        );
      const splits: LinearSplits = {
        labels: data.labels,
        train: { x: fitted.x, examples: data.train },
        validation: { x: x(data.validation), examples: data.validation },
        test: { x: x(data.test), examples: data.test },
      };
      return { model: fitted.model, splits, nnz: fitted.x.indices.length };
    };
    const { model, splits, nnz } = build();
    run.log(`${features.what}: ${model.vocabulary.length} features from ${data.train.length} training texts (${nnz} non-zeros) in ${Date.now() - t0} ms`);
    throwIfCancelled(ctx);
    const { fit, C, test } = await trainLinear(run, splits, ctx, { C: params.C, seed, progress });
    await run.saveCheckpoint(CHECKPOINT_BEST, (dir) => {
      features.save(dir, model);
      saveLogReg(dir, fit, { labels: data.labels, C });
    });
    run.update({ config: { ...run.manifest.config, C, numFeatures: model.vocabulary.length }, test });
    progress({ phase: 'done', step: 1, total: 1 });
    return test;
  });
  return { runId: run.id, runDir: run.dir, kind: features.kind, status: r.status, test: r.value, error: r.error, warnings: run.manifest.warnings };
}
