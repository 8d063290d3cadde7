// What the host Trainer (./trainer.ts) and the device trainer (../devices) share apart from the checkpoint format
// (./checkpoint.ts): the checks of a TrainConfig and the step bookkeeping — the optimizer-step counter (the
// learning-rate schedule's position and AdamW's t) and the micro-batch counter (the dropout RNG state: masks
// depend only on seed, this counter and the site). Only the execution of a step differs between the two.
import { lrLambda } from '../optim/schedule';
import type { TrainerCounters } from './checkpoint';
import type { TrainConfig } from './trainer';

/** Where a trainer runs: the host trainer takes any config; the device trainer runs one micro-batch per step. */
export type TrainerKind = 'host' | 'device';

/** Throws a one-line error for a config the trainer cannot run. */
export function validateTrainConfig(c: TrainConfig, kind: TrainerKind = 'host'): void {
  const bad = (what: string) => {
    throw new Error(`training config: ${what}`);
  };
  if (!(c.lr >= 0)) bad(`lr must be >= 0, got ${c.lr}`);
  if (!(c.weightDecay >= 0)) bad(`weightDecay must be >= 0, got ${c.weightDecay}`);
  if (!Array.isArray(c.betas) || c.betas.length !== 2 || c.betas.some((b) => !(b >= 0 && b < 1)))
    bad(`betas must be two numbers in [0, 1), got ${JSON.stringify(c.betas)}`);
  if (!(c.eps > 0)) bad(`eps must be > 0, got ${c.eps}`);
  if (!(c.maxGradNorm >= 0)) bad(`maxGradNorm must be >= 0 (0 = off), got ${c.maxGradNorm}`);
  if (!Number.isInteger(c.gradAccumSteps) || c.gradAccumSteps < 1) bad(`gradAccumSteps must be an integer >= 1, got ${c.gradAccumSteps}`);
  if (!Number.isInteger(c.warmupSteps) || c.warmupSteps < 0) bad(`warmupSteps must be an integer >= 0, got ${c.warmupSteps}`);
  if (!['linear', 'constant', 'constant_with_warmup'].includes(c.schedule))
    bad(`schedule must be 'linear', 'constant' or 'constant_with_warmup', got '${c.schedule}'`);
  if (c.schedule === 'linear' && !(c.totalSteps > 0)) bad(`totalSteps must be > 0 for the linear schedule, got ${c.totalSteps}`);
  if (c.classWeights && c.classWeights.some((w) => !(w >= 0))) bad('classWeights must be non-negative numbers');
  if (c.layerLrDecay !== undefined && !(c.layerLrDecay > 0 && c.layerLrDecay <= 1)) bad(`layerLrDecay must be > 0 and <= 1, got ${c.layerLrDecay}`);
  if (kind === 'device' && c.gradAccumSteps !== 1)
    bad(
      `the device trainer runs one micro-batch per optimizer step: gradient accumulation ${c.gradAccumSteps} is not supported there; set gradient accumulation steps to 1 (and a smaller batch size if memory is short) or the device to cpu`,
    );
}

/** The step counters of a trainer and the learning rate they give. */
export class StepClock implements TrainerCounters {
  /** optimizer updates done */
  step = 0;
  /** micro-batches run: the dropout RNG counter */
  microStep = 0;

  constructor(private readonly config: Pick<TrainConfig, 'lr' | 'schedule' | 'warmupSteps' | 'totalSteps'>) {}

  /** The learning rate of the update `ahead` updates after the next one (0 = the next update). */
  lr(ahead = 0): number {
    const c = this.config;
    return c.lr * lrLambda(c.schedule, this.step + ahead, c.warmupSteps, c.totalSteps);
  }

  /** After `updates` optimizer updates made of `micro` micro-batches. */
  advance(updates: number, micro: number): void {
    this.step += updates;
    this.microStep += micro;
  }

  /** Continue from a checkpoint's counters. */
  set(c: TrainerCounters): void {
    this.step = c.step;
    this.microStep = c.microStep;
  }

  get counters(): TrainerCounters {
    return { step: this.step, microStep: this.microStep };
  }
}
