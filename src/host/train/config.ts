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
  evalEvery: 'epoch',
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
  if (c.evalEvery !== 'epoch') posInt(c.evalEvery, 'eval every N steps');
  if (c.docPieces !== undefined) posInt(c.docPieces, 'sentences per text per step (docPieces)');
  return c;
}

/** Whether `value` beats `best` for the chosen metric (loss: lower is better). */
export function improves(metric: TrainConfig['bestMetric'], value: number, best: number | undefined): boolean {
  if (best === undefined) return true;
  return metric === 'loss' ? value < best : value > best;
}
