// Fine-tuning settings: resolving them, the validation schedule and the best-checkpoint rule.
import type { DataSource, FinetuneRunConfig, RunManifest, TrainConfig } from '../../protocol';
import { resolveTrainConfig } from '../../shared/settings';

// The defaults and limits live in the settings schema (src/shared/settings.ts); the host resolves a request's or
// run.json's settings with it: defaults filled in, every value checked (one line naming the setting).
export { DEFAULT_TRAIN_CONFIG, resolveTrainConfig } from '../../shared/settings';

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const record = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v)) : undefined;

/** A fine-tuning run's run.json config, read back typed: its settings resolved and checked, its data and model. */
export function finetuneRunConfig(run: { id: string; manifest: Pick<RunManifest, 'config'> }): FinetuneRunConfig {
  const saved = run.manifest.config;
  const data = record(saved.data);
  const model = text(data?.model);
  if (!data || !model) throw new Error(`run ${run.id}: run.json's config records no model (config.data.model); it is not a fine-tuning run folder`);
  const split = record(data.split);
  const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
  const splitOf = (s: Record<string, unknown>): DataSource['split'] => {
    const [validation, test, seed] = [num(s.validation), num(s.test), num(s.seed)];
    if (validation === undefined || test === undefined || seed === undefined)
      throw new Error(`run ${run.id}: run.json's config.data.split is incomplete (validation, test, seed)`);
    return {
      validation,
      test,
      seed,
      ...(num(s.fold) !== undefined ? { fold: num(s.fold) } : {}),
      ...(num(s.folds) !== undefined ? { folds: num(s.folds) } : {}),
    };
  };
  const execution = record(saved.execution);
  const modelDir = text(saved.modelDir);
  return {
    ...resolveTrainConfig(saved),
    data: { model, data: text(data.data), trainFile: text(data.trainFile), evalFile: text(data.evalFile), ...(split ? { split: splitOf(split) } : {}) },
    ...(execution ? { execution } : {}),
    ...(modelDir ? { modelDir } : {}),
  };
}

/** With evalEvery 'auto', at least this many validation passes in a run: enough points for a curve. */
export const AUTO_VALIDATION_PASSES = 4;

/**
 * The validation schedule of a run: 'epoch', or every N optimizer steps. 'auto' evaluates once per epoch when the
 * run has at least AUTO_VALIDATION_PASSES epochs, otherwise ceil(AUTO_VALIDATION_PASSES / epochs) times per epoch
 * (a 1-epoch run: 4 validation points; 2 epochs: 4; 3 epochs: 6).
 */
export function resolveEvalEvery(c: Pick<TrainConfig, 'evalEvery' | 'epochs'>, stepsPerEpoch: number): 'epoch' | number {
  if (c.evalEvery !== 'auto') return c.evalEvery;
  if (c.epochs >= AUTO_VALIDATION_PASSES) return 'epoch';
  const perEpoch = Math.ceil(AUTO_VALIDATION_PASSES / c.epochs);
  const every = Math.ceil(stepsPerEpoch / perEpoch);
  return every >= stepsPerEpoch ? 'epoch' : Math.max(1, every);
}

/** Whether `value` beats `best` for the chosen metric (loss: lower is better). */
export function improves(metric: TrainConfig['bestMetric'], value: number, best: number | undefined): boolean {
  if (best === undefined) return true;
  return metric === 'loss' ? value < best : value > best;
}
