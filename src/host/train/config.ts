// Fine-tuning settings: defaults and checks (one-line errors naming the setting and the fix).
import type { TrainConfig } from '../../protocol';

export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  epochs: 3,
  batchSize: 16,
  gradAccumSteps: 1,
  lr: 5e-5,
  warmupSteps: 0,
  schedule: 'linear',
  weightDecay: 0.01,
  maxGradNorm: 1,
  maxLength: 128,
  longText: 'head',
  freeze: 'all',
  evalEvery: 'auto',
  patience: 0,
  bestMetric: 'accuracy',
  keepCheckpoints: 2,
  shuffle: true,
  seed: 42,
};

export function resolveTrainConfig(partial: Partial<TrainConfig>): TrainConfig {
  const c = { ...DEFAULT_TRAIN_CONFIG, ...partial };
  const bad = (msg: string) => {
    throw new Error(`training setting: ${msg}`);
  };
  const posInt = (v: number, name: string) => (Number.isInteger(v) && v >= 1) || bad(`${name} must be a positive integer (got ${v})`);
  posInt(c.epochs, 'epochs');
  posInt(c.batchSize, 'batch size');
  posInt(c.gradAccumSteps, 'gradient accumulation steps');
  posInt(c.maxLength, 'max length');
  if (!(c.lr > 0)) bad(`learning rate must be > 0 (got ${c.lr})`);
  if (!(c.weightDecay >= 0)) bad(`weight decay must be >= 0 (got ${c.weightDecay})`);
  if (!(c.maxGradNorm >= 0)) bad(`max grad norm must be >= 0, 0 = no clipping (got ${c.maxGradNorm})`);
  if (!(Number.isInteger(c.warmupSteps) && c.warmupSteps >= 0)) bad(`warmup steps must be an integer >= 0 (got ${c.warmupSteps})`);
  if (!(Number.isInteger(c.patience) && c.patience >= 0)) bad(`patience must be an integer >= 0 (got ${c.patience})`);
  if (c.evalEvery !== 'epoch' && c.evalEvery !== 'auto') posInt(c.evalEvery, 'eval every N steps');
  if (c.docPieces !== undefined) posInt(c.docPieces, 'sentences per text per step (docPieces)');
  return c;
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
