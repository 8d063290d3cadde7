// Shared by the baselines: fit the L2 logistic regression on feature rows (choosing C on the validation set
// when it is not given), log each L-BFGS iteration as a training step, evaluate on validation and test, and
// write the test predictions.
import type { BaselineParams, EvalMetrics } from '../../protocol';
import { csrToCsc, fitLogReg, predictProba, type Csc, type Csr, type LogRegFit } from '../baselines';
import { evaluatePredictions } from '../eval';
import type { Example } from '../data';
import { RunFolder, type NewRun } from '../runs';
import { CancelledError, DEFAULT_SPLIT, evalSummary, predictionRecords, warningsField, type JobContext, type PreparedData } from '../core';
import { deviceName, packageVersions } from '../info';

export const C_GRID = [1, 10, 100];

/**
 * The run folder of a baseline: its kind and settings (the classifier's C, or how it is chosen, and the split),
 * the data's reference and warnings, the seed, package versions and the device.
 */
export function createBaselineRun(
  params: BaselineParams,
  kind: 'baseline-tfidf' | 'baseline-nbsvm' | 'baseline-embeddings',
  data: PreparedData,
  seed: number,
  settings: { config: Record<string, unknown>; model?: NewRun['model'] },
): RunFolder {
  return RunFolder.create(
    params.runsRoot,
    {
      kind,
      id: params.runId,
      config: {
        ...settings.config,
        C: params.C ?? `chosen on validation from ${C_GRID.join(', ')}`,
        split: params.split ?? DEFAULT_SPLIT,
        // where the data came from (an ensemble of this run finds its validation texts again with it)
        data: { data: params.data, trainFile: params.trainFile, evalFile: params.evalFile, split: params.split ?? DEFAULT_SPLIT },
      },
      dataset: data.ref,
      ...warningsField(data.warnings),
      ...(settings.model ? { model: settings.model } : {}),
      seed,
      packages: packageVersions(),
      device: deviceName(),
    },
    data.splitManifest,
  );
}

export interface LinearSplits {
  labels: string[];
  /** The training rows; trainLinear replaces a CSR matrix by its CSC form (what the objective reads) in place. */
  train: { x: Csr | Csc; examples: Example[] };
  validation: { x: Csr; examples: Example[] };
  test: { x: Csr; examples: Example[] };
}

export async function trainLinear(
  run: RunFolder,
  s: LinearSplits,
  ctx: JobContext,
  opts: { C?: number; seed: number; progress: (p: { phase: 'training' | 'evaluating'; step: number; total: number; detail?: string; loss?: number }) => void },
): Promise<{ fit: LogRegFit; C: number; test?: EvalMetrics }> {
  const k = s.labels.length;
  const yTrain = s.train.examples.map((e) => e.label);
  // One CSC copy for every fit; the CSR rows are dropped here so that only one form is held (at 35,000 TF-IDF
  // rows each is 160 MB).
  if (!('colptr' in s.train.x)) s.train.x = csrToCsc(s.train.x);
  const xTrain = s.train.x;
  let step = 0;
  // The objective and its gradient come from the CSR kernels of ../baselines/logreg.ts.
  // Progress names the candidate strength being fitted ("C 2/3") and its L-BFGS iteration: the iterations a fit
  // needs are not known in advance, so no fraction (total 0) is claimed.
  const fitWith = async (C: number, candidate?: string) => {
    const t0 = { t: Date.now() };
    const onIter = async (iter: number, loss: number, _g: number, lr: number) => {
      // Let the event loop deliver notifications and a cancel request between iterations.
      await new Promise<void>((r) => setImmediate(r));
      if (ctx.signal?.aborted) throw new CancelledError();
      const now = Date.now();
      run.metric({ type: 'step', step: ++step, epoch: 0, loss: loss / C / yTrain.length, lr, step_ms: now - t0.t, C, time: new Date(now).toISOString() });
      t0.t = now;
      opts.progress({
        phase: 'training',
        step: iter,
        total: 0,
        detail: `${candidate ? `${candidate} (C=${C})` : `C=${C}`} · iteration ${iter}`,
        loss: loss / C / yTrain.length,
      });
    };
    return await fitLogReg(xTrain, yTrain, k, { C, maxIter: 1000, onIter });
  };
  let C = opts.C;
  let fit: LogRegFit | undefined;
  if (C === undefined && s.validation.examples.length > 0) {
    let best = -1;
    for (const [i, c] of C_GRID.entries()) {
      const f = await fitWith(c, `C ${i + 1}/${C_GRID.length}`);
      const m = evaluatePredictions(
        s.validation.examples.map((e) => e.label),
        predictProba(f, s.validation.x),
        { labelNames: s.labels, seed: opts.seed },
      );
      run.log(`C=${c}: validation accuracy ${m.accuracy.toFixed(4)} after ${f.iterations} L-BFGS iterations`);
      if (m.accuracy > best) {
        best = m.accuracy;
        C = c;
        fit = f;
      }
    }
  }
  C ??= 10;
  fit ??= await fitWith(C);
  run.log(`logistic regression C=${C}: ${fit.iterations} iterations, converged ${fit.converged}`);
  opts.progress({ phase: 'evaluating', step: 0, total: 2 });
  let test: EvalMetrics | undefined;
  for (const split of ['validation', 'test'] as const) {
    const part = s[split];
    if (part.examples.length === 0) continue;
    const probs = predictProba(fit, part.x);
    const m = evaluatePredictions(
      part.examples.map((e) => e.label),
      probs,
      { labelNames: s.labels, seed: opts.seed },
    );
    run.metric({ type: 'eval', step, epoch: 0, split, metrics: evalSummary(m), time: new Date().toISOString() });
    run.log(`${split}: accuracy ${m.accuracy.toFixed(4)} (95% CI ${m.accuracyCI.map((v) => v.toFixed(4)).join('-')}), macro F1 ${m.macroF1.toFixed(4)}`);
    if (split === 'test') {
      test = m;
      run.writePredictions(predictionRecords(part.examples, probs, 'test'));
    }
  }
  return { fit, C, test };
}
